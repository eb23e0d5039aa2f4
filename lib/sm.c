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

	if (!card || !keys || !df || !sm)
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

/* The key for usage in the session's DF, else in SSSE above it (where the
 * card also looks). */
static sscard_rc sm_key(sscard_sm *sm, sscard_key_usage usage, const char **df,
                        sscard_key_info *info)
{
	sscard_rc rc = sscard_keys_lookup(sm->keys, usage, sm->df, info);

	*df = sm->df;
	if (rc == SSCARD_E_KEY_NOT_FOUND && strcmp(sm->df, "SSSE") != 0) {
		rc = sscard_keys_lookup(sm->keys, usage, "SSSE", info);
		*df = "SSSE";
	}
	return rc;
}

/* A provider's SSCARD_E_BAD_DATA means a diversification factor is
 * missing: say which and why. */
static sscard_rc no_factor(sscard_sm *sm, sscard_rc rc)
{
	if (rc != SSCARD_E_BAD_DATA)
		return rc;
	return sscard_card_fail(sm->card, SSCARD_E_BAD_DATA,
	                        "the key is diversified by region but the card identification "
	                        "code could not be read (blank card, or application blocked: "
	                        "give the card id)");
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

/* ---- authentication ------------------------------------------------------ */

typedef enum step_result { STEP_NOT_RUN, STEP_OK, STEP_WRONG, STEP_REJECTED } step_result;

/* Whether the card's answer is a refusal of our keys (as opposed to a
 * transport or card failure, which is passed on). */
static bool is_key_refusal(sscard_rc rc)
{
	return rc == SSCARD_E_AUTH_FAILED || rc == SSCARD_E_WRONG_PIN ||
	       rc == SSCARD_E_KEY_NOT_FOUND || rc == SSCARD_E_PIN_BLOCKED ||
	       rc == SSCARD_E_BAD_DATA || rc == SSCARD_E_WRONG_PARAMS;
}

/* Card -> terminal: our random, encrypted by the card with its IRK, must
 * equal what the provider computes. */
static sscard_rc internal_auth(sscard_sm *sm, step_result *res)
{
	sscard_key_info info;
	const char *kdf;
	uint8_t rnd[SSCARD_BLOCK_MAX], want[SSCARD_BLOCK_MAX], resp[RESP_MAX];
	size_t bs, n = 0;
	sscard_rc rc = sm_key(sm, SSCARD_KEY_INTERNAL, &kdf, &info);

	*res = STEP_NOT_RUN;
	if (rc == SSCARD_E_KEY_NOT_FOUND)
		return SSCARD_OK; /* the keystore has no IRK: nothing to check */
	if (rc != SSCARD_OK)
		return rc;
	bs = sscard_alg_block(info.alg);
	rc = sscard_crypto_random(rnd, bs);
	if (rc == SSCARD_OK) {
		/* Le 00: a card of the other algorithm answers another length */
		sscard_apdu a = { 0x00, 0x88, 0x00, info.id, rnd, bs, 256, 0 };
		rc = sscard_card_cmd(sm->card, "INTERNAL AUTHENTICATE", &a, resp, sizeof(resp), &n);
		if (is_key_refusal(rc)) {
			*res = STEP_REJECTED;
			rc = SSCARD_OK;
		} else if (rc == SSCARD_OK) {
			rc = no_factor(sm, sscard_keys_encrypt(sm->keys, SSCARD_KEY_INTERNAL, kdf,
			                                       &sm->factors, rnd, bs, want));
			if (rc == SSCARD_OK)
				*res = n == bs && CRYPTO_memcmp(resp, want, bs) == 0 ? STEP_OK
				                                                      : STEP_WRONG;
		}
	}
	OPENSSL_cleanse(want, sizeof(want));
	OPENSSL_cleanse(rnd, sizeof(rnd));
	return rc;
}

/* Terminal -> card: GET CHALLENGE, then 00 82 00 <id> <E(K, challenge)>
 * <challenge>, one block each. */
static sscard_rc external_auth(sscard_sm *sm, step_result *res)
{
	sscard_key_info info;
	const char *kdf;
	uint8_t data[2 * SSCARD_BLOCK_MAX], resp[RESP_MAX];
	size_t bs, n = 0;
	sscard_rc rc = sm_key(sm, SSCARD_KEY_EXTERNAL, &kdf, &info);

	*res = STEP_NOT_RUN;
	if (rc != SSCARD_OK)
		return sscard_card_fail(sm->card, rc, "the keystore has no external "
		                        "authentication key for %s", sm->df);
	bs = sscard_alg_block(info.alg);
	rc = get_challenge(sm->card, bs, data + bs);
	if (rc == SSCARD_E_WRONG_LENGTH) {
		/* a challenge of our key's block size is refused: the card uses
		 * the other algorithm (an SM4 keystore on a 3DES card) */
		*res = STEP_REJECTED;
		return SSCARD_OK;
	}
	if (rc == SSCARD_OK)
		rc = no_factor(sm, sscard_keys_encrypt(sm->keys, SSCARD_KEY_EXTERNAL, kdf,
		                                       &sm->factors, data + bs, bs, data));
	if (rc == SSCARD_OK) {
		sscard_apdu a = { 0x00, 0x82, 0x00, info.id, data, 2 * bs, 0,
		                  SSCARD_APDU_SENSITIVE };
		rc = sscard_card_cmd(sm->card, "EXTERNAL AUTHENTICATE", &a, resp, sizeof(resp), &n);
		if (rc == SSCARD_OK)
			*res = STEP_OK;
		else if (is_key_refusal(rc) || rc == SSCARD_E_MAC) {
			*res = STEP_REJECTED;
			rc = SSCARD_OK;
		}
	}
	OPENSSL_cleanse(data, sizeof(data));
	return rc;
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

sscard_rc sscard_sm_authenticate(sscard_sm *sm, sscard_auth_verdict *verdict)
{
	step_result in = STEP_NOT_RUN, ex = STEP_NOT_RUN;
	sscard_rc rc = internal_auth(sm, &in);

	*verdict = SSCARD_AUTH_NOT_RUN;
	if (rc == SSCARD_OK)
		rc = external_auth(sm, &ex);
	if (rc != SSCARD_OK)
		return rc;
	*verdict = judge(in, ex);
	switch (*verdict) {
	case SSCARD_AUTH_GENUINE:
		SSC_INFO(sm->card->ctx, "authenticated in %s: card and terminal", sm->df);
		return SSCARD_OK;
	case SSCARD_AUTH_TERMINAL_ONLY:
		SSC_INFO(sm->card->ctx, "authenticated in %s: terminal only (no internal "
		         "authentication key, the card was not checked)", sm->df);
		return SSCARD_OK;
	case SSCARD_AUTH_NOT_GENUINE:
		return sscard_card_fail(sm->card, SSCARD_E_NOT_GENUINE,
		                        "INTERNAL AUTHENTICATE: the card's answer is wrong although "
		                        "it accepted our key: card not genuine");
	default:
		return sscard_card_fail(sm->card, SSCARD_E_KEYS_MISMATCH,
		                        "%s AUTHENTICATE: the card refuses our keys (last SW %04X)",
		                        ex != STEP_OK ? "EXTERNAL" : "INTERNAL",
		                        sm->card->last_sw);
	}
}

SSCARD_API sscard_rc sscard_authenticate(sscard_card *card, sscard_keys *keys,
                                         const char *df, sscard_auth_verdict *verdict)
{
	sscard_auth_verdict v = SSCARD_AUTH_NOT_RUN;
	sscard_sm sm;
	sscard_rc rc, rc2;

	if (verdict)
		*verdict = v;
	if (!card || !keys)
		return SSCARD_E_INVALID_ARG;
	rc = sscard_card_begin(card);
	if (rc != SSCARD_OK)
		return rc;
	rc = sscard_sm_open(card, keys, df ? df : "SSSE", NULL, false, &sm);
	if (rc == SSCARD_OK)
		rc = sscard_sm_authenticate(&sm, &v);
	sscard_sm_close(&sm);
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
		rc = no_factor(sm, sscard_keys_mac(sm->keys, usage, kdf, &sm->factors, challenge,
		                                   sscard_alg_block(info.alg), input, 5 + len,
		                                   input + 5 + len));
	if (rc == SSCARD_OK) {
		sscard_apdu a = { cla, ins, p1, p2, input + 5, len + SSCARD_MAC_LEN, 0, flags };
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
		rc = no_factor(&sm, sscard_keys_encrypt(keys, SSCARD_KEY_UNBLOCK, kdf, &sm.factors,
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
	if (rc == SSCARD_E_CARD_REMOVED || rc == SSCARD_E_CARD_RESET || rc == SSCARD_E_MUTE ||
	    rc == SSCARD_E_TRANSPORT || rc == SSCARD_E_TIMEOUT)
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
