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

/* SELECT an application DF by FID, SSSE being selected. */
static sscard_rc select_below_ssse(sscard_card *card, uint16_t fid)
{
	uint8_t data[2] = { (uint8_t)(fid >> 8), (uint8_t)fid }, resp[RESP_MAX];
	sscard_apdu a = { 0x00, 0xA4, 0x00, 0x00, data, 2, 256, 0 };
	size_t n = 0;

	/* below SSSE: the application layer's idea of the selection is stale */
	card->selected = 0;
	return sscard_card_cmd(card, "SELECT DF", &a, resp, sizeof(resp), &n);
}

sscard_rc sscard_sm_select_df(sscard_card *card, const char *df)
{
	uint16_t fid = 0;
	sscard_rc rc;

	if (!df || !df_fid(df, &fid))
		return sscard_card_fail(card, SSCARD_E_INVALID_ARG, "unknown DF \"%s\"",
		                        df ? df : "(null)");
	rc = sscard_ssc_select(card, 1);
	if (rc != SSCARD_OK || fid == 0)
		return rc;
	return select_below_ssse(card, fid);
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

sscard_rc sscard_sm_open(sscard_card *card, sscard_keys *keys, const char *df,
                         const uint8_t *card_id, bool allow_blocked, sscard_sm *sm)
{
	const uint8_t *atr = NULL;
	uint8_t id[16];
	size_t atrlen = 0;
	uint16_t fid = 0;
	bool have_id = card_id != NULL;
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
	if (rc != SSCARD_OK)
		return rc;
	rc = tolerate_blocked(card, sscard_ssc_select(card, 1), allow_blocked);
	if (rc != SSCARD_OK)
		return rc;
	if (card_id)
		memcpy(id, card_id, sizeof(id));
	else
		have_id = read_card_id(card, id);
	if (have_id) {
		memcpy(sm->card_id, id, sizeof(id));
		sm->have_card_id = true;
	}
	rc = sscard_div_factors_make(atr, atrlen, have_id ? id : NULL, 16, &sm->factors);
	if (rc == SSCARD_E_BAD_DATA && card_id)
		return sscard_card_fail(card, SSCARD_E_INVALID_ARG,
		                        "the card id's region (its first 6 digits) is not decimal");
	if (rc == SSCARD_E_BAD_DATA && have_id) /* the card's region is not BCD */
		rc = sscard_div_factors_make(atr, atrlen, NULL, 0, &sm->factors);
	if (rc != SSCARD_OK)
		return sscard_card_fail(card, rc, "the ATR is too short for the card factor");
	/* SSSE is selected already; an application DF is selected below it */
	if (fid == 0)
		return SSCARD_OK;
	return tolerate_blocked(card, select_below_ssse(card, fid), allow_blocked);
}

/* ---- authentication: begin ----------------------------------------------- */

typedef enum step_result { STEP_NOT_RUN, STEP_OK, STEP_WRONG, STEP_REJECTED } step_result;

/* One authentication between sscard_auth_begin() and _finish(). */
struct sscard_auth_request {
	sscard_sm sm;            /* card, DF, factors (no keys: sm.keys is NULL) */
	sscard_alg alg;
	size_t bs;               /* block size: every value below is one block */
	uint8_t internal_id, external_id;
	bool internal_run;       /* INTERNAL AUTHENTICATE was sent */
	bool internal_refused;   /* ... and the card refused our key */
	bool finished;           /* the challenge is spent */
	bool have_id;
	uint8_t card_id[16];
	uint8_t random[SSCARD_BLOCK_MAX];    /* ours, for INTERNAL AUTHENTICATE */
	uint8_t answer[SSCARD_BLOCK_MAX];    /* the card's answer to it */
	size_t answer_len;                   /* 0: none, or not one block */
	uint8_t challenge[SSCARD_BLOCK_MAX]; /* the card's, for EXTERNAL AUTHENTICATE */
};

static const sscard_auth_options default_options = { 0, 1, 1, 1 };

/* Whether the card's answer is a refusal of our keys (as opposed to a
 * transport or card failure, which is passed on). */
static bool is_key_refusal(sscard_rc rc)
{
	return rc == SSCARD_E_AUTH_FAILED || rc == SSCARD_E_WRONG_PIN ||
	       rc == SSCARD_E_KEY_NOT_FOUND || rc == SSCARD_E_PIN_BLOCKED ||
	       rc == SSCARD_E_BAD_DATA || rc == SSCARD_E_WRONG_PARAMS;
}

/* The card's algorithm from its specification version (EF05 tag 03, an 4:
 * "3.00" and later cards use SM4, earlier ones 3DES; design.md s.4). */
static sscard_rc card_alg(sscard_card *card, sscard_alg *alg)
{
	sscard_apdu a = { 0x00, 0xB2, 0x03, 5u << 3, NULL, 0, 2 + 4, 0 };
	uint8_t resp[RESP_MAX];
	size_t n = 0;
	sscard_tlv tlv;
	sscard_rc rc = sscard_ssc_select(card, 1);

	if (rc == SSCARD_OK)
		rc = sscard_card_cmd(card, "READ RECORD 03", &a, resp, sizeof(resp), &n);
	if (rc != SSCARD_OK)
		return rc;
	if (sscard_tlv_parse_record(resp, n, 0x03, 4, &tlv, NULL, 0) != SSCARD_OK ||
	    tlv.len == 0 || tlv.value[0] < '1' || tlv.value[0] > '9')
		return sscard_card_fail(card, SSCARD_E_BAD_DATA,
		                        "the card gives no specification version to tell its "
		                        "algorithm by: give the algorithm");
	*alg = tlv.value[0] >= '3' ? SSCARD_ALG_SM4 : SSCARD_ALG_3DES;
	return SSCARD_OK;
}

/* Card -> terminal, first half: our random to the card, its answer kept
 * for finish. A refusal of our key is recorded, not an error. */
static sscard_rc internal_auth_send(sscard_auth_request *r)
{
	uint8_t resp[RESP_MAX];
	size_t n = 0;
	sscard_rc rc = sscard_crypto_random(r->random, r->bs);

	if (rc == SSCARD_OK) {
		/* Le 00: a card of the other algorithm answers another length */
		sscard_apdu a = { 0x00, 0x88, 0x00, r->internal_id, r->random, r->bs, 256, 0 };
		rc = sscard_card_cmd(r->sm.card, "INTERNAL AUTHENTICATE", &a, resp, sizeof(resp),
		                     &n);
	}
	r->internal_run = true;
	if (is_key_refusal(rc)) {
		r->internal_refused = true;
		rc = SSCARD_OK;
	} else if (rc == SSCARD_OK && n == r->bs) {
		memcpy(r->answer, resp, n);
		r->answer_len = n; /* any other length can only be wrong */
	}
	OPENSSL_cleanse(resp, sizeof(resp));
	return rc;
}

/* GET CHALLENGE of one block of the key's algorithm. */
static sscard_rc get_challenge(sscard_card *card, size_t len, uint8_t *out)
{
	sscard_apdu a = { 0x00, 0x84, 0x00, 0x00, NULL, 0, len, 0 };
	size_t n = 0;
	sscard_rc rc = sscard_card_cmd(card, "GET CHALLENGE", &a, out, SSCARD_BLOCK_MAX, &n);

	if (rc == SSCARD_OK && n != len)
		return sscard_card_fail(card, SSCARD_E_BAD_RESPONSE,
		                        "GET CHALLENGE: %zu bytes, expected %zu", n, len);
	return rc;
}

/* Everything begin does on the card, inside its transaction. */
static sscard_rc begin_on_card(sscard_card *card, const char *df,
                               const sscard_auth_options *opt, sscard_auth_request *r)
{
	sscard_rc rc = SSCARD_OK;

	r->alg = opt->alg;
	if (r->alg == 0)
		rc = card_alg(card, &r->alg);
	r->bs = sscard_alg_block(r->alg);
	if (rc == SSCARD_OK && r->bs == 0)
		return sscard_card_fail(card, SSCARD_E_INVALID_ARG, "unknown algorithm %d",
		                        (int)opt->alg);
	if (rc == SSCARD_OK)
		rc = sscard_sm_open(card, NULL, df, NULL, false, &r->sm);
	if (rc != SSCARD_OK)
		return rc;
	r->have_id = r->sm.have_card_id;
	memcpy(r->card_id, r->sm.card_id, sizeof(r->card_id));
	if (opt->internal)
		rc = internal_auth_send(r);
	if (rc == SSCARD_OK)
		rc = get_challenge(card, r->bs, r->challenge);
	if (rc == SSCARD_E_WRONG_LENGTH)
		/* a challenge of our block size is refused: the card uses the
		 * other algorithm (an SM4 keystore on a 3DES card) */
		return sscard_card_fail(card, SSCARD_E_KEYS_MISMATCH,
		                        "GET CHALLENGE: the card refuses a %zu-byte challenge: "
		                        "the algorithm is not this card's", r->bs);
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
	r = calloc(1, sizeof(*r));
	if (!r)
		return SSCARD_E_NOMEM;
	if (!opt)
		opt = &default_options;
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
	return req ? req->alg : (sscard_alg)0;
}

/* One block of the request, or NULL and 0 when absent. */
static const uint8_t *block_of(const uint8_t *p, size_t n, bool present, size_t *len)
{
	if (len)
		*len = present ? n : 0;
	return present ? p : NULL;
}

SSCARD_API const uint8_t *sscard_auth_request_challenge(const sscard_auth_request *req,
                                                        size_t *len)
{
	return block_of(req ? req->challenge : NULL, req ? req->bs : 0, req != NULL, len);
}

SSCARD_API const uint8_t *sscard_auth_request_random(const sscard_auth_request *req,
                                                     size_t *len)
{
	return block_of(req ? req->random : NULL, req ? req->bs : 0,
	                req && req->internal_run, len);
}

SSCARD_API const uint8_t *sscard_auth_request_card_id(const sscard_auth_request *req,
                                                      size_t *len)
{
	return block_of(req ? req->card_id : NULL, sizeof(req->card_id), req && req->have_id,
	                len);
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

/* Terminal -> card: 00 82 00 <id> <cryptogram> <challenge>. */
static sscard_rc external_auth_send(sscard_auth_request *r, const uint8_t *cryptogram,
                                    step_result *res)
{
	uint8_t data[2 * SSCARD_BLOCK_MAX], resp[RESP_MAX];
	size_t n = 0;
	sscard_apdu a = { 0x00, 0x82, 0x00, r->external_id, data, 2 * r->bs, 0,
	                  SSCARD_APDU_SENSITIVE };
	sscard_rc rc;

	memcpy(data, cryptogram, r->bs);
	memcpy(data + r->bs, r->challenge, r->bs);
	rc = sscard_card_cmd(r->sm.card, "EXTERNAL AUTHENTICATE", &a, resp, sizeof(resp), &n);
	*res = STEP_NOT_RUN;
	if (rc == SSCARD_OK)
		*res = STEP_OK;
	else if (is_key_refusal(rc) || rc == SSCARD_E_MAC) {
		*res = STEP_REJECTED;
		rc = SSCARD_OK;
	}
	OPENSSL_cleanse(data, sizeof(data));
	return rc;
}

/* The card's answer against what the back end expects. */
static step_result internal_result(const sscard_auth_request *r, const uint8_t *expected)
{
	if (!r->internal_run || !expected)
		return STEP_NOT_RUN;
	if (r->internal_refused)
		return STEP_REJECTED;
	return r->answer_len == r->bs && CRYPTO_memcmp(r->answer, expected, r->bs) == 0
	               ? STEP_OK
	               : STEP_WRONG;
}

/* The verdict from the two steps (see sscard_authenticate() in sm.h). */
static sscard_auth_verdict judge(step_result internal, step_result external)
{
	if (external != STEP_OK)
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
		SSC_INFO(card->ctx, "authenticated in %s: card and terminal", r->sm.df);
		return SSCARD_OK;
	case SSCARD_AUTH_TERMINAL_ONLY:
		SSC_INFO(card->ctx, "authenticated in %s: terminal only (the card was not "
		         "checked)", r->sm.df);
		return SSCARD_OK;
	case SSCARD_AUTH_NOT_GENUINE:
		return sscard_card_fail(card, SSCARD_E_NOT_GENUINE,
		                        "INTERNAL AUTHENTICATE: the card's answer is wrong although "
		                        "it accepted our key: card not genuine");
	default:
		return sscard_card_fail(card, SSCARD_E_KEYS_MISMATCH,
		                        "%s AUTHENTICATE: the card refuses our keys (last SW %04X)",
		                        ex != STEP_OK ? "EXTERNAL" : "INTERNAL", card->last_sw);
	}
}

SSCARD_API sscard_rc sscard_auth_finish(sscard_card *card, sscard_auth_request *req,
                                        const uint8_t *cryptogram, size_t cryptogram_len,
                                        const uint8_t *expected, size_t expected_len,
                                        sscard_auth_verdict *verdict)
{
	step_result in, ex = STEP_NOT_RUN;
	sscard_auth_verdict v = SSCARD_AUTH_NOT_RUN;
	sscard_rc rc, rc2;

	if (verdict)
		*verdict = v;
	if (!card || !req || req->sm.card != card || req->finished || !cryptogram ||
	    cryptogram_len != req->bs || (expected && expected_len != req->bs) ||
	    (!expected && expected_len != 0))
		return SSCARD_E_INVALID_ARG;
	req->finished = true; /* the challenge is spent whatever happens now */
	in = internal_result(req, expected);
	rc = sscard_card_begin(card);
	if (rc != SSCARD_OK)
		return rc;
	rc = external_auth_send(req, cryptogram, &ex);
	rc2 = sscard_card_end(card);
	if (rc == SSCARD_OK)
		rc = rc2;
	if (rc != SSCARD_OK)
		return rc;
	v = judge(in, ex);
	if (verdict)
		*verdict = v;
	return report(req, v, ex);
}

/* ---- authentication with a key provider ---------------------------------- */

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

static sscard_rc sm_key(sscard_sm *sm, sscard_key_usage usage, const char **df,
                        sscard_key_info *info)
{
	return df_key(sm->keys, sm->df, usage, df, info);
}

/* A provider's SSCARD_E_BAD_DATA means a diversification factor is
 * missing: say which and why. */
static sscard_rc no_factor(sscard_card *card, sscard_rc rc)
{
	if (rc != SSCARD_E_BAD_DATA)
		return rc;
	return sscard_card_fail(card, SSCARD_E_BAD_DATA,
	                        "the key is diversified by region but the card identification "
	                        "code could not be read (blank card, or application blocked: "
	                        "give the card id)");
}

/* The provider plays the back end: both answers for the request. */
static sscard_rc provider_answers(sscard_card *card, sscard_keys *keys,
                                  const sscard_auth_request *r, const char *ext_df,
                                  const char *int_df, uint8_t *cryptogram, uint8_t *expected)
{
	sscard_rc rc = sscard_keys_encrypt(keys, SSCARD_KEY_EXTERNAL, ext_df, &r->sm.factors,
	                                   r->challenge, r->bs, cryptogram);

	if (rc == SSCARD_OK && r->internal_run)
		rc = sscard_keys_encrypt(keys, SSCARD_KEY_INTERNAL, int_df, &r->sm.factors,
		                         r->random, r->bs, expected);
	return no_factor(card, rc);
}

/* begin, the provider's answers, finish: within the caller's transaction. */
static sscard_rc authenticate_with(sscard_card *card, sscard_keys *keys, const char *df,
                                   sscard_auth_verdict *v)
{
	sscard_key_info ext, in;
	const char *ext_df, *int_df = df;
	uint8_t cryptogram[SSCARD_BLOCK_MAX], expected[SSCARD_BLOCK_MAX];
	sscard_auth_request *req = NULL;
	sscard_auth_options opt;
	sscard_rc rc = df_key(keys, df, SSCARD_KEY_EXTERNAL, &ext_df, &ext);

	if (rc != SSCARD_OK)
		return sscard_card_fail(card, rc, "the keystore has no external authentication "
		                        "key for %s", df);
	opt.alg = ext.alg;
	opt.external_id = ext.id;
	rc = df_key(keys, df, SSCARD_KEY_INTERNAL, &int_df, &in);
	if (rc != SSCARD_OK && rc != SSCARD_E_KEY_NOT_FOUND)
		return rc;
	opt.internal = rc == SSCARD_OK; /* no IRK: nothing to check the card with */
	opt.internal_id = opt.internal ? in.id : 0;
	rc = sscard_auth_begin(card, df, &opt, &req);
	if (rc == SSCARD_E_KEYS_MISMATCH)
		*v = SSCARD_AUTH_KEYS_MISMATCH;
	if (rc == SSCARD_OK)
		rc = provider_answers(card, keys, req, ext_df, int_df, cryptogram, expected);
	if (rc == SSCARD_OK)
		rc = sscard_auth_finish(card, req, cryptogram, req->bs,
		                        req->internal_run ? expected : NULL,
		                        req->internal_run ? req->bs : 0, v);
	sscard_auth_request_free(&req);
	OPENSSL_cleanse(cryptogram, sizeof(cryptogram));
	OPENSSL_cleanse(expected, sizeof(expected));
	return rc;
}

sscard_rc sscard_sm_authenticate(sscard_sm *sm, sscard_auth_verdict *verdict)
{
	*verdict = SSCARD_AUTH_NOT_RUN;
	return authenticate_with(sm->card, sm->keys, sm->df, verdict);
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

sscard_rc sscard_sm_send_mac(sscard_sm *sm, sscard_key_usage usage, const char *what,
                             uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2,
                             const uint8_t *data, size_t len, unsigned flags)
{
	uint8_t input[5 + SSCARD_APDU_MAX_SHORT_NC], challenge[SSCARD_BLOCK_MAX];
	uint8_t resp[RESP_MAX];
	sscard_key_info info;
	const char *kdf;
	size_t n = 0;
	sscard_rc rc;

	sm->mac_command_sent = false;
	if (len + SSCARD_MAC_LEN > SSCARD_APDU_MAX_SHORT_NC || (len && !data))
		return SSCARD_E_INVALID_ARG;
	rc = sm_key(sm, usage, &kdf, &info);
	if (rc != SSCARD_OK)
		return sscard_card_fail(sm->card, rc, "%s: the keystore has no key for it in %s",
		                        what, sm->df);
	/* MAC over the header (Lc counting the MAC) and the data */
	input[0] = cla;
	input[1] = ins;
	input[2] = p1;
	input[3] = p2;
	input[4] = (uint8_t)(len + SSCARD_MAC_LEN);
	if (len)
		memcpy(input + 5, data, len);
	rc = get_challenge(sm->card, sscard_alg_block(info.alg), challenge);
	if (rc == SSCARD_E_WRONG_LENGTH)
		rc = sscard_card_fail(sm->card, SSCARD_E_KEYS_MISMATCH,
		                      "%s: the card refuses a %zu-byte challenge: the keystore's "
		                      "algorithm is not this card's", what, sscard_alg_block(info.alg));
	if (rc == SSCARD_OK)
		rc = no_factor(sm->card, sscard_keys_mac(sm->keys, usage, kdf, &sm->factors, challenge,
		                                   sscard_alg_block(info.alg), input, 5 + len,
		                                   input + 5 + len));
	if (rc == SSCARD_OK) {
		sscard_apdu a = { cla, ins, p1, p2, input + 5, len + SSCARD_MAC_LEN, 0, flags };
		sm->mac_command_sent = true;
		rc = sscard_card_cmd(sm->card, what, &a, resp, sizeof(resp), &n);
	}
	OPENSSL_cleanse(input, sizeof(input));
	OPENSSL_cleanse(challenge, sizeof(challenge));
	return rc;
}

void sscard_sm_close(sscard_sm *sm)
{
	if (sm)
		OPENSSL_cleanse(sm, sizeof(*sm));
}

/* Open a session in df, run one MAC'd command, close; within a transaction. */
static sscard_rc one_mac_command(sscard_card *card, sscard_keys *keys, const char *df,
                                 const uint8_t *card_id, sscard_key_usage usage,
                                 const char *what, uint8_t ins, uint8_t p1, uint8_t p2,
                                 unsigned flags)
{
	sscard_sm sm;
	sscard_rc rc, rc2;

	if (!card || !keys)
		return SSCARD_E_INVALID_ARG;
	rc = sscard_card_begin(card);
	if (rc != SSCARD_OK)
		return rc;
	/* only UNBLOCK is meant for a blocked application */
	rc = sscard_sm_open(card, keys, df ? df : "SSSE", card_id, ins == 0x18, &sm);
	if (rc == SSCARD_OK)
		rc = sscard_sm_send_mac(&sm, usage, what, 0x84, ins, p1, p2, NULL, 0, flags);
	sscard_sm_close(&sm);
	rc2 = sscard_card_end(card);
	return rc != SSCARD_OK ? rc : rc2;
}

SSCARD_API sscard_rc sscard_app_block(sscard_card *card, sscard_keys *keys, const char *df,
                                      int permanent)
{
	return one_mac_command(card, keys, df, NULL, SSCARD_KEY_LINE, "APPLICATION BLOCK", 0x1E,
	                       0x00, permanent ? 0x01 : 0x00, 0);
}

SSCARD_API sscard_rc sscard_app_unblock(sscard_card *card, sscard_keys *keys, const char *df,
                                        const char *card_id)
{
	uint8_t id[16];
	size_t n = 0;

	if (card_id && (sscard_hex_decode(card_id, id, sizeof(id), &n) != SSCARD_OK ||
	                n != sizeof(id)))
		return SSCARD_E_INVALID_ARG;
	return one_mac_command(card, keys, df, card_id ? id : NULL, SSCARD_KEY_LINE,
	                       "APPLICATION UNBLOCK", 0x18, 0x00, 0x00, 0);
}

SSCARD_API sscard_rc sscard_pin_unblock(sscard_card *card, sscard_keys *keys, const char *df)
{
	return one_mac_command(card, keys, df, NULL, SSCARD_KEY_UNBLOCK, "PIN UNBLOCK", 0x24,
	                       0x00, 0x00, SSCARD_APDU_SENSITIVE);
}

/* The reload block: <digit count> <BCD digits, F-padded> 80 00 .. to whole
 * blocks (the card's PIN format, padding method 2). */
static sscard_rc reload_block(const char *pin, size_t bs, uint8_t *out, size_t *outlen)
{
	size_t digits = strlen(pin), bytes = (digits + 1) / 2, n;

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
	n = (2 + bytes + bs - 1) / bs * bs;
	*outlen = n;
	return SSCARD_OK;
}

SSCARD_API sscard_rc sscard_pin_reload(sscard_card *card, sscard_keys *keys, const char *df,
                                       const char *new_pin)
{
	uint8_t plain[2 * SSCARD_BLOCK_MAX], enc[2 * SSCARD_BLOCK_MAX];
	sscard_key_info info;
	const char *kdf;
	sscard_sm sm;
	size_t n = 0;
	sscard_rc rc, rc2;

	if (!card || !keys || !new_pin)
		return SSCARD_E_INVALID_ARG;
	rc = sscard_card_begin(card);
	if (rc != SSCARD_OK)
		return rc;
	rc = sscard_sm_open(card, keys, df ? df : "SSSE", NULL, false, &sm);
	if (rc == SSCARD_OK)
		rc = sm_key(&sm, SSCARD_KEY_UNBLOCK, &kdf, &info);
	if (rc == SSCARD_OK)
		rc = reload_block(new_pin, sscard_alg_block(info.alg), plain, &n);
	if (rc == SSCARD_OK)
		rc = no_factor(sm.card, sscard_keys_encrypt(keys, SSCARD_KEY_UNBLOCK, kdf, &sm.factors,
		                                        plain, n, enc));
	if (rc == SSCARD_OK)
		rc = sscard_sm_send_mac(&sm, SSCARD_KEY_UNBLOCK, "PIN RELOAD", 0x84, 0x24, 0x00,
		                        0x01, enc, n, SSCARD_APDU_SENSITIVE);
	OPENSSL_cleanse(plain, sizeof(plain));
	OPENSSL_cleanse(enc, sizeof(enc));
	sscard_sm_close(&sm);
	rc2 = sscard_card_end(card);
	return rc != SSCARD_OK ? rc : rc2;
}

/* ---- protected writes ---------------------------------------------------- */

/* READ RECORD by identifier (the tag) and SFI; the value into `value`. */
static sscard_rc read_element(sscard_card *card, const sscard_element *e,
                              uint8_t value[SSCARD_ELEM_VALUE_MAX], size_t *len)
{
	sscard_apdu a = { 0x00, 0xB2, e->tag, (uint8_t)(e->sfi << 3), NULL, 0,
	                  2u + e->len, 0 };
	uint8_t resp[RESP_MAX];
	char detail[SSCARD_DETAIL_MAX];
	sscard_tlv tlv;
	size_t n = 0;
	sscard_rc rc = sscard_card_cmd(card, "READ RECORD", &a, resp, sizeof(resp), &n);

	if (rc != SSCARD_OK)
		return rc;
	rc = sscard_tlv_parse_record(resp, n, e->tag, e->len, &tlv, detail, sizeof(detail));
	if (rc != SSCARD_OK)
		return sscard_card_fail(card, rc, "%s", detail);
	memcpy(value, tlv.value, tlv.len);
	*len = tlv.len;
	return SSCARD_OK;
}

/* Read, authenticating first when the file needs it (3.0 cards' EF06). */
static sscard_rc read_element_auth(sscard_sm *sm, const sscard_element *e,
                                   uint8_t value[SSCARD_ELEM_VALUE_MAX], size_t *len,
                                   bool *authenticated)
{
	sscard_auth_verdict v;
	sscard_rc rc = read_element(sm->card, e, value, len);

	if (rc != SSCARD_E_SECURITY || *authenticated)
		return rc;
	rc = sscard_sm_authenticate(sm, &v);
	if (rc != SSCARD_OK)
		return rc;
	*authenticated = true;
	return read_element(sm->card, e, value, len);
}

static bool same_value(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return alen == blen && CRYPTO_memcmp(a, b, alen) == 0;
}

/* The write itself: 04 DC <tag> <SFI<<3> Lc <tag len value> <MAC>. A card
 * that vanishes mid-command may hold half the record: a torn write. */
static sscard_rc update_element(sscard_sm *sm, const sscard_element *e,
                                const uint8_t *value, size_t len)
{
	uint8_t rec[2 + SSCARD_ELEM_VALUE_MAX];
	sscard_rc rc;

	rec[0] = e->tag;
	rec[1] = (uint8_t)len;
	memcpy(rec + 2, value, len);
	rc = sscard_sm_send_mac(sm, SSCARD_KEY_LINE, "UPDATE RECORD", 0x04, 0xDC, e->tag,
	                        (uint8_t)(e->sfi << 3), rec, 2 + len, 0);
	/* A card lost before the UPDATE went out (at GET CHALLENGE) wrote
	 * nothing: that is the transport error as it is, not a torn write. */
	if (sm->mac_command_sent &&
	    (rc == SSCARD_E_CARD_REMOVED || rc == SSCARD_E_CARD_RESET || rc == SSCARD_E_MUTE ||
	     rc == SSCARD_E_TRANSPORT || rc == SSCARD_E_TIMEOUT))
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
	bool authenticated = false;
	sscard_rc rc = read_element_auth(sm, e, now, &nowlen, &authenticated);

	/* Unreadable (e.g. a torn record) is no reason not to write it. */
	if (rc == SSCARD_OK && same_value(now, nowlen, value, len)) {
		*written = 0;
		return SSCARD_OK;
	}
	if (rc != SSCARD_OK && rc != SSCARD_E_BAD_DATA)
		return rc;
	rc = update_element(sm, e, value, len);
	if (rc == SSCARD_OK)
		rc = read_element_auth(sm, e, now, &nowlen, &authenticated);
	if (rc == SSCARD_OK && !same_value(now, nowlen, value, len))
		rc = sscard_card_fail(sm->card, SSCARD_E_VERIFY_FAILED,
		                      "%s (tag %02X) reads back different from what was written",
		                      e->key, e->tag);
	if (rc == SSCARD_OK)
		*written = 1;
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
	rc = sscard_sm_open(card, keys, "SSSE", NULL, false, &sm);
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
