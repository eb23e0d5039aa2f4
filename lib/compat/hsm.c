/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The security-module (HSM) forms (design.md s.8): the terminal holds no
 * keys; Step1 begins the authentication on the card
 * (sscard_auth_begin()) and hands the back end what it needs, Step2 takes
 * the back end's answers and finishes it (sscard_auth_finish()) -- and
 * the PIN forms a Step3 with the protected command. This file keeps the
 * operation between the steps and holds iReadCardBas_HSM_Step1/2; the
 * other forms are in hsm_forms.c.
 *
 * Between two calls the operation (context, card, request) is kept for
 * the calling thread, in thread-specific data (pthread key, created
 * once): the customary API has no handle to carry it. A thread that ends
 * between the steps has it freed by the key's destructor; a new Step1 of
 * any form drops an unfinished one; the last step always ends it, and a
 * step that fails ends it too.
 *
 * Between the steps nothing else from this library reaches the card:
 * Step1 marks its reader held (busy.c), and every other call that picks
 * that reader, on any thread, is -12 before it connects; a step that is
 * not the one the thread's operation waits for is -12 and sends nothing.
 * The card itself is NOT held (no PC/SC transaction) while the back end
 * computes: a HIS that never calls Step2 (its back end down, the thread
 * alive) would otherwise leave every other program waiting for the card
 * forever; the library's own hold lapses after COMPAT_BUSY_EXPIRY_S. A
 * card removed or reset in between fails the next step at its first
 * command (PC/SC: -2 or -4) before anything reaches the new card.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include <sscard/sm.h>

#include "compat_int.h"

#define BLOCK COMPAT_HSM_VALUE_LEN
/* The whole pKey of iReadCardBas_HSM_Step2: two fields and their '|'. */
#define BAS_KEY_LEN (2u * (4u * BLOCK + 1u))

/* ---- the operation between the steps -------------------------------------- */

static pthread_once_t pending_once = PTHREAD_ONCE_INIT;
static pthread_key_t pending_key;
static bool pending_key_ok; /* written once, under pending_once */

static void pending_free(void *arg)
{
	compat_hsm *h = arg;

	if (!h)
		return;
	if (h->claimed)
		compat_busy_release(h->s.reader);
	sscard_auth_request_free(&h->req);
	if (h->s.held)
		sscard_card_end(h->s.card);
	compat_session_close(&h->s); /* resets a card that granted access */
	OPENSSL_cleanse(h, sizeof(*h));
	free(h);
}

static void pending_key_create(void)
{
	pending_key_ok = pthread_key_create(&pending_key, pending_free) == 0;
}

static bool key_ready(void)
{
	return pthread_once(&pending_once, pending_key_create) == 0 && pending_key_ok;
}

void compat_hsm_end(compat_hsm *h)
{
	pending_free(h);
}

compat_hsm *compat_hsm_start(compat_hsm_op op, int iType, char *out, long *code)
{
	compat_hsm *h;

	*code = SSCARD_COMPAT_OK;
	if (!key_ready()) {
		*code = compat_fail(out, SSCARD_COMPAT_READER_ERROR, 0);
		return NULL;
	}
	/* a new Step1 starts over: this thread's unfinished operation goes */
	pending_free(pthread_getspecific(pending_key));
	pthread_setspecific(pending_key, NULL);
	h = calloc(1, sizeof(*h));
	if (!h) {
		*code = compat_fail(out, SSCARD_COMPAT_READER_ERROR, 0);
		return NULL;
	}
	h->op = op;
	*code = compat_session_open(&h->s, iType, out);
	if (*code != SSCARD_COMPAT_OK) {
		free(h);
		return NULL;
	}
	return h;
}

long compat_hsm_park(compat_hsm *h, int next, long code, char *out)
{
	if (h->s.held)
		sscard_card_end(h->s.card);
	h->s.held = false;
	if (code == SSCARD_COMPAT_OK) {
		h->next = next;
		if (!h->claimed) /* Step1: from now until the last step */
			h->claimed = compat_busy_claim(h->s.reader);
		if (!h->claimed || pthread_setspecific(pending_key, h) != 0)
			code = compat_fail(out, SSCARD_COMPAT_READER_ERROR, 0);
		else
			return SSCARD_COMPAT_OK;
	}
	pending_free(h);
	return code;
}

compat_hsm *compat_hsm_resume(compat_hsm_op op, int step, const char *step1, char *out,
                              long *code)
{
	char about[96];
	compat_hsm *h = key_ready() ? pthread_getspecific(pending_key) : NULL;

	*code = SSCARD_COMPAT_OK;
	if (!h || h->op != op || h->next != step) {
		/* another form's operation stays as it is: nothing is sent */
		snprintf(about, sizeof(about), "本线程未调用%s", step1);
		*code = compat_fail_about(out, SSCARD_COMPAT_NOT_CONNECTED, 0, about);
		return NULL;
	}
	pthread_setspecific(pending_key, NULL);
	return h;
}

long compat_hsm_hold(compat_hsm *h, char *out)
{
	sscard_rc rc = sscard_card_begin(h->s.card);

	if (rc != SSCARD_OK)
		return compat_fail_rc(out, &h->s, rc);
	h->s.held = true;
	return SSCARD_COMPAT_OK;
}

/* ---- values as text ------------------------------------------------------ */

void compat_hsm_hex_field(compat_out *o, const uint8_t *bytes, size_t len)
{
	char hex[2 * BLOCK + 1];

	if (len > BLOCK) {
		o->failed = true;
		return;
	}
	sscard_hex_encode(bytes, len, hex, sizeof(hex));
	compat_out_field(o, hex, 2 * BLOCK);
}

/* "01" DES, "02" SSF33, "03" SM4: the algorithm flag (design.md s.8). */
void compat_hsm_alg_field(compat_out *o, const compat_hsm *h)
{
	char flag[3];

	snprintf(flag, sizeof(flag), "%02X", (unsigned)sscard_auth_request_alg(h->req) & 0xFFu);
	compat_out_field(o, flag, SSCARD_COMPAT_ALGFLAG_LEN);
}

/* Exactly 4 * BLOCK hex digits followed by `end` (a character, or '\0'):
 * the answer and the original, one value each; *next after `end`. */
static bool key_field(const char *in, char end, uint8_t answer[BLOCK], uint8_t original[BLOCK],
                      const char **next)
{
	uint8_t bytes[2 * BLOCK];
	char hex[4 * BLOCK + 1];
	size_t n = 0;
	bool ok;

	for (size_t i = 0; i < 4 * BLOCK; i++)
		if (!isxdigit((unsigned char)in[i]))
			return false; /* also stops at the NUL */
	if (in[4 * BLOCK] != end)
		return false;
	memcpy(hex, in, 4 * BLOCK);
	hex[4 * BLOCK] = '\0';
	ok = sscard_hex_decode(hex, bytes, sizeof(bytes), &n) == SSCARD_OK && n == 2 * BLOCK;
	if (ok) {
		memcpy(answer, bytes, BLOCK);
		memcpy(original, bytes + BLOCK, BLOCK);
	}
	OPENSSL_cleanse(bytes, sizeof(bytes));
	OPENSSL_cleanse(hex, sizeof(hex));
	*next = end ? in + 4 * BLOCK + 1 : in + 4 * BLOCK;
	return ok;
}

/* An original must be what Step1 issued: otherwise the answers were
 * computed for another Step1 (or another card). */
static bool same_original(const compat_hsm *h, sscard_auth_value which,
                          const uint8_t original[BLOCK])
{
	size_t len = 0;
	const uint8_t *issued = sscard_auth_request_value(h->req, which, &len);

	return issued && len == BLOCK && CRYPTO_memcmp(original, issued, BLOCK) == 0;
}

long compat_hsm_external_key(const compat_hsm *h, const char *pKey, uint8_t cryptogram[BLOCK],
                             char *out)
{
	uint8_t original[BLOCK];
	const char *next = NULL;
	bool ok = pKey && strnlen(pKey, 4 * BLOCK + 2) <= 4 * BLOCK + 1 &&
	          (key_field(pKey, '\0', cryptogram, original, &next) ||
	           key_field(pKey, '|', cryptogram, original, &next)) &&
	          *next == '\0' && same_original(h, SSCARD_AUTH_EXTERNAL_ORIGINAL, original);

	OPENSSL_cleanse(original, sizeof(original));
	return ok ? SSCARD_COMPAT_OK : compat_fail_about(out, SSCARD_COMPAT_BAD_PARAM, 0, "pKey");
}

long compat_hsm_finish(compat_hsm *h, const uint8_t *cryptogram, const uint8_t *expected,
                       char *out)
{
	sscard_rc rc = sscard_auth_finish(h->s.card, h->req, cryptogram, cryptogram ? BLOCK : 0,
	                                  expected, expected ? BLOCK : 0, NULL);

	/* the card's INTERNAL AUTHENTICATE answer is not the result the
	 * security module computed: -25 in these forms (design.md s.8) */
	if (rc == SSCARD_E_NOT_GENUINE)
		return compat_fail(out, SSCARD_COMPAT_HSM_MISMATCH, 0);
	return rc == SSCARD_OK ? SSCARD_COMPAT_OK : compat_fail_rc(out, &h->s, rc);
}

/* ---- iReadCardBas_HSM ------------------------------------------------------ */

/*
 * region | historical bytes | algorithm flag | card id | internal process
 * factor | internal original | external process factor | external
 * original |, as design.md s.8 quotes the ministry text: each value 16 hex
 * digits, the external ones empty on cards below 3.00.
 */
static long bas_step1_output(compat_hsm *h, char *out)
{
	char region[SSCARD_COMPAT_REGION_LEN + 1], hist[SSCARD_COMPAT_HIST_LEN + 1];
	const uint8_t *id;
	size_t idlen = 0;
	compat_out o;

	id = sscard_auth_request_card_id(h->req, &idlen);
	if (!id || idlen * 2 != SSCARD_COMPAT_CARDID_LEN)
		return compat_fail(out, SSCARD_COMPAT_BAD_CARD_ID, 0);
	sscard_hex_encode(id, idlen, h->card_id, sizeof(h->card_id));
	if (compat_region(h->card_id, region) != SSCARD_COMPAT_OK)
		return compat_fail(out, SSCARD_COMPAT_BAD_CARD_ID, 0);
	if (compat_historical_hex(h->s.card, hist, sizeof(hist)) != SSCARD_OK)
		return compat_fail(out, SSCARD_COMPAT_NOT_POWERED, 0);
	compat_out_init(&o, out, SSCARD_COMPAT_HSM_STEP1_MAX);
	compat_out_field(&o, region, SSCARD_COMPAT_REGION_LEN);
	compat_out_field(&o, hist, SSCARD_COMPAT_HIST_LEN);
	compat_hsm_alg_field(&o, h);
	compat_out_field(&o, h->card_id, SSCARD_COMPAT_CARDID_LEN);
	for (int v = SSCARD_AUTH_INTERNAL_FACTOR; v <= SSCARD_AUTH_EXTERNAL_ORIGINAL; v++) {
		size_t len = 0;
		const uint8_t *value = sscard_auth_request_value(h->req, (sscard_auth_value)v, &len);

		compat_hsm_hex_field(&o, value, len);
	}
	if (o.failed) {
		memset(out, 0, o.len + 1);
		return compat_fail(out, SSCARD_COMPAT_DATA_INVALID, 0);
	}
	return SSCARD_COMPAT_OK;
}

SSCARD_COMPAT_API long iReadCardBas_HSM_Step1(int iType, char *pOutInfo)
{
	compat_hsm *h;
	sscard_rc rc;
	long code;

	if (!pOutInfo)
		return SSCARD_COMPAT_BAD_PARAM;
	h = compat_hsm_start(HSM_READ_BAS, iType, pOutInfo, &code);
	if (!h)
		return code;
	rc = sscard_auth_begin(h->s.card, "SSSE", NULL, &h->req);
	code = rc == SSCARD_OK ? bas_step1_output(h, pOutInfo) : compat_fail_rc(pOutInfo, &h->s, rc);
	/* nothing else from this library reaches the card until Step2 */
	return compat_hsm_park(h, 2, code, pOutInfo);
}

/*
 * pKey = "<internal result><internal original>|<external cryptogram>
 * <external original>|", each value 16 hex digits (66 characters); on a
 * card without the external part (below 3.00) the second field is empty
 * ("<internal result><internal original>||", or without the last '|').
 * An original that is not the one Step1 issued is -14: the answers were
 * computed for another Step1 or another card.
 */
static long bas_parse_key(const compat_hsm *h, const char *pKey, uint8_t expected[BLOCK],
                          uint8_t cryptogram[BLOCK], bool *external, char *out)
{
	uint8_t in_original[BLOCK], ex_original[BLOCK];
	size_t xlen = 0;
	const char *next = pKey;
	bool ok;

	sscard_auth_request_value(h->req, SSCARD_AUTH_EXTERNAL_FACTOR, &xlen);
	*external = xlen != 0;
	ok = strnlen(pKey, BAS_KEY_LEN + 1) <= BAS_KEY_LEN &&
	     key_field(next, '|', expected, in_original, &next) &&
	     (*external ? key_field(next, '|', cryptogram, ex_original, &next) && *next == '\0'
	                : strcmp(next, "|") == 0 || *next == '\0') &&
	     same_original(h, SSCARD_AUTH_INTERNAL_ORIGINAL, in_original) &&
	     (!*external || same_original(h, SSCARD_AUTH_EXTERNAL_ORIGINAL, ex_original));
	OPENSSL_cleanse(in_original, sizeof(in_original));
	OPENSSL_cleanse(ex_original, sizeof(ex_original));
	return ok ? SSCARD_COMPAT_OK : compat_fail_about(out, SSCARD_COMPAT_BAD_PARAM, 0, "pKey");
}

/* Finish and read, holding the card throughout so no other program
 * resets it between the two: EXTERNAL AUTHENTICATE is the first command
 * after Step1's last challenge. */
static long bas_step2(compat_hsm *h, const char *pKey, char *out)
{
	uint8_t expected[BLOCK], cryptogram[BLOCK];
	bool external = false;
	long code = bas_parse_key(h, pKey, expected, cryptogram, &external, out);

	if (code == SSCARD_COMPAT_OK)
		code = compat_hsm_hold(h, out);
	if (code == SSCARD_COMPAT_OK)
		code = compat_hsm_finish(h, external ? cryptogram : NULL, expected, out);
	/* the holder's fields, now open on a 3.0 card; the same card */
	if (code == SSCARD_COMPAT_OK)
		code = compat_read_format(&h->s, NULL, h->card_id, out);
	OPENSSL_cleanse(expected, sizeof(expected));
	OPENSSL_cleanse(cryptogram, sizeof(cryptogram));
	return code;
}

SSCARD_COMPAT_API long iReadCardBas_HSM_Step2(char *pKey, char *pOutInfo)
{
	compat_hsm *h;
	long code;

	if (!pOutInfo)
		return SSCARD_COMPAT_BAD_PARAM;
	h = compat_hsm_resume(HSM_READ_BAS, 2, "iReadCardBas_HSM_Step1", pOutInfo, &code);
	if (!h)
		return code;
	code = pKey ? bas_step2(h, pKey, pOutInfo)
	            : compat_fail_about(pOutInfo, SSCARD_COMPAT_BAD_PARAM, 0, "pKey");
	compat_hsm_end(h); /* Step2 ends the two-step read, whatever happens */
	return code;
}
