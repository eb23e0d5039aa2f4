/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The security-module two-step read (design.md s.8): Step1 begins the
 * authentication on the card (sscard_auth_begin()) and hands the back end
 * what it needs; Step2 takes the back end's answers, finishes it
 * (sscard_auth_finish()) and reads the card as iReadCardBas does.
 *
 * Between the two calls the connection (context, card, request) is kept
 * for the calling thread, in thread-specific data (pthread key, created
 * once): the customary API has no handle to carry it. A thread that ends
 * between the steps has it freed by the key's destructor; a new Step1
 * drops an unfinished one; Step2 always ends it.
 *
 * Between the steps nothing else from this library reaches the card:
 * Step1 marks its reader held (busy.c), and every other call that picks
 * that reader, on any thread, is -12 before it connects. The card itself
 * is NOT held (no PC/SC transaction) while the back end computes: a HIS
 * that never calls Step2 (its back end down, the thread alive) would
 * otherwise leave every other program waiting for the card forever; the
 * library's own hold lapses after COMPAT_BUSY_EXPIRY_S. Another program
 * that talks to the card in between may void the challenge (Step2 then
 * fails, -24 or -4); nothing wrong is ever accepted.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sscard/sm.h>

#include "compat_int.h"

#define BLOCK_MAX 16u
#define BLOCK 8u /* every two-step value: 8 bytes, 16 hex digits */
/* One pKey field: the answer and the original, one block each, as hex. */
#define KEY_FIELD_MAX (4u * BLOCK_MAX)
/* The whole pKey: two fields and their '|' (longer is refused). */
#define KEY_MAX (2u * KEY_FIELD_MAX + 2u)

/* A two-step read between Step1 and Step2. */
typedef struct hsm_pending {
	compat_session s;
	sscard_auth_request *req;
	char card_id[SSCARD_COMPAT_CARDID_LEN + 1];
	bool claimed; /* the reader is held for Step2 (busy.c) */
} hsm_pending;

static pthread_once_t pending_once = PTHREAD_ONCE_INIT;
static pthread_key_t pending_key;
static bool pending_key_ok; /* written once, under pending_once */

static void pending_free(void *arg)
{
	hsm_pending *p = arg;

	if (!p)
		return;
	if (p->claimed)
		compat_busy_release(p->s.reader);
	sscard_auth_request_free(&p->req);
	compat_session_close(&p->s); /* resets a card that granted access */
	explicit_bzero(p, sizeof(*p));
	free(p);
}

static void pending_key_create(void)
{
	pending_key_ok = pthread_key_create(&pending_key, pending_free) == 0;
}

/* This thread's pending read, taken out (NULL when there is none). */
static hsm_pending *pending_take(void)
{
	hsm_pending *p;

	if (pthread_once(&pending_once, pending_key_create) != 0 || !pending_key_ok)
		return NULL;
	p = pthread_getspecific(pending_key);
	if (p)
		pthread_setspecific(pending_key, NULL);
	return p;
}

/* ---- Step1 ----------------------------------------------------------------- */

/* Append `len` bytes as one hex field. */
static void hex_field(compat_out *o, const uint8_t *bytes, size_t len)
{
	char hex[2 * BLOCK_MAX + 1];

	if (len > BLOCK_MAX) {
		o->failed = true;
		return;
	}
	sscard_hex_encode(bytes, len, hex, sizeof(hex));
	compat_out_field(o, hex, SSCARD_COMPAT_RANDOM_LEN);
}

/*
 * region | historical bytes | algorithm flag | card id | internal process
 * factor | internal original | external process factor | external
 * original |, as design.md s.8 quotes the ministry text: each value 16 hex
 * digits, the external ones empty on cards below 3.00.
 */
static long step1_output(hsm_pending *p, char *out)
{
	char region[SSCARD_COMPAT_REGION_LEN + 1], hist[SSCARD_COMPAT_HIST_LEN + 1], flag[3];
	const uint8_t *id;
	size_t idlen = 0;
	compat_out o;

	id = sscard_auth_request_card_id(p->req, &idlen);
	if (!id || idlen * 2 != SSCARD_COMPAT_CARDID_LEN)
		return compat_fail(out, SSCARD_COMPAT_BAD_CARD_ID, 0);
	sscard_hex_encode(id, idlen, p->card_id, sizeof(p->card_id));
	if (compat_region(p->card_id, region) != SSCARD_COMPAT_OK)
		return compat_fail(out, SSCARD_COMPAT_BAD_CARD_ID, 0);
	if (compat_historical_hex(p->s.card, hist, sizeof(hist)) != SSCARD_OK)
		return compat_fail(out, SSCARD_COMPAT_NOT_POWERED, 0);
	snprintf(flag, sizeof(flag), "%02X", (unsigned)sscard_auth_request_alg(p->req) & 0xFFu);
	compat_out_init(&o, out, SSCARD_COMPAT_HSM_STEP1_MAX);
	compat_out_field(&o, region, SSCARD_COMPAT_REGION_LEN);
	compat_out_field(&o, hist, SSCARD_COMPAT_HIST_LEN);
	compat_out_field(&o, flag, SSCARD_COMPAT_ALGFLAG_LEN);
	compat_out_field(&o, p->card_id, SSCARD_COMPAT_CARDID_LEN);
	for (int v = SSCARD_AUTH_INTERNAL_FACTOR; v <= SSCARD_AUTH_EXTERNAL_ORIGINAL; v++) {
		size_t len = 0;
		const uint8_t *value = sscard_auth_request_value(p->req, (sscard_auth_value)v, &len);
		hex_field(&o, value, len);
	}
	if (o.failed) {
		memset(out, 0, o.len + 1);
		return compat_fail(out, SSCARD_COMPAT_DATA_INVALID, 0);
	}
	return SSCARD_COMPAT_OK;
}

/* Connect and begin the authentication in SSSE. */
static long step1_begin(hsm_pending *p, int iType, char *out)
{
	long code = compat_session_open(&p->s, iType, out);
	sscard_rc rc;

	if (code != SSCARD_COMPAT_OK)
		return code;
	rc = sscard_auth_begin(p->s.card, "SSSE", NULL, &p->req);
	if (rc != SSCARD_OK)
		return compat_fail_rc(out, &p->s, rc);
	return step1_output(p, out);
}

SSCARD_COMPAT_API long iReadCardBas_HSM_Step1(int iType, char *pOutInfo)
{
	hsm_pending *p;
	long code;

	if (!pOutInfo)
		return SSCARD_COMPAT_BAD_PARAM;
	pending_free(pending_take()); /* a new Step1 starts over */
	if (!pending_key_ok)
		return compat_fail(pOutInfo, SSCARD_COMPAT_READER_ERROR, 0);
	p = calloc(1, sizeof(*p));
	if (!p)
		return compat_fail(pOutInfo, SSCARD_COMPAT_READER_ERROR, 0);
	code = step1_begin(p, iType, pOutInfo);
	/* nothing else from this library reaches the card until Step2 */
	if (code == SSCARD_COMPAT_OK) {
		p->claimed = compat_busy_claim(p->s.reader);
		if (!p->claimed || pthread_setspecific(pending_key, p) != 0)
			code = compat_fail(pOutInfo, SSCARD_COMPAT_READER_ERROR, 0);
	}
	if (code != SSCARD_COMPAT_OK)
		pending_free(p);
	return code;
}

/* ---- Step2 ----------------------------------------------------------------- */

/* One pKey field of exactly 4 * bs hex digits followed by '|', decoded
 * into answer (bs bytes) and original (bs bytes); *next after the '|'. */
static bool key_field(const char *in, size_t bs, uint8_t *answer, uint8_t *original,
                      const char **next)
{
	uint8_t bytes[2 * BLOCK_MAX];
	char hex[KEY_FIELD_MAX + 1];
	size_t digits = 4 * bs, n = 0;
	bool ok;

	for (size_t i = 0; i < digits; i++)
		if (!isxdigit((unsigned char)in[i]))
			return false; /* also stops at the NUL */
	if (in[digits] != '|')
		return false;
	memcpy(hex, in, digits);
	hex[digits] = '\0';
	ok = sscard_hex_decode(hex, bytes, sizeof(bytes), &n) == SSCARD_OK && n == 2 * bs;
	if (ok) {
		memcpy(answer, bytes, bs);
		memcpy(original, bytes + bs, bs);
	}
	explicit_bzero(bytes, sizeof(bytes));
	explicit_bzero(hex, sizeof(hex));
	*next = in + digits + 1;
	return ok;
}

/* An original must be what Step1 issued: otherwise the answers were
 * computed for another Step1 (or another card). */
static bool same_original(const hsm_pending *p, sscard_auth_value which,
                          const uint8_t *original)
{
	size_t len = 0;
	const uint8_t *issued = sscard_auth_request_value(p->req, which, &len);

	return issued && len == BLOCK && memcmp(original, issued, BLOCK) == 0;
}

/*
 * pKey = "<internal result><internal original>|<external cryptogram>
 * <external original>|", each value 16 hex digits (66 characters); on a
 * card without the external part (below 3.00) only the first field counts
 * and the rest may be anything, as the ministry text says.
 */
static long parse_key(const hsm_pending *p, const char *pKey, uint8_t *expected,
                      uint8_t *cryptogram, bool *external, char *out)
{
	uint8_t in_original[BLOCK], ex_original[BLOCK];
	size_t xlen = 0;
	const char *next = pKey;
	bool ok;

	sscard_auth_request_value(p->req, SSCARD_AUTH_EXTERNAL_FACTOR, &xlen);
	*external = xlen != 0;
	/* the form first, whole; then whether it answers this Step1 */
	ok = strnlen(pKey, KEY_MAX + 1) <= KEY_MAX &&
	     key_field(next, BLOCK, expected, in_original, &next) &&
	     (!*external ||
	      (key_field(next, BLOCK, cryptogram, ex_original, &next) && *next == '\0'));
	if (!ok)
		return compat_fail_about(out, SSCARD_COMPAT_BAD_PARAM, 0, "pKey");
	if (!same_original(p, SSCARD_AUTH_INTERNAL_ORIGINAL, in_original) ||
	    (*external && !same_original(p, SSCARD_AUTH_EXTERNAL_ORIGINAL, ex_original)))
		return compat_fail_about(out, SSCARD_COMPAT_DATA_MISMATCH, 0, "pKey");
	return SSCARD_COMPAT_OK;
}

/* Finish and read, holding the card throughout so no other program
 * resets it between the two. */
static long step2_finish(hsm_pending *p, const char *pKey, char *out)
{
	uint8_t expected[BLOCK], cryptogram[BLOCK];
	bool external = false;
	sscard_rc rc;
	long code = parse_key(p, pKey, expected, cryptogram, &external, out);

	if (code != SSCARD_COMPAT_OK)
		return code;
	rc = sscard_card_begin(p->s.card);
	if (rc != SSCARD_OK) {
		code = compat_fail_rc(out, &p->s, rc);
	} else {
		rc = sscard_auth_finish(p->s.card, p->req, external ? cryptogram : NULL,
		                        external ? BLOCK : 0, expected, BLOCK, NULL);
		/* the card's INTERNAL AUTHENTICATE answer is not the result the
		 * security module computed: -25 in these forms (design.md s.8) */
		if (rc == SSCARD_E_NOT_GENUINE)
			code = compat_fail(out, SSCARD_COMPAT_HSM_MISMATCH, 0);
		else
			code = rc == SSCARD_OK ? SSCARD_COMPAT_OK : compat_fail_rc(out, &p->s, rc);
		/* the holder's fields, now open on a 3.0 card; the same card */
		if (code == SSCARD_COMPAT_OK)
			code = compat_read_format(&p->s, NULL, p->card_id, out);
		sscard_card_end(p->s.card);
	}
	explicit_bzero(expected, sizeof(expected));
	explicit_bzero(cryptogram, sizeof(cryptogram));
	return code;
}

SSCARD_COMPAT_API long iReadCardBas_HSM_Step2(char *pKey, char *pOutInfo)
{
	hsm_pending *p;
	long code;

	if (!pOutInfo)
		return SSCARD_COMPAT_BAD_PARAM;
	p = pending_take(); /* Step2 ends the two-step read, whatever happens */
	if (!p)
		return compat_fail_about(pOutInfo, SSCARD_COMPAT_NOT_CONNECTED, 0,
		                         "本线程未调用iReadCardBas_HSM_Step1");
	if (!pKey)
		code = compat_fail_about(pOutInfo, SSCARD_COMPAT_BAD_PARAM, 0, "pKey");
	else
		code = step2_finish(p, pKey, pOutInfo);
	pending_free(p);
	return code;
}
