/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The secure channel (design.md s.4 "Security", issue #6): internal and
 * external authentication, commands protected by a line MAC (application
 * block/unblock, PIN unblock/reload) and protected writes of data
 * elements. Every APDU goes through sscard_card_cmd(); keys
 * stay inside the provider (lib/keys.h): this file only ever holds
 * challenges, randoms, cryptograms and MACs, and wipes those too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "elements.h"
#include "internal.h"
#include "keys.h"
#include "sm_int.h"
#include "ssc_int.h"
#include "tlv.h"

/* The DFs a key can live in: SSSE by name, the applications by FID. */
static const struct {
	const char *name;
	uint16_t fid; /* 0: SSSE itself */
} dfs[] = {
	{ "SSSE", 0 },      { "DF01", 0xDF01 }, { "DF02", 0xDF02 }, { "DF03", 0xDF03 },
	{ "DF04", 0xDF04 }, { "DF05", 0xDF05 }, { "DF07", 0xDF07 },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define RESP_MAX 258u

static const char *const verdict_names[] = { "NOT_RUN", "GENUINE", "NOT_GENUINE",
                                             "KEYS_MISMATCH", "TERMINAL_ONLY" };

SSCARD_API const char *sscard_auth_verdict_name(int verdict)
{
	if (verdict < 0 || (size_t)verdict >= COUNT(verdict_names))
		return "UNKNOWN";
	return verdict_names[verdict];
}

/* ---- selection and factors ----------------------------------------------- */

/* The FID of df (0 for SSSE); false for a DF we do not know. */
static bool df_fid(const char *df, uint16_t *fid)
{
	for (size_t i = 0; i < COUNT(dfs); i++)
		if (strcmp(dfs[i].name, df) == 0) {
			*fid = dfs[i].fid;
			return true;
		}
	return false;
}

/*
 * The card identification code (SSSE/EF05 tag 01, read by identifier and
 * SFI). A blank or unreadable one is not an error here: keys diversified
 * only by the card factor still work, the others fail when used.
 */
static bool read_card_id(sscard_card *card, uint8_t id[16])
{
	sscard_apdu a = { 0x00, 0xB2, 0x01, 5u << 3, NULL, 0, 2 + 16, 0 };
	uint8_t resp[RESP_MAX];
	size_t n = 0;
	sscard_tlv tlv;

	if (sscard_card_cmd(card, "READ RECORD 01", &a, resp, sizeof(resp), &n) != SSCARD_OK)
		return false;
	if (sscard_tlv_parse_record(resp, n, 0x01, 16, &tlv, NULL, 0) != SSCARD_OK ||
	    tlv.len != 16)
		return false;
	memcpy(id, tlv.value, 16);
	return true;
}

/* A SELECT answered 6283 did select the (blocked) DF: fine when the
 * caller is about to unblock it. */
static sscard_rc tolerate_blocked(sscard_card *card, sscard_rc rc, bool allow_blocked)
{
	if (rc == SSCARD_E_APP_BLOCKED && allow_blocked) {
		card->selected = 0;
		sscard_card_clear_detail(card);
		return SSCARD_OK;
	}
	return rc;
}

/* The algorithm from the SSSE FCI: 86 01 xx (inside 9F0C on the cards
 * field code reads, design.md s.8); 0 when absent. */
static sscard_alg fci_alg(const uint8_t *fci, size_t len)
{
	const uint8_t *v = NULL;
	size_t n = 0;

	if (!sscard_ber_find(fci, len, 0x86, &v, &n) || n != 1)
		return 0;
	return (v[0] >= SSCARD_ALG_3DES && v[0] <= SSCARD_ALG_SM4) ? (sscard_alg)v[0] : 0;
}

/* The specification version's major digit (EF05 tag 03, an 4: "3.00"). */
static sscard_rc read_spec_major(sscard_card *card, int *major)
{
	sscard_apdu a = { 0x00, 0xB2, 0x03, 5u << 3, NULL, 0, 2 + 4, 0 };
	uint8_t resp[RESP_MAX];
	size_t n = 0;
	sscard_tlv tlv;
	sscard_rc rc = sscard_card_cmd(card, "READ RECORD 03", &a, resp, sizeof(resp), &n);

	if (rc != SSCARD_OK)
		return rc;
	if (sscard_tlv_parse_record(resp, n, 0x03, 4, &tlv, NULL, 0) != SSCARD_OK ||
	    tlv.len == 0 || tlv.value[0] < '1' || tlv.value[0] > '9')
		return sscard_card_fail(card, SSCARD_E_BAD_DATA,
		                        "the card gives no specification version to tell its "
		                        "algorithm by: give the algorithm");
	*major = tlv.value[0] - '0';
	return SSCARD_OK;
}

/* SELECT SSSE with its FCI; a blocked SSSE (6283) when allowed. */
static sscard_rc select_ssse(sscard_sm *sm, bool allow_blocked)
{
	uint8_t fci[RESP_MAX];
	size_t n = 0;
	sscard_rc rc = sscard_ssc_select_fci(sm->card, fci, sizeof(fci), &n);

	if (rc == SSCARD_OK)
		sm->alg = fci_alg(fci, n);
	return tolerate_blocked(sm->card, rc, allow_blocked);
}

static sscard_rc ssf33_refused(sscard_card *card)
{
	return sscard_card_fail(card, SSCARD_E_NOT_SUPPORTED,
	                        "the card computes with SSF33, which OpenSSL does not "
	                        "implement: use a PSAM or security module of that algorithm");
}

static bool blocked_ok_of(unsigned flags)
{
	return (flags & SSCARD_SM_ALLOW_BLOCKED) != 0;
}

/* What this card handle learnt before, when the same card (ATR) is in. */
static bool cache_valid(const sscard_card *card, const uint8_t *atr, size_t atrlen)
{
	return card->ssc_cache.atr_len == atrlen && atrlen > 0 &&
	       memcmp(card->ssc_cache.atr, atr, atrlen) == 0;
}

static void cache_keep(sscard_card *card, const uint8_t *atr, size_t atrlen,
                       const sscard_sm *sm)
{
	if (!cache_valid(card, atr, atrlen)) {
		memset(&card->ssc_cache, 0, sizeof(card->ssc_cache));
		memcpy(card->ssc_cache.atr, atr, atrlen);
		card->ssc_cache.atr_len = atrlen;
	}
	if (sm->alg != 0)
		card->ssc_cache.alg = (int)sm->alg;
	if (sm->have_card_id) {
		memcpy(card->ssc_cache.card_id, sm->card_id, sizeof(sm->card_id));
		card->ssc_cache.have_card_id = true;
	}
}

/* SSSE selected and the algorithm and card id known: from this card's
 * earlier answers (no APDU when SSSE is still selected), else asked. */
static sscard_rc learn_card(sscard_sm *sm, const uint8_t *atr, size_t atrlen,
                            const uint8_t *card_id, unsigned flags)
{
	sscard_card *card = sm->card;
	bool cached = cache_valid(card, atr, atrlen), blocked_ok = flags & SSCARD_SM_ALLOW_BLOCKED;
	sscard_rc rc;

	if (cached && card->ssc_cache.alg != 0) {
		sm->alg = (sscard_alg)card->ssc_cache.alg;
		rc = tolerate_blocked(card, sscard_ssc_select(card, 0), blocked_ok);
	} else {
		rc = select_ssse(sm, blocked_ok);
	}
	if (rc != SSCARD_OK)
		return rc;
	if (card_id) {
		memcpy(sm->card_id, card_id, sizeof(sm->card_id));
		sm->have_card_id = true;
	} else if (cached && card->ssc_cache.have_card_id) {
		memcpy(sm->card_id, card->ssc_cache.card_id, sizeof(sm->card_id));
		sm->have_card_id = true;
	} else {
		sm->have_card_id = read_card_id(card, sm->card_id);
	}
	/* no algorithm in the FCI: the version tells it ("3.xx" SM4) */
	if ((sm->alg == 0 || (flags & SSCARD_SM_NEED_VERSION)) &&
	    read_spec_major(card, &sm->spec_major) == SSCARD_OK && sm->alg == 0)
		sm->alg = sm->spec_major >= 3 ? SSCARD_ALG_SM4 : SSCARD_ALG_3DES;
	sscard_card_clear_detail(card);
	/* a blocked SSSE shows no FCI and no version: what it said before */
	if (sm->alg == 0 && cached)
		sm->alg = (sscard_alg)card->ssc_cache.alg;
	if (!card_id)
		cache_keep(card, atr, atrlen, sm);
	return SSCARD_OK;
}

sscard_rc sscard_sm_open(sscard_card *card, sscard_keys *keys, const char *df,
                         const uint8_t *card_id, unsigned flags, sscard_sm *sm)
{
	const uint8_t *atr = NULL;
	size_t atrlen = 0;
	uint16_t fid = 0;
	sscard_rc rc;

	if (!card || !df || !sm)
		return SSCARD_E_INVALID_ARG;
	memset(sm, 0, sizeof(*sm));
	if (!df_fid(df, &fid))
		return sscard_card_fail(card, SSCARD_E_INVALID_ARG, "unknown DF \"%s\"", df);
	sm->card = card;
	sm->keys = keys;
	snprintf(sm->df, sizeof(sm->df), "%s", df);
	rc = sscard_card_atr(card, &atr, &atrlen);
	if (rc == SSCARD_OK)
		rc = learn_card(sm, atr, atrlen, card_id, flags);
	if (rc != SSCARD_OK)
		return rc;
	rc = sscard_div_factors_make(atr, atrlen, sm->have_card_id ? sm->card_id : NULL, 16,
	                             &sm->factors);
	if (rc == SSCARD_E_BAD_DATA && card_id)
		return sscard_card_fail(card, SSCARD_E_INVALID_ARG,
		                        "the card id's region (its first 6 digits) is not decimal");
	if (rc == SSCARD_E_BAD_DATA && sm->have_card_id) /* the card's region is not BCD */
		rc = sscard_div_factors_make(atr, atrlen, NULL, 0, &sm->factors);
	if (rc != SSCARD_OK)
		return sscard_card_fail(card, rc, "the ATR is too short for the card factor");
	/* SSSE is selected already; an application DF is selected below it */
	if (fid == 0)
		return SSCARD_OK;
	return tolerate_blocked(card, sscard_ssc_select_app(card, fid), blocked_ok_of(flags));
}

void sscard_sm_close(sscard_sm *sm)
{
	if (sm)
		OPENSSL_cleanse(sm, sizeof(*sm));
}

/* ---- card commands ------------------------------------------------------- */

typedef enum step_result { STEP_NOT_RUN, STEP_OK, STEP_WRONG, STEP_REJECTED } step_result;

/* Whether the card's answer is a refusal of our keys (as opposed to a
 * transport or card failure, which is passed on). */
static bool is_key_refusal(sscard_rc rc)
{
	return rc == SSCARD_E_AUTH_FAILED || rc == SSCARD_E_WRONG_PIN ||
	       rc == SSCARD_E_KEY_NOT_FOUND || rc == SSCARD_E_PIN_BLOCKED ||
	       rc == SSCARD_E_BAD_DATA || rc == SSCARD_E_WRONG_PARAMS ||
	       rc == SSCARD_E_MAC;
}

/* 00 84 00 00 08: 8 bytes on every card, SM4 cards included. */
static sscard_rc get_challenge(sscard_card *card, uint8_t out[SSCARD_FACTOR_LEN])
{
	sscard_apdu a = { 0x00, 0x84, 0x00, 0x00, NULL, 0, SSCARD_FACTOR_LEN, 0 };
	uint8_t resp[RESP_MAX];
	size_t n = 0;
	sscard_rc rc = sscard_card_cmd(card, "GET CHALLENGE", &a, resp, sizeof(resp), &n);

	if (rc == SSCARD_OK && n != SSCARD_FACTOR_LEN)
		rc = sscard_card_fail(card, SSCARD_E_BAD_RESPONSE,
		                      "GET CHALLENGE: %zu bytes, expected 8", n);
	if (rc == SSCARD_OK)
		memcpy(out, resp, SSCARD_FACTOR_LEN);
	return rc;
}

/* 00 82 00 <id> 10 <cryptogram><original>; a refusal is *res REJECTED. */
static sscard_rc external_auth_send(sscard_card *card, uint8_t id, const uint8_t *cryptogram,
                                    const uint8_t *original, step_result *res)
{
	uint8_t data[2 * SSCARD_FACTOR_LEN], resp[RESP_MAX];
	size_t n = 0;
	sscard_apdu a = { 0x00, 0x82, 0x00, id, data, sizeof(data), 0, SSCARD_APDU_SENSITIVE };
	sscard_rc rc;

	memcpy(data, cryptogram, SSCARD_FACTOR_LEN);
	memcpy(data + SSCARD_FACTOR_LEN, original, SSCARD_FACTOR_LEN);
	rc = sscard_card_cmd(card, "EXTERNAL AUTHENTICATE", &a, resp, sizeof(resp), &n);
	*res = rc == SSCARD_OK ? STEP_OK : STEP_NOT_RUN;
	if (is_key_refusal(rc)) {
		*res = STEP_REJECTED;
		rc = SSCARD_OK;
	}
	OPENSSL_cleanse(data, sizeof(data));
	return rc;
}

/* ---- keys of a session --------------------------------------------------- */

/* The key for usage in df, else in SSSE above it (where the card also
 * looks); *kdf names where it was found. */
static sscard_rc df_key(sscard_keys *keys, const char *df, sscard_key_usage usage,
                        const char **kdf, sscard_key_info *info)
{
	sscard_rc rc = sscard_keys_lookup(keys, usage, df, info);

	*kdf = df;
	if (rc == SSCARD_E_KEY_NOT_FOUND && strcmp(df, "SSSE") != 0) {
		rc = sscard_keys_lookup(keys, usage, "SSSE", info);
		*kdf = "SSSE";
	}
	return rc;
}

/* A provider's SSCARD_E_BAD_DATA means a diversification factor is
 * missing: say which and why. */
static sscard_rc no_factor(sscard_card *card, sscard_rc rc)
{
	if (rc == SSCARD_E_BAD_DATA)
		return sscard_card_fail(card, SSCARD_E_BAD_DATA,
		                        "the key is diversified by region but the card "
		                        "identification code could not be read (blank card, or "
		                        "application blocked: give the card id)");
	if (rc == SSCARD_E_KEYS_MISMATCH)
		return sscard_card_fail(card, rc, "the keystore's key is of another algorithm "
		                        "than the card's");
	return rc;
}

/* The session's key of `usage`: found, and of the card's algorithm (a
 * provider key of alg 0 follows the card; a card of unknown algorithm
 * follows the key). */
static sscard_rc session_key(sscard_sm *sm, sscard_key_usage usage, const char *what,
                             sscard_key_info *info, sscard_key_use *use)
{
	const char *kdf = sm->df;
	sscard_rc rc = df_key(sm->keys, sm->df, usage, &kdf, info);

	if (rc != SSCARD_OK)
		return sscard_card_fail(sm->card, rc, "%s: the keystore has no %s key for %s", what,
		                        sscard_key_usage_name(usage), sm->df);
	if (sm->alg == 0)
		sm->alg = info->alg;
	if (sm->alg == SSCARD_ALG_SSF33)
		return ssf33_refused(sm->card);
	if (sm->alg == 0)
		return sscard_card_fail(sm->card, SSCARD_E_BAD_DATA,
		                        "%s: the card's algorithm is unknown (no FCI, no version)",
		                        what);
	if (info->alg != 0 && info->alg != sm->alg)
		return sscard_card_fail(sm->card, SSCARD_E_KEYS_MISMATCH,
		                        "%s: the keystore's %s key is %s, the card computes with %s",
		                        what, sscard_key_usage_name(usage),
		                        info->alg == SSCARD_ALG_SM4 ? "SM4" : "3DES",
		                        sm->alg == SSCARD_ALG_SM4 ? "SM4" : "3DES");
	*use = (sscard_key_use){ usage, kdf, sm->alg, &sm->factors, NULL };
	return SSCARD_OK;
}

/*
 * Terminal -> card with the session's key of `usage`: GET CHALLENGE (the
 * process factor, and the original, as field code does), the provider's
 * cryptogram, EXTERNAL AUTHENTICATE. SSCARD_E_KEYS_MISMATCH when the card
 * refuses it.
 */
static sscard_rc sm_external(sscard_sm *sm, sscard_key_usage usage, const char *what)
{
	uint8_t challenge[SSCARD_FACTOR_LEN], cryptogram[SSCARD_FACTOR_LEN];
	sscard_key_info info;
	sscard_key_use use;
	step_result res = STEP_NOT_RUN;
	sscard_rc rc = session_key(sm, usage, what, &info, &use);

	if (rc == SSCARD_OK)
		rc = get_challenge(sm->card, challenge);
	use.process = challenge;
	if (rc == SSCARD_OK)
		rc = no_factor(sm->card, sscard_keys_cryptogram(sm->keys, &use, challenge,
		                                                cryptogram));
	if (rc == SSCARD_OK)
		rc = external_auth_send(sm->card, info.id, cryptogram, challenge, &res);
	if (rc == SSCARD_OK && res != STEP_OK)
		rc = sscard_card_fail(sm->card, SSCARD_E_KEYS_MISMATCH,
		                      "%s: the card refuses our %s key %02X (SW %04X)", what,
		                      sscard_key_usage_name(usage), info.id, sm->card->last_sw);
	OPENSSL_cleanse(challenge, sizeof(challenge));
	OPENSSL_cleanse(cryptogram, sizeof(cryptogram));
	return rc;
}

/* ---- authentication: begin ----------------------------------------------- */

#define AUTH_VALUES 4

/* One authentication between sscard_auth_begin() and _finish(). */
struct sscard_auth_request {
	sscard_sm sm;            /* card, DF, factors (no keys: sm.keys is NULL) */
	uint8_t internal_id, external_id;
	bool internal_run;       /* INTERNAL AUTHENTICATE was sent */
	bool internal_refused;   /* ... and the card refused it */
	bool external_ready;     /* the challenge for EXTERNAL AUTHENTICATE is out */
	bool finished;           /* the challenge is spent */
	uint8_t values[AUTH_VALUES][SSCARD_FACTOR_LEN]; /* by sscard_auth_value */
	uint8_t answer[SSCARD_FACTOR_LEN]; /* first 8 bytes of the card's answer */
	bool have_answer;
};

static const sscard_auth_options default_options = { 0, 0x00, 0x0A, 1, SSCARD_AUTH_AUTO,
	                                             NULL, NULL };

/* Card -> terminal, first half: 00 88 00 <id> 10 <factor><original>, the
 * answer kept for finish. A refusal is recorded, not an error. */
static sscard_rc internal_auth_send(sscard_auth_request *r, const sscard_auth_options *opt)
{
	uint8_t data[2 * SSCARD_FACTOR_LEN], resp[RESP_MAX];
	uint8_t *factor = r->values[SSCARD_AUTH_INTERNAL_FACTOR];
	uint8_t *original = r->values[SSCARD_AUTH_INTERNAL_ORIGINAL];
	size_t n = 0;
	sscard_rc rc = SSCARD_OK;

	/* host randoms: the terminal, not the card, decides what a card must
	 * prove it can encrypt, so a clone cannot replay a recorded answer */
	if (opt->internal_factor)
		memcpy(factor, opt->internal_factor, SSCARD_FACTOR_LEN);
	else
		rc = sscard_crypto_random(factor, SSCARD_FACTOR_LEN);
	if (rc == SSCARD_OK && opt->internal_original)
		memcpy(original, opt->internal_original, SSCARD_FACTOR_LEN);
	else if (rc == SSCARD_OK)
		rc = sscard_crypto_random(original, SSCARD_FACTOR_LEN);
	if (rc != SSCARD_OK)
		return rc;
	memcpy(data, factor, SSCARD_FACTOR_LEN);
	memcpy(data + SSCARD_FACTOR_LEN, original, SSCARD_FACTOR_LEN);
	{
		sscard_apdu a = { 0x00, 0x88, 0x00, r->internal_id, data, sizeof(data), 256, 0 };
		rc = sscard_card_cmd(r->sm.card, "INTERNAL AUTHENTICATE", &a, resp, sizeof(resp),
		                     &n);
	}
	r->internal_run = true;
	if (is_key_refusal(rc)) {
		r->internal_refused = true;
		rc = SSCARD_OK;
	} else if (rc == SSCARD_OK && n >= SSCARD_FACTOR_LEN) {
		memcpy(r->answer, resp, SSCARD_FACTOR_LEN);
		r->have_answer = true; /* shorter can only be wrong */
	}
	OPENSSL_cleanse(resp, sizeof(resp));
	OPENSSL_cleanse(data, sizeof(data));
	return rc;
}

/* Whether EXTERNAL AUTHENTICATE is prepared (AUTO: 3.00 cards, whose EF06
 * is behind RKSSSE). */
static bool wants_external(const sscard_auth_request *r, const sscard_auth_options *opt)
{
	if (opt->external == SSCARD_AUTH_AUTO)
		return r->sm.spec_major >= 3;
	return opt->external != 0;
}

/* Everything begin does on the card, inside its transaction. */
static sscard_rc begin_on_card(sscard_card *card, const char *df,
                               const sscard_auth_options *opt, sscard_auth_request *r)
{
	unsigned flags = opt->external == SSCARD_AUTH_AUTO ? SSCARD_SM_NEED_VERSION : 0;
	sscard_rc rc = sscard_sm_open(card, NULL, df, NULL, flags, &r->sm);

	if (rc != SSCARD_OK)
		return rc;
	if (opt->alg != 0)
		r->sm.alg = opt->alg;
	if (r->sm.alg == SSCARD_ALG_SSF33)
		return ssf33_refused(card);
	if (r->sm.alg != SSCARD_ALG_3DES && r->sm.alg != SSCARD_ALG_SM4)
		return sscard_card_fail(card, SSCARD_E_INVALID_ARG, "unknown algorithm %d",
		                        (int)r->sm.alg);
	if (opt->internal)
		rc = internal_auth_send(r, opt);
	if (rc == SSCARD_OK && wants_external(r, opt)) {
		/* last: nothing between it and EXTERNAL AUTHENTICATE */
		rc = get_challenge(card, r->values[SSCARD_AUTH_EXTERNAL_FACTOR]);
		memcpy(r->values[SSCARD_AUTH_EXTERNAL_ORIGINAL],
		       r->values[SSCARD_AUTH_EXTERNAL_FACTOR], SSCARD_FACTOR_LEN);
		r->external_ready = rc == SSCARD_OK;
	}
	return rc;
}

SSCARD_API sscard_rc sscard_auth_begin(sscard_card *card, const char *df,
                                       const sscard_auth_options *opt,
                                       sscard_auth_request **req)
{
	sscard_auth_request *r;
	sscard_rc rc, rc2;

	if (req)
		*req = NULL;
	if (!card || !req)
		return SSCARD_E_INVALID_ARG;
	if (!opt)
		opt = &default_options;
	if (!opt->internal && !opt->external)
		return SSCARD_E_INVALID_ARG; /* nothing to authenticate */
	r = calloc(1, sizeof(*r));
	if (!r)
		return SSCARD_E_NOMEM;
	r->internal_id = opt->internal_id;
	r->external_id = opt->external_id;
	rc = sscard_card_begin(card);
	if (rc == SSCARD_OK) {
		rc = begin_on_card(card, df ? df : "SSSE", opt, r);
		rc2 = sscard_card_end(card);
		if (rc == SSCARD_OK)
			rc = rc2;
	}
	if (rc != SSCARD_OK) {
		sscard_auth_request_free(&r);
		return rc;
	}
	*req = r;
	return SSCARD_OK;
}

SSCARD_API sscard_alg sscard_auth_request_alg(const sscard_auth_request *req)
{
	return req ? req->sm.alg : (sscard_alg)0;
}

SSCARD_API const uint8_t *sscard_auth_request_value(const sscard_auth_request *req,
                                                    sscard_auth_value which, size_t *len)
{
	bool present = req && (unsigned)which < AUTH_VALUES &&
	               (which <= SSCARD_AUTH_INTERNAL_ORIGINAL ? req->internal_run
	                                                       : req->external_ready);

	if (len)
		*len = present ? SSCARD_FACTOR_LEN : 0;
	return present ? req->values[which] : NULL;
}

SSCARD_API const uint8_t *sscard_auth_request_card_id(const sscard_auth_request *req,
                                                      size_t *len)
{
	bool present = req && req->sm.have_card_id;

	if (len)
		*len = present ? sizeof(req->sm.card_id) : 0;
	return present ? req->sm.card_id : NULL;
}

SSCARD_API void sscard_auth_request_factors(const sscard_auth_request *req,
                                            sscard_div_factors *f)
{
	if (!f)
		return;
	if (req)
		*f = req->sm.factors;
	else
		memset(f, 0, sizeof(*f));
}

SSCARD_API void sscard_auth_request_free(sscard_auth_request **req)
{
	if (!req || !*req)
		return;
	OPENSSL_cleanse(*req, sizeof(**req));
	free(*req);
	*req = NULL;
}

/* ---- authentication: finish ---------------------------------------------- */

/* The card's answer against what the back end expects. */
static step_result internal_result(const sscard_auth_request *r, const uint8_t *expected)
{
	if (!r->internal_run || !expected)
		return STEP_NOT_RUN;
	if (r->internal_refused)
		return STEP_REJECTED;
	return r->have_answer && CRYPTO_memcmp(r->answer, expected, SSCARD_FACTOR_LEN) == 0
	               ? STEP_OK
	               : STEP_WRONG;
}

/* The verdict from the two steps (see sscard_authenticate() in sm.h); a
 * request without external part is judged on the card alone. */
static sscard_auth_verdict judge(step_result internal, step_result external)
{
	/* a card refusing our key says the keys are not its own: a wrong
	 * internal answer then proves nothing about the card */
	if (external != STEP_OK && external != STEP_NOT_RUN)
		return SSCARD_AUTH_KEYS_MISMATCH;
	if (internal == STEP_WRONG)
		return SSCARD_AUTH_NOT_GENUINE;
	if (internal == STEP_REJECTED)
		return SSCARD_AUTH_KEYS_MISMATCH;
	return internal == STEP_OK ? SSCARD_AUTH_GENUINE : SSCARD_AUTH_TERMINAL_ONLY;
}

/* The return code and log line for a verdict. */
static sscard_rc report(const sscard_auth_request *r, sscard_auth_verdict v, step_result ex)
{
	sscard_card *card = r->sm.card;

	switch (v) {
	case SSCARD_AUTH_GENUINE:
		SSC_INFO(card->ctx, "authenticated in %s: the card is genuine%s", r->sm.df,
		         ex == STEP_OK ? ", the terminal accepted" : "");
		return SSCARD_OK;
	case SSCARD_AUTH_TERMINAL_ONLY:
		SSC_INFO(card->ctx, "authenticated in %s: terminal only (the card was not "
		         "checked)", r->sm.df);
		return SSCARD_OK;
	case SSCARD_AUTH_NOT_GENUINE:
		return sscard_card_fail(card, SSCARD_E_NOT_GENUINE,
		                        "INTERNAL AUTHENTICATE: the card's answer is not what the "
		                        "keys compute: card not genuine");
	default:
		return sscard_card_fail(card, SSCARD_E_KEYS_MISMATCH,
		                        "%s AUTHENTICATE: the card refuses our keys (last SW %04X)",
		                        ex == STEP_REJECTED ? "EXTERNAL" : "INTERNAL", card->last_sw);
	}
}

static bool finish_args_ok(const sscard_card *card, const sscard_auth_request *req,
                           const uint8_t *cryptogram, size_t cryptogram_len,
                           const uint8_t *expected, size_t expected_len)
{
	if (!card || !req || req->sm.card != card || req->finished)
		return false;
	if (req->external_ready ? (!cryptogram || cryptogram_len != SSCARD_FACTOR_LEN)
	                        : (cryptogram || cryptogram_len != 0))
		return false;
	if (expected ? expected_len != SSCARD_FACTOR_LEN : expected_len != 0)
		return false;
	/* a request that only checks the card needs the expected answer */
	return req->external_ready || expected;
}

SSCARD_API sscard_rc sscard_auth_finish(sscard_card *card, sscard_auth_request *req,
                                        const uint8_t *cryptogram, size_t cryptogram_len,
                                        const uint8_t *expected, size_t expected_len,
                                        sscard_auth_verdict *verdict)
{
	step_result in, ex = STEP_NOT_RUN;
	sscard_auth_verdict v = SSCARD_AUTH_NOT_RUN;
	sscard_rc rc = SSCARD_OK, rc2;

	if (verdict)
		*verdict = v;
	if (!finish_args_ok(card, req, cryptogram, cryptogram_len, expected, expected_len))
		return SSCARD_E_INVALID_ARG;
	req->finished = true; /* the challenge is spent whatever happens now */
	in = internal_result(req, expected);
	if (req->external_ready) {
		rc = sscard_card_begin(card);
		if (rc != SSCARD_OK)
			return rc;
		rc = external_auth_send(card, req->external_id, cryptogram,
		                        req->values[SSCARD_AUTH_EXTERNAL_ORIGINAL], &ex);
		rc2 = sscard_card_end(card);
		if (rc == SSCARD_OK)
			rc = rc2;
		if (rc != SSCARD_OK)
			return rc;
	}
	v = judge(in, ex);
	if (verdict)
		*verdict = v;
	return report(req, v, ex);
}

/* ---- authentication with a key provider ---------------------------------- */

/* The provider plays the back end: both answers for the request. */
static sscard_rc provider_answers(sscard_card *card, sscard_keys *keys,
                                  const sscard_auth_request *r, const char *ext_df,
                                  const char *int_df, uint8_t *cryptogram, uint8_t *expected)
{
	sscard_key_use use = { SSCARD_KEY_EXTERNAL, ext_df, r->sm.alg, &r->sm.factors,
		               r->values[SSCARD_AUTH_EXTERNAL_FACTOR] };
	sscard_rc rc = sscard_keys_cryptogram(keys, &use, r->values[SSCARD_AUTH_EXTERNAL_ORIGINAL],
	                                      cryptogram);

	if (rc == SSCARD_OK && r->internal_run) {
		use = (sscard_key_use){ SSCARD_KEY_INTERNAL, int_df, r->sm.alg, &r->sm.factors,
			                r->values[SSCARD_AUTH_INTERNAL_FACTOR] };
		rc = sscard_keys_cryptogram(keys, &use, r->values[SSCARD_AUTH_INTERNAL_ORIGINAL],
		                            expected);
	}
	return no_factor(card, rc);
}

/* The provider's keys match the card's algorithm (checked before any
 * random goes to the card, so a wrong keystore is named as such). */
static sscard_rc alg_matches(sscard_card *card, const sscard_auth_request *req,
                             const sscard_key_info *ext)
{
	if (ext->alg == 0 || ext->alg == req->sm.alg)
		return SSCARD_OK;
	return sscard_card_fail(card, SSCARD_E_KEYS_MISMATCH,
	                        "the keystore's keys are %s, the card computes with %s",
	                        ext->alg == SSCARD_ALG_SM4 ? "SM4" : "3DES",
	                        req->sm.alg == SSCARD_ALG_SM4 ? "SM4" : "3DES");
}

/* begin, the provider's answers, finish: within the caller's transaction. */
static sscard_rc authenticate_with(sscard_card *card, sscard_keys *keys, const char *df,
                                   sscard_auth_verdict *v)
{
	sscard_key_info ext, in;
	const char *ext_df, *int_df = df;
	uint8_t cryptogram[SSCARD_FACTOR_LEN], expected[SSCARD_FACTOR_LEN];
	sscard_auth_request *req = NULL;
	sscard_auth_options opt = default_options;
	sscard_rc rc = df_key(keys, df, SSCARD_KEY_EXTERNAL, &ext_df, &ext);

	if (rc != SSCARD_OK)
		return sscard_card_fail(card, rc, "the keystore has no external authentication "
		                        "key for %s", df);
	opt.alg = ext.alg;
	opt.external_id = ext.id;
	opt.external = 1;
	rc = df_key(keys, df, SSCARD_KEY_INTERNAL, &int_df, &in);
	if (rc != SSCARD_OK && rc != SSCARD_E_KEY_NOT_FOUND)
		return rc;
	opt.internal = rc == SSCARD_OK; /* no IRK: nothing to check the card with */
	opt.internal_id = opt.internal ? in.id : 0;
	/* the card's algorithm first: a keystore of the other one is named */
	opt.alg = 0;
	rc = sscard_auth_begin(card, df, &opt, &req);
	if (rc == SSCARD_OK)
		rc = alg_matches(card, req, &ext);
	if (rc == SSCARD_E_KEYS_MISMATCH)
		*v = SSCARD_AUTH_KEYS_MISMATCH;
	if (rc == SSCARD_OK)
		rc = provider_answers(card, keys, req, ext_df, int_df, cryptogram, expected);
	if (rc == SSCARD_OK)
		rc = sscard_auth_finish(card, req, cryptogram, SSCARD_FACTOR_LEN,
		                        req->internal_run ? expected : NULL,
		                        req->internal_run ? SSCARD_FACTOR_LEN : 0, v);
	sscard_auth_request_free(&req);
	OPENSSL_cleanse(cryptogram, sizeof(cryptogram));
	OPENSSL_cleanse(expected, sizeof(expected));
	return rc;
}

SSCARD_API sscard_rc sscard_authenticate(sscard_card *card, sscard_keys *keys,
                                         const char *df, sscard_auth_verdict *verdict)
{
	sscard_auth_verdict v = SSCARD_AUTH_NOT_RUN;
	uint16_t fid;
	sscard_rc rc, rc2;

	if (verdict)
		*verdict = v;
	if (!card || !keys)
		return SSCARD_E_INVALID_ARG;
	if (!df)
		df = "SSSE";
	if (!df_fid(df, &fid))
		return sscard_card_fail(card, SSCARD_E_INVALID_ARG, "unknown DF \"%s\"", df);
	rc = sscard_card_begin(card);
	if (rc != SSCARD_OK)
		return rc;
	rc = authenticate_with(card, keys, df, &v);
	rc2 = sscard_card_end(card);
	if (verdict)
		*verdict = v;
	return rc != SSCARD_OK ? rc : rc2;
}

/* ---- commands protected by a MAC ----------------------------------------- */

/*
 * GET CHALLENGE, then 84 <ins> <p1> <p2> Lc [<data>] <MAC>: the MAC over
 * the header (Lc counting the MAC) and the data, by the line key's
 * process key for the challenge. `secret` (may be NULL) is first
 * encrypted under the same process key and sent as the data (PIN reload).
 */
static sscard_rc send_mac(sscard_sm *sm, const char *what, uint8_t ins, uint8_t p1,
                          uint8_t p2, const uint8_t *secret, size_t len)
{
	uint8_t input[5 + 2 * SSCARD_BLOCK_MAX + SSCARD_MAC_LEN], challenge[SSCARD_FACTOR_LEN];
	uint8_t resp[RESP_MAX];
	sscard_key_info info;
	sscard_key_use use;
	size_t n = 0;
	sscard_rc rc;

	sm->command_sent = false;
	if (len > 2 * SSCARD_BLOCK_MAX)
		return SSCARD_E_INVALID_ARG;
	rc = session_key(sm, SSCARD_KEY_LINE, what, &info, &use);
	if (rc == SSCARD_OK)
		rc = get_challenge(sm->card, challenge);
	use.process = challenge;
	input[0] = 0x84;
	input[1] = ins;
	input[2] = p1;
	input[3] = p2;
	input[4] = (uint8_t)(len + SSCARD_MAC_LEN);
	if (rc == SSCARD_OK && len)
		rc = no_factor(sm->card, sscard_keys_encrypt(sm->keys, &use, secret, len, input + 5));
	if (rc == SSCARD_OK)
		rc = no_factor(sm->card, sscard_keys_mac(sm->keys, &use, input, 5 + len,
		                                         input + 5 + len));
	if (rc == SSCARD_OK) {
		sscard_apdu a = { 0x84, ins, p1, p2, input + 5, len + SSCARD_MAC_LEN, 0,
			          len ? SSCARD_APDU_SENSITIVE : 0 };
		sm->command_sent = true;
		rc = sscard_card_cmd(sm->card, what, &a, resp, sizeof(resp), &n);
	}
	OPENSSL_cleanse(input, sizeof(input));
	OPENSSL_cleanse(challenge, sizeof(challenge));
	return rc;
}

/* The reload block: <digit count> <BCD digits, F-padded> 80 00 .. to whole
 * blocks of `bs` (design.md s.4, verify). */
static sscard_rc reload_block(const char *pin, size_t bs, uint8_t *out, size_t *outlen)
{
	size_t digits = strlen(pin), bytes = (digits + 1) / 2;

	if (digits < 4 || digits > 12)
		return SSCARD_E_INVALID_ARG;
	memset(out, 0, 2 * SSCARD_BLOCK_MAX);
	out[0] = (uint8_t)digits;
	memset(out + 1, 0xFF, bytes);
	for (size_t i = 0; i < digits; i++) {
		unsigned d;
		if (pin[i] < '0' || pin[i] > '9')
			return SSCARD_E_INVALID_ARG;
		d = (unsigned)(pin[i] - '0');
		out[1 + i / 2] = (uint8_t)(i % 2 == 0 ? (d << 4) | 0x0Fu
		                                      : (out[1 + i / 2] & 0xF0u) | d);
	}
	out[1 + bytes] = 0x80;
	*outlen = (2 + bytes + bs - 1) / bs * bs;
	return SSCARD_OK;
}

/* Open a session in df, run one MAC'd command (after EXTERNAL
 * AUTHENTICATE with `auth` unless 0), close; within a transaction. */
static sscard_rc one_mac_command(sscard_card *card, sscard_keys *keys, const char *df,
                                 const uint8_t *card_id, sscard_key_usage auth,
                                 const char *what, uint8_t ins, uint8_t p1, uint8_t p2,
                                 const char *new_pin)
{
	uint8_t block[2 * SSCARD_BLOCK_MAX];
	size_t len = 0;
	sscard_sm sm;
	sscard_rc rc, rc2;

	if (!card || !keys)
		return SSCARD_E_INVALID_ARG;
	rc = sscard_card_begin(card);
	if (rc != SSCARD_OK)
		return rc;
	/* only UNBLOCK is meant for a blocked application */
	rc = sscard_sm_open(card, keys, df ? df : "SSSE", card_id,
	                    ins == 0x18 ? SSCARD_SM_ALLOW_BLOCKED : 0, &sm);
	if (rc == SSCARD_OK && new_pin)
		/* whole blocks of the card's algorithm (a PSAM's keys have none) */
		rc = reload_block(new_pin, sm.alg == SSCARD_ALG_SM4 ? 16u : 8u, block, &len);
	if (rc == SSCARD_OK && auth != 0)
		rc = sm_external(&sm, auth, what);
	if (rc == SSCARD_OK)
		rc = send_mac(&sm, what, ins, p1, p2, new_pin ? block : NULL, len);
	OPENSSL_cleanse(block, sizeof(block));
	sscard_sm_close(&sm);
	rc2 = sscard_card_end(card);
	return rc != SSCARD_OK ? rc : rc2;
}

SSCARD_API sscard_rc sscard_app_block(sscard_card *card, sscard_keys *keys, const char *df,
                                      int permanent)
{
	return one_mac_command(card, keys, df, NULL, 0, "APPLICATION BLOCK", 0x1E, 0x00,
	                       permanent ? 0x01 : 0x00, NULL);
}

SSCARD_API sscard_rc sscard_app_unblock(sscard_card *card, sscard_keys *keys, const char *df,
                                        const char *card_id)
{
	uint8_t id[16];
	size_t n = 0;

	if (card_id && (sscard_hex_decode(card_id, id, sizeof(id), &n) != SSCARD_OK ||
	                n != sizeof(id)))
		return SSCARD_E_INVALID_ARG;
	return one_mac_command(card, keys, df, card_id ? id : NULL, 0, "APPLICATION UNBLOCK",
	                       0x18, 0x00, 0x00, NULL);
}

SSCARD_API sscard_rc sscard_pin_unblock(sscard_card *card, sscard_keys *keys, const char *df)
{
	return one_mac_command(card, keys, df, NULL, SSCARD_KEY_UNBLOCK, "PIN UNBLOCK", 0x24,
	                       0x00, 0x00, NULL);
}

SSCARD_API sscard_rc sscard_pin_reload(sscard_card *card, sscard_keys *keys, const char *df,
                                       const char *new_pin)
{
	if (!new_pin)
		return SSCARD_E_INVALID_ARG;
	return one_mac_command(card, keys, df, NULL, SSCARD_KEY_UNBLOCK, "PIN RELOAD", 0x24,
	                       0x00, 0x01, new_pin);
}

/* ---- protected writes ---------------------------------------------------- */

/* Read, authenticating with the read key first when the file needs it
 * (3.0 cards' EF06: RKSSSE). */
static sscard_rc read_element_auth(sscard_sm *sm, const sscard_element *e,
                                   uint8_t value[SSCARD_ELEM_VALUE_MAX], size_t *len)
{
	sscard_rc rc = sscard_ssc_read_value(sm->card, e, value, len);

	if (rc != SSCARD_E_SECURITY)
		return rc;
	rc = sm_external(sm, SSCARD_KEY_EXTERNAL, "READ RECORD");
	if (rc != SSCARD_OK)
		return rc;
	return sscard_ssc_read_value(sm->card, e, value, len);
}

static bool same_value(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return alen == blen && CRYPTO_memcmp(a, b, alen) == 0;
}

/* Whether a failure after the command went out may have torn the record. */
static bool may_have_torn(sscard_rc rc)
{
	return rc == SSCARD_E_CARD_REMOVED || rc == SSCARD_E_CARD_RESET || rc == SSCARD_E_MUTE ||
	       rc == SSCARD_E_TRANSPORT || rc == SSCARD_E_TIMEOUT;
}

/* EXTERNAL AUTHENTICATE with the file's update key, then the plain write
 * 00 DC <tag> <SFI<<3> (or <record> 04 in the selected EF) <tag len value>.
 * A card that vanishes mid-command may hold half the record: a torn write. */
static sscard_rc update_element(sscard_sm *sm, const sscard_element *e,
                                const uint8_t *value, size_t len)
{
	const sscard_file_info *fi = sscard_file_info_of(e->ef);
	uint8_t rec[2 + SSCARD_ELEM_VALUE_MAX], resp[RESP_MAX];
	sscard_apdu a = { 0x00, 0xDC, e->tag, (uint8_t)(e->sfi << 3), rec, 2 + len, 0, 0 };
	size_t n = 0;
	sscard_rc rc;

	sm->command_sent = false;
	rc = sm_external(sm, fi->update_key, "UPDATE RECORD");
	if (rc == SSCARD_OK && fi->by_record) {
		a.p1 = e->record;
		a.p2 = 0x04;
		rc = sscard_ssc_select_ef(sm->card, fi);
	}
	if (rc != SSCARD_OK)
		return rc; /* nothing written yet: the error as it is */
	rec[0] = e->tag;
	rec[1] = (uint8_t)len;
	memcpy(rec + 2, value, len);
	sm->command_sent = true;
	rc = sscard_card_cmd(sm->card, "UPDATE RECORD", &a, resp, sizeof(resp), &n);
	OPENSSL_cleanse(rec, sizeof(rec));
	if (may_have_torn(rc))
		return sscard_card_fail(sm->card, SSCARD_E_TORN_WRITE,
		                        "writing %s (tag %02X) was interrupted (%s): the element "
		                        "may be damaged; run the same write again to repair it",
		                        e->key, e->tag, sscard_rc_name(rc));
	return rc;
}

static sscard_rc write_in_session(sscard_sm *sm, const sscard_element *e,
                                  const uint8_t *value, size_t len, int *written)
{
	uint8_t now[SSCARD_ELEM_VALUE_MAX];
	size_t nowlen = 0;
	sscard_rc rc = read_element_auth(sm, e, now, &nowlen);

	/* Unreadable (e.g. a torn record) is no reason not to write it. */
	if (rc == SSCARD_OK && same_value(now, nowlen, value, len)) {
		*written = 0;
		return SSCARD_OK;
	}
	if (rc != SSCARD_OK && rc != SSCARD_E_BAD_DATA)
		return rc;
	rc = update_element(sm, e, value, len);
	if (rc == SSCARD_OK)
		rc = read_element_auth(sm, e, now, &nowlen);
	if (rc == SSCARD_OK && !same_value(now, nowlen, value, len))
		rc = sscard_card_fail(sm->card, SSCARD_E_VERIFY_FAILED,
		                      "%s (tag %02X) reads back different from what was written",
		                      e->key, e->tag);
	if (rc == SSCARD_OK)
		*written = 1;
	/* the identification code and the version are what the session
	 * learnt the factors and the algorithm from */
	if (e->tag == 0x01 || e->tag == 0x03)
		memset(&sm->card->ssc_cache, 0, sizeof(sm->card->ssc_cache));
	OPENSSL_cleanse(now, sizeof(now));
	return rc;
}

SSCARD_API sscard_rc sscard_write_element(sscard_card *card, sscard_keys *keys,
                                          const char *element, const char *text,
                                          int *written)
{
	const sscard_element *e;
	uint8_t value[SSCARD_ELEM_VALUE_MAX];
	char detail[SSCARD_DETAIL_MAX];
	size_t len = 0;
	int done = 0;
	sscard_sm sm;
	sscard_rc rc, rc2;

	if (written)
		*written = 0;
	if (!card || !keys || !element || !text)
		return SSCARD_E_INVALID_ARG;
	e = sscard_elem_lookup(element);
	if (!e)
		return sscard_card_fail(card, SSCARD_E_INVALID_ARG, "unknown element \"%s\"",
		                        element);
	rc = sscard_elem_encode(e, text, value, sizeof(value), &len, detail, sizeof(detail));
	if (rc != SSCARD_OK)
		return sscard_card_fail(card, rc, "%s", detail);
	rc = sscard_card_begin(card);
	if (rc != SSCARD_OK)
		return rc;
	rc = sscard_sm_open(card, keys, sscard_file_info_of(e->ef)->df, NULL, 0, &sm);
	if (rc == SSCARD_OK)
		rc = write_in_session(&sm, e, value, len, &done);
	sscard_sm_close(&sm);
	rc2 = sscard_card_end(card);
	if (rc == SSCARD_OK && written)
		*written = done;
	if (rc == SSCARD_OK)
		SSC_INFO(card->ctx, "%s (tag %02X) %s", e->key, e->tag,
		         done ? "written and verified" : "already held that value");
	return rc != SSCARD_OK ? rc : rc2;
}
