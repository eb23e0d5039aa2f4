/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The exported customary functions (design.md s.8). Each call creates
 * its own context and card connection and frees them before returning:
 * no state outlives a call, so threads never share anything (the one
 * exception, the two-step read's connection kept for the calling thread
 * between its two calls, lives in hsm.c).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include <sscard/atr.h>
#include <sscard/sm.h>
#include <sscard/ssc.h>

#include "compat_int.h"

void compat_session_close(compat_session *s)
{
	sscard_disconnect(&s->card);
	sscard_ctx_free(&s->ctx);
}

/* The compat code for rc, with the card's last status word when there is
 * a card; the message goes to out. */
long compat_fail_rc(char *out, compat_session *s, sscard_rc rc)
{
	uint16_t sw = s->card ? sscard_card_last_sw(s->card) : 0;

	s->last_rc = rc;
	return compat_fail(out, compat_code_of(rc, sw), sw);
}

/* What "no reader" means for an iType, for the message. */
static const char *missing_reader(int iType)
{
	static const char *const what[] = { "", "无接触式读卡器", "无非接触读卡器", "无读卡器",
		                            "无读卡器" };

	return iType >= 1 && iType <= 4 ? what[iType] : "";
}

long compat_session_open(compat_session *s, int iType, char *out)
{
	compat_kind kinds[2];
	bool held = false;
	sscard_rc rc;

	memset(s, 0, sizeof(*s));
	if (compat_kinds_of(iType, kinds) == 0)
		return compat_fail(out, SSCARD_COMPAT_BAD_PARAM, 0);
	if (!compat_gbk_ready()) { /* no message can be written in GBK either */
		out[0] = '\0';
		return SSCARD_COMPAT_LOAD_FAILED;
	}
	rc = sscard_ctx_new(&s->ctx);
	if (rc == SSCARD_OK)
		rc = compat_connect(s->ctx, iType, &s->card, s->reader, &held);
	if (rc != SSCARD_OK) {
		long code = held ? compat_fail_about(out, SSCARD_COMPAT_NOT_CONNECTED, 0,
		                                     "该读卡器上有未完成的加密机认证")
		            : rc == SSCARD_E_NO_READER
		                    ? compat_fail_about(out, compat_code_of(rc, 0), 0,
		                                        missing_reader(iType))
		                    : compat_fail_rc(out, s, rc);
		compat_session_close(s);
		return code;
	}
	return SSCARD_COMPAT_OK;
}

/* ---- iReadCardBas ------------------------------------------------------------ */

/*
 * The key provider iReadCardBas authenticates with, if one is configured:
 * the PSAM in SSCARD_COMPAT_PSAM's reader (its key map in
 * SSCARD_COMPAT_KEYSTORE), else the software keystore SSCARD_COMPAT_KEYSTORE.
 * *keys stays NULL when neither is set. A PSAM that is not there is the
 * customary -2201 (returned as the code, the message written).
 */
long compat_open_keys(compat_session *s, sscard_keys **keys, char *out)
{
	const char *psam = getenv(SSCARD_COMPAT_ENV_PSAM);
	const char *path = getenv(SSCARD_COMPAT_ENV_KEYSTORE);
	sscard_rc rc;

	*keys = NULL;
	if (psam && *psam) {
		rc = sscard_keys_open_psam(s->ctx, psam, path && *path ? path : NULL, keys);
		/* the map is read first: anything after it is the PSAM's reader
		 * (none, empty, mute, unreachable) */
		if (rc != SSCARD_OK && rc != SSCARD_E_KEYSTORE && rc != SSCARD_E_NOMEM)
			return compat_fail(out, SSCARD_COMPAT_NO_PSAM, 0);
	} else if (path && *path) {
		rc = sscard_keys_open_file(s->ctx, path, keys);
	} else {
		return SSCARD_COMPAT_OK;
	}
	return rc == SSCARD_OK ? SSCARD_COMPAT_OK : compat_fail_rc(out, s, rc);
}

/* The ATR's historical bytes in hex ("" if the ATR has none). */
sscard_rc compat_historical_hex(const sscard_card *card, char *out, size_t outsz)
{
	const uint8_t *atr = NULL;
	size_t len = 0;
	sscard_atr parsed;
	sscard_rc rc = sscard_card_atr(card, &atr, &len);

	out[0] = '\0';
	if (rc != SSCARD_OK)
		return rc;
	/* an invalid ATR (say, a wrong TCK) still has its historical bytes:
	 * the card answered, and the reader powered it */
	rc = sscard_atr_parse(atr, len, &parsed);
	if (rc != SSCARD_OK && rc != SSCARD_E_BAD_ATR)
		return rc;
	if (2u * parsed.hist_len + 1u > outsz)
		return SSCARD_E_INTERNAL;
	sscard_hex_encode(parsed.hist, parsed.hist_len, out, outsz);
	return SSCARD_OK;
}

/* Where each element the customary output shows goes in compat_basic
 * (the name extension is appended to the name after these). */
#define FIELD(key, member) { key, offsetof(compat_basic, member), sizeof(((compat_basic *)0)->member) }
static const struct {
	const char *key;
	size_t offset, size;
} basic_fields[] = {
	FIELD("card_id", card_id),         FIELD("spec_version", spec_version),
	FIELD("issue_date", issue_date),   FIELD("expiry_date", expiry_date),
	FIELD("card_number", card_number), FIELD("ssn", ssn),
	FIELD("name", name),
};

/* Append the element `key` as text ("" unless the card gave a value) to
 * the string in out; false when it does not fit, which the element
 * table's lengths rule out (a longer value is never cut). */
static bool append_element(const sscard_basic *b, const char *key, char *out, size_t outsz)
{
	const char *v = sscard_basic_get(b, key);
	size_t used = strlen(out), n = v ? strlen(v) : 0;

	if (used + n >= outsz)
		return false;
	memcpy(out + used, v ? v : "", n + 1);
	return true;
}

static bool copy_elements(const sscard_basic *b, compat_basic *f)
{
	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < sizeof(basic_fields) / sizeof(basic_fields[0]); i++)
		if (!append_element(b, basic_fields[i].key, (char *)f + basic_fields[i].offset,
		                    basic_fields[i].size))
			return false;
	/* the 3.0 name extension continues the name (design.md s.4) */
	return append_element(b, "name_ext", f->name, sizeof(f->name));
}

/* The first element the read could not use, as a compat code and its
 * Chinese label; OK when every element is present, blank, absent or
 * withheld (a 3.0 card without RKSSSE: the customary empty fields). */
static long first_unreadable(const sscard_basic *b, const char **label)
{
	for (size_t i = 0; i < sscard_element_count(); i++) {
		if (sscard_basic_status(b, i) != SSCARD_ELEM_UNREADABLE)
			continue;
		*label = sscard_element_label(i);
		return compat_code_of(sscard_basic_error(b, i), 0);
	}
	return SSCARD_COMPAT_OK;
}

/* The first validation problem's element label, or NULL when valid. */
static const char *first_problem(const sscard_basic *b)
{
	const char *key = NULL, *label;

	if (sscard_basic_problem_count(b) == 0)
		return NULL;
	if (sscard_basic_problem(b, 0, &key, NULL, NULL) != SSCARD_OK || !key)
		return "";
	label = sscard_element_label((size_t)sscard_element_find(key));
	return label ? label : ""; /* a problem all the same */
}

long compat_terminal_number(compat_session *s, char *out)
{
	const char *psam = getenv(SSCARD_COMPAT_ENV_PSAM);
	bool reached = false;
	sscard_rc rc;

	if (s->terminal_known)
		return SSCARD_COMPAT_OK;
	s->terminal[0] = '\0';
	if (!psam || !*psam) {
		s->terminal_known = true;
		return SSCARD_COMPAT_OK;
	}
	rc = compat_psam_terminal(s->ctx, psam, &reached, s->terminal);
	if (rc != SSCARD_OK)
		return compat_psam_fail(out, rc, reached);
	s->terminal_known = true;
	return SSCARD_COMPAT_OK;
}

/* Fill the customary fields from what the library read; `card_id` (not
 * NULL): the identification code the card must still have. Returns a
 * compat code with the message written on failure. */
static long fields_of(compat_session *s, const sscard_basic *b, const char *card_id,
                      compat_basic *f, char *out)
{
	char region[SSCARD_COMPAT_REGION_LEN + 1];
	const char *label = NULL;
	long code = first_unreadable(b, &label);

	if (code != SSCARD_COMPAT_OK)
		return compat_fail_about(out, code, 0, label);
	if (!copy_elements(b, f))
		return compat_fail(out, SSCARD_COMPAT_DATA_INVALID, 0);
	/* a blank or malformed identification code is the customary -20,
	 * more telling than the validation problem it also is */
	if (compat_region(f->card_id, region) != SSCARD_COMPAT_OK)
		return compat_fail(out, SSCARD_COMPAT_BAD_CARD_ID, 0);
	if (card_id && strcmp(card_id, f->card_id) != 0)
		return compat_fail_about(out, SSCARD_COMPAT_DATA_MISMATCH, 0, "卡识别码");
	label = first_problem(b);
	if (label)
		return compat_fail_about(out, SSCARD_COMPAT_DATA_MISMATCH, 0, label);
	if (compat_historical_hex(s->card, f->historical, sizeof(f->historical)) != SSCARD_OK)
		return compat_fail(out, SSCARD_COMPAT_NOT_POWERED, 0);
	code = compat_terminal_number(s, out);
	if (code == SSCARD_COMPAT_OK)
		memcpy(f->terminal, s->terminal, sizeof(f->terminal));
	return code;
}

/* Authenticate in SSSE (when keys are configured, so a 3.0 card releases
 * its holder fields) and read, holding the card throughout so no other
 * program resets it between the two. */
static sscard_rc read_card(compat_session *s, sscard_keys *keys, sscard_basic **b)
{
	sscard_rc rc = sscard_basic_new(b), rc_end;

	if (rc != SSCARD_OK)
		return rc;
	rc = sscard_card_begin(s->card);
	if (rc != SSCARD_OK)
		return rc;
	if (keys)
		rc = sscard_authenticate(s->card, keys, "SSSE", NULL);
	if (rc == SSCARD_OK)
		rc = sscard_read_basic(s->card, *b);
	rc_end = sscard_card_end(s->card);
	return rc != SSCARD_OK ? rc : rc_end;
}

long compat_read_format(compat_session *s, sscard_keys *keys, const char *card_id, char *out)
{
	sscard_basic *b = NULL;
	compat_basic f;
	sscard_rc rc = read_card(s, keys, &b);
	long code;

	if (rc != SSCARD_OK) {
		sscard_basic_free(&b);
		return compat_fail_rc(out, s, rc);
	}
	code = fields_of(s, b, card_id, &f, out);
	sscard_basic_free(&b);
	if (code != SSCARD_COMPAT_OK)
		return code;
	return compat_format_basic(&f, out);
}

/* Read the basic information from an open session into out, with the
 * configured key provider. */
static long read_basic_into(compat_session *s, char *out)
{
	sscard_keys *keys = NULL;
	long code = compat_open_keys(s, &keys, out);

	/* the PSAM slot before the card: a card there that is no PSAM is
	 * -2201 before its answers to the key commands could pass for the
	 * card's */
	if (code == SSCARD_COMPAT_OK)
		code = compat_terminal_number(s, out);
	if (code != SSCARD_COMPAT_OK) {
		sscard_keys_free(&keys);
		return code;
	}
	code = compat_read_format(s, keys, NULL, out);
	sscard_keys_free(&keys);
	return code;
}

/*
 * A read that another program (or another thread) interrupted by
 * resetting the card -- libsscard resets a card that granted
 * authentication when it lets it go -- lost nothing of ours: it is run
 * again from the start, a bounded number of times. PIN operations are
 * never run again.
 */
#define READ_ATTEMPTS 8

static long read_once(int iType, char *out, bool *reset)
{
	compat_session s;
	long code = compat_session_open(&s, iType, out);

	*reset = false;
	if (code != SSCARD_COMPAT_OK) {
		*reset = s.last_rc == SSCARD_E_CARD_RESET;
		return code;
	}
	code = read_basic_into(&s, out);
	*reset = s.last_rc == SSCARD_E_CARD_RESET;
	compat_session_close(&s);
	return code;
}

SSCARD_COMPAT_API long iReadCardBas(int iType, char *pOutInfo)
{
	bool reset = true;
	long code = SSCARD_COMPAT_NO_RESPONSE;

	if (!pOutInfo)
		return SSCARD_COMPAT_BAD_PARAM;
	for (int attempt = 0; attempt < READ_ATTEMPTS && reset; attempt++)
		code = read_once(iType, pOutInfo, &reset);
	return code;
}

/* ---- PIN ------------------------------------------------------------------------- */

static bool has_pinpad(const compat_session *s, unsigned feature)
{
	return (sscard_card_features(s->card) & feature) != 0;
}

/* The PIN from the environment variable `var` into pin (wiped by the
 * caller). */
static long pin_from_env(const char *var, char pin[SSCARD_PIN_LEN + 2], char *out)
{
	const char *v = getenv(var);
	size_t n;

	pin[0] = '\0';
	if (!v || !*v)
		return compat_fail_about(out, SSCARD_COMPAT_UNSUPPORTED, 0, var);
	n = strnlen(v, SSCARD_PIN_LEN + 1);
	if (n > SSCARD_PIN_LEN)
		return compat_fail_about(out, SSCARD_COMPAT_BAD_PARAM, 0, var);
	memcpy(pin, v, n);
	pin[n] = '\0';
	return SSCARD_COMPAT_OK;
}

/* A PIN operation's outcome: "" on success, else the code's message; the
 * PIN pad's own status words (timeout, cancel, ...) are its codes. */
static long pin_result(char *out, compat_session *s, sscard_rc rc, bool pad)
{
	uint16_t sw = sscard_card_last_sw(s->card);
	long code;

	if (rc == SSCARD_OK) {
		out[0] = '\0';
		return SSCARD_COMPAT_OK;
	}
	code = pad ? compat_pinpad_code(rc, sw) : 0;
	return code ? compat_fail(out, code, sw) : compat_fail_rc(out, s, rc);
}

/*
 * Verify, or change (new_var != NULL), the PIN on an open session. It
 * comes from the reader's PIN pad when it has one (the customary way: the
 * PIN never crosses the host), else from SSCARD_COMPAT_PIN (and new_var);
 * with neither the function is unsupported here. Sent once: a wrong PIN
 * is reported and never tried again.
 */
static long pin_run(compat_session *s, const char *new_var, char *out)
{
	char pin[SSCARD_PIN_LEN + 2] = "", new_pin[SSCARD_PIN_LEN + 2] = "";
	unsigned feature = new_var ? SSCARD_FEATURE_PINPAD_MODIFY : SSCARD_FEATURE_PINPAD_VERIFY;
	sscard_rc rc;
	long code;

	if (has_pinpad(s, feature)) {
		rc = new_var ? sscard_pin_change_pinpad(s->card, NULL)
		             : sscard_pin_verify_pinpad(s->card, NULL);
		return pin_result(out, s, rc, true);
	}
	code = pin_from_env(SSCARD_COMPAT_ENV_PIN, pin, out);
	if (code == SSCARD_COMPAT_OK && new_var)
		code = pin_from_env(new_var, new_pin, out);
	if (code == SSCARD_COMPAT_OK) {
		rc = new_var ? sscard_pin_change(s->card, pin, new_pin, NULL)
		             : sscard_pin_verify(s->card, pin, NULL);
		code = pin_result(out, s, rc, false);
	}
	OPENSSL_cleanse(pin, sizeof(pin));
	OPENSSL_cleanse(new_pin, sizeof(new_pin));
	return code;
}

long compat_pin_verify(compat_session *s, char *out)
{
	return pin_run(s, NULL, out);
}

long compat_pin_from_env(const char *var, char pin[SSCARD_PIN_LEN + 2], char *out)
{
	return pin_from_env(var, pin, out);
}

static long pin_operation(int iType, const char *new_var, char *out)
{
	compat_session s;
	long code = compat_session_open(&s, iType, out);

	if (code != SSCARD_COMPAT_OK)
		return code;
	code = pin_run(&s, new_var, out);
	compat_session_close(&s);
	return code;
}

SSCARD_COMPAT_API long iVerifyPIN(int iType, char *pOutInfo)
{
	if (!pOutInfo)
		return SSCARD_COMPAT_BAD_PARAM;
	return pin_operation(iType, NULL, pOutInfo);
}

SSCARD_COMPAT_API long iChangePIN(int iType, char *pOutInfo)
{
	if (!pOutInfo)
		return SSCARD_COMPAT_BAD_PARAM;
	return pin_operation(iType, SSCARD_COMPAT_ENV_NEW_PIN, pOutInfo);
}

/* ---- reader information --------------------------------------------------------- */

SSCARD_COMPAT_API long iGetReaderInfo(char *pReaderSN, char *pPsamTermNo)
{
	char term[SSCARD_COMPAT_TERMNO_LEN + 1];
	const char *psam = getenv(SSCARD_COMPAT_ENV_PSAM);
	bool reached = false;
	sscard_ctx *ctx = NULL;
	sscard_rc rc;

	if (!pReaderSN || !pPsamTermNo)
		return SSCARD_COMPAT_BAD_PARAM;
	/* PC/SC gives no reader serial number through libsscard */
	pReaderSN[0] = '\0';
	if (!psam || !*psam)
		return compat_fail_about(pPsamTermNo, SSCARD_COMPAT_NO_PSAM, 0, SSCARD_COMPAT_ENV_PSAM);
	rc = sscard_ctx_new(&ctx);
	if (rc == SSCARD_OK)
		rc = compat_psam_terminal(ctx, psam, &reached, term);
	sscard_ctx_free(&ctx);
	if (rc != SSCARD_OK)
		return compat_psam_fail(pPsamTermNo, rc, reached);
	memcpy(pPsamTermNo, term, sizeof(term));
	return SSCARD_COMPAT_OK;
}
