/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Secrets never leave the library (issue #9): PINs and keys must not
 * appear in the APDU trace, in log messages (at DEBUG, the most verbose
 * level), in error details or texts, nor in the card handle's buffers
 * after use. Everything the library says is captured through the trace
 * and log callbacks and searched for each secret as ASCII digits, as hex
 * (BCD, which for a PIN is the digits themselves, and ASCII-hex), spaced
 * hex, and as raw bytes.
 *
 * The card is the in-process simulator with a profile whose PIN is a
 * distinctive value (healthy-v3.json with pin.value replaced), so no other
 * data on the card can match by accident.
 *
 * The secure channel (authentication both ways, a protected write, PIN
 * unblock and reload) runs with the test keystore vectors/sm/healthy-v3.keys;
 * the secrets searched are its master keys and every key diversified
 * from them for this card (province, city and card levels, computed here
 * with the library's own primitives). The scheme has no session keys
 * (MACs are keyed by the diversified line key with the challenge as IV),
 * so there is none to search for.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <sscard/sscard.h>

#include "crypto.h"
#include "internal.h"
#include "keys.h"

#define PIN "718293"
#define WRONG_PIN "405162"
#define NEW_PIN "930617"
/* Key material of the keystore tests (test values, never real keys). */
#define KEY_HEX "A1B2C3D4E5F60718293A4B5C6D7E8F90"

typedef struct capture {
	char text[65536];
	size_t len;
	unsigned logs, traces;
} capture;

static void add(capture *c, const char *s)
{
	size_t n = strlen(s);

	if (c->len + n + 2 > sizeof(c->text))
		fail_msg("capture buffer full");
	memcpy(c->text + c->len, s, n);
	c->len += n;
	c->text[c->len++] = '\n';
	c->text[c->len] = '\0';
}

static void on_log(void *ud, sscard_log_level level, const char *msg)
{
	(void)level;
	((capture *)ud)->logs++;
	add(ud, msg);
}

static void on_trace(void *ud, sscard_trace_dir dir, const char *hex)
{
	(void)dir;
	((capture *)ud)->traces++;
	add(ud, hex);
}

/* Case-insensitive search of `needle` in the capture. */
static int contains(const capture *c, const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = 0; i + n <= c->len; i++)
		if (strncasecmp(c->text + i, needle, n) == 0)
			return 1;
	return 0;
}

/* Every spelling of a secret of digits or hex digits. */
static void assert_absent(const capture *c, const char *secret)
{
	char ascii_hex[256] = "", spaced[256] = "";
	size_t n = strlen(secret);

	for (size_t i = 0; i < n; i++)
		snprintf(ascii_hex + 2 * i, sizeof(ascii_hex) - 2 * i, "%02X", (unsigned char)secret[i]);
	for (size_t i = 0; i + 1 < n; i += 2)
		snprintf(spaced + strlen(spaced), sizeof(spaced) - strlen(spaced), "%s%c%c",
		         i ? " " : "", secret[i], secret[i + 1]);
	if (contains(c, secret))
		fail_msg("secret %s found in the library's output:\n%s", secret, c->text);
	if (contains(c, ascii_hex))
		fail_msg("secret %s found as ASCII hex %s", secret, ascii_hex);
	if (n >= 4 && contains(c, spaced))
		fail_msg("secret %s found as spaced hex %s", secret, spaced);
}

/* ---- dead stack: the library's frames after it returned --------------- */

#define PROBE_BYTES 32768

/* Reads the stack the previous call (from the same caller) used: its own
 * frame lies over it. 1 if the bytes of `hex` are there. */
static __attribute__((noinline)) int dead_stack_holds(const char *hex)
{
	volatile uint8_t probe[PROBE_BYTES];
	uint8_t raw[16];
	size_t n = 0;

	if (sscard_hex_decode(hex, raw, sizeof(raw), &n) != SSCARD_OK || n == 0)
		return 0;
	for (size_t i = 0; i + n <= PROBE_BYTES; i++) {
		size_t k = 0;
		while (k < n && probe[i + k] == raw[k])
			k++;
		if (k == n)
			return 1;
	}
	return 0;
}

/* The positive control: leaves the bytes of `hex` in its dead frame. */
static __attribute__((noinline)) void leave_on_stack(const char *hex)
{
	volatile uint8_t frame[512];
	uint8_t raw[16];
	size_t n = 0;

	if (sscard_hex_decode(hex, raw, sizeof(raw), &n) != SSCARD_OK)
		return;
	for (size_t i = 0; i < sizeof(frame); i++)
		frame[i] = raw[i % n];
}

/* A card that says 9000 to everything and keeps no copy of what it got. */
static sscard_rc ok_transmit(void *impl, const uint8_t *c, size_t clen, uint8_t *r, size_t *rlen)
{
	(void)impl;
	(void)c;
	(void)clen;
	if (*rlen < 2)
		return SSCARD_E_BUFFER_TOO_SMALL;
	r[0] = 0x90;
	r[1] = 0x00;
	*rlen = 2;
	return SSCARD_OK;
}

static sscard_rc ok_atr(void *impl, uint8_t *atr, size_t *len)
{
	static const uint8_t a[] = { 0x3B, 0x6D, 0x00, 0x00, 0x00, 0x90, 0x54, 0x31, 0x16,
	                             0x86, 0x60, 0x13, 0x04, 0x25, 0x00, 0x1C, 0x4E };
	(void)impl;
	if (*len < sizeof(a))
		return SSCARD_E_BUFFER_TOO_SMALL;
	memcpy(atr, a, sizeof(a));
	*len = sizeof(a);
	return SSCARD_OK;
}

static void ok_close(void *impl)
{
	(void)impl;
}

static const sscard_transport_ops ok_ops = {
	.name = "ok", .transmit = ok_transmit, .get_atr = ok_atr, .close = ok_close,
};

typedef struct fixture {
	capture cap;
	sscard_ctx *ctx;
	char profile[64];
} fixture;

/* healthy-v3.json with the PIN replaced: a profile of our own. */
static void write_profile(char *path, size_t pathsz)
{
	const char *dir = getenv("SSCARD_VECTORS");
	char src[4096], *json, *at;
	FILE *f;
	long size;
	int fd;

	if (dir == NULL)
		fail_msg("SSCARD_VECTORS is not set (run through meson test)");
	snprintf(src, sizeof(src), "%s/cards/healthy-v3.json", dir);
	f = fopen(src, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	json = calloc(1, (size_t)size + 1);
	assert_non_null(json);
	assert_int_equal(fread(json, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	at = strstr(json, "\"value\": \"123456\"");
	assert_non_null(at);
	memcpy(at + strlen("\"value\": \""), PIN, 6);
	snprintf(path, pathsz, "/tmp/sscard-secrets-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, json, (size_t)size), size);
	close(fd);
	free(json);
}

static int setup(void **state)
{
	static fixture fx;

	memset(&fx, 0, sizeof(fx));
	write_profile(fx.profile, sizeof(fx.profile));
	assert_int_equal(sscard_ctx_new(&fx.ctx), SSCARD_OK);
	assert_int_equal(sscard_ctx_set_log(fx.ctx, on_log, &fx.cap), SSCARD_OK);
	assert_int_equal(sscard_ctx_set_log_level(fx.ctx, SSCARD_LOG_DEBUG), SSCARD_OK);
	assert_int_equal(sscard_ctx_set_trace(fx.ctx, on_trace, &fx.cap), SSCARD_OK);
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	fixture *fx = *state;

	sscard_ctx_free(&fx->ctx);
	unlink(fx->profile);
	return 0;
}

/* What the caller sees of an outcome: rc texts and the card's detail. */
static void add_outcome(capture *c, sscard_card *card, sscard_rc rc)
{
	add(c, sscard_strerror(rc));
	add(c, sscard_strerror_zh(rc));
	add(c, sscard_rc_name(rc));
	add(c, sscard_card_last_detail(card));
}

static void test_pin_never_shown(void **state)
{
	fixture *fx = *state;
	char reader[128];
	sscard_card *card = NULL;
	int tries = -1;
	sscard_rc rc;

	snprintf(reader, sizeof(reader), "sim:%s", fx->profile);
	assert_int_equal(sscard_connect(fx->ctx, reader, &card), SSCARD_OK);

	rc = sscard_pin_verify(card, WRONG_PIN, &tries);
	assert_int_equal(rc, SSCARD_E_WRONG_PIN);
	assert_int_equal(tries, 2);
	add_outcome(&fx->cap, card, rc);
	rc = sscard_pin_verify(card, PIN, &tries);
	assert_int_equal(rc, SSCARD_OK);
	add_outcome(&fx->cap, card, rc);
	rc = sscard_pin_change(card, PIN, NEW_PIN, &tries);
	assert_int_equal(rc, SSCARD_OK);
	add_outcome(&fx->cap, card, rc);
	rc = sscard_pin_change(card, WRONG_PIN, PIN, &tries);
	assert_int_equal(rc, SSCARD_E_WRONG_PIN);
	add_outcome(&fx->cap, card, rc);
	rc = sscard_pin_change(card, NEW_PIN, PIN, &tries);
	assert_int_equal(rc, SSCARD_OK);
	add_outcome(&fx->cap, card, rc);
	/* malformed PINs are refused without an APDU; their text not echoed */
	rc = sscard_pin_verify(card, "71829x", &tries);
	assert_int_equal(rc, SSCARD_E_INVALID_ARG);
	add_outcome(&fx->cap, card, rc);
	rc = sscard_pin_change(card, PIN, "9306171", &tries);
	assert_int_equal(rc, SSCARD_E_INVALID_ARG);
	add_outcome(&fx->cap, card, rc);

	/* the capture is real: commands traced (masked), errors logged */
	assert_true(fx->cap.traces >= 10);
	assert_true(fx->cap.logs >= 2);
	assert_true(contains(&fx->cap, "0020000003******"));
	assert_true(contains(&fx->cap, "805E010007**************"));
	assert_absent(&fx->cap, PIN);
	assert_absent(&fx->cap, WRONG_PIN);
	assert_absent(&fx->cap, NEW_PIN);
	assert_absent(&fx->cap, "71829x");
	assert_absent(&fx->cap, "9306171");
	sscard_disconnect(&card);
}

/* No copy of a PIN is left on the stack the library used: every buffer
 * that held the digits (BCD, the encoded APDU) is wiped before return.
 * The card keeps no copy (its transmit only answers 9000). Skipped where
 * the stack cannot be inspected this way (the control is not found, e.g.
 * ASan's fake stacks) and under valgrind (dead stack is undefined there). */
static void test_pin_not_left_on_stack(void **state)
{
	fixture *fx = *state;
	sscard_card *card = NULL;
	int tries;

	if (getenv("SSCARD_UNDER_VALGRIND") != NULL)
		skip();
	leave_on_stack("A5C3E1");
	if (!dead_stack_holds("A5C3E1"))
		skip();
	assert_int_equal(sscard_connect_transport(fx->ctx, &ok_ops, NULL, &card), SSCARD_OK);
	assert_int_equal(sscard_pin_verify(card, PIN, &tries), SSCARD_OK);
	assert_false(dead_stack_holds(PIN));
	assert_int_equal(sscard_pin_change(card, PIN, NEW_PIN, &tries), SSCARD_OK);
	assert_false(dead_stack_holds(PIN));
	assert_false(dead_stack_holds(NEW_PIN));
	sscard_disconnect(&card);
}

/* Write a keystore file with `body` and mode `mode`. */
static void write_keystore(char *path, size_t pathsz, const char *body, mode_t mode)
{
	int fd;

	snprintf(path, pathsz, "/tmp/sscard-keystore-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, body, strlen(body)), (ssize_t)strlen(body));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void open_keystore(fixture *fx, const char *body, mode_t mode, sscard_rc want)
{
	char path[64];
	sscard_keys *keys = NULL;

	write_keystore(path, sizeof(path), body, mode);
	assert_int_equal(sscard_keys_open_file(fx->ctx, path, &keys), want);
	add(&fx->cap, sscard_strerror(want));
	sscard_keys_free(&keys);
	unlink(path);
}

/* Keys in a keystore, valid or not, never reach a log message. */
static void test_keystore_keys_never_logged(void **state)
{
	fixture *fx = *state;

	open_keystore(fx, "sscard-keystore 1\nkey external SSSE 01 SM4 province,city,card " KEY_HEX "\n",
	              0600, SSCARD_OK);
	/* the key line is wrong in another field: the message must not quote
	 * the line */
	open_keystore(fx, "sscard-keystore 1\nkey external SSSE 01 AES - " KEY_HEX "\n", 0600,
	              SSCARD_E_KEYSTORE);
	open_keystore(fx, "sscard-keystore 1\nkey bogus SSSE 01 SM4 - " KEY_HEX "\n", 0600,
	              SSCARD_E_KEYSTORE);
	/* the key itself is malformed (one digit too many, a non-hex digit) */
	open_keystore(fx, "sscard-keystore 1\nkey external SSSE 01 SM4 - " KEY_HEX "7\n", 0600,
	              SSCARD_E_KEYSTORE);
	open_keystore(fx, "sscard-keystore 1\nkey external SSSE 01 SM4 - G" KEY_HEX "\n", 0600,
	              SSCARD_E_KEYSTORE);
	/* readable by others: refused (as ssh refuses a private key) */
	open_keystore(fx, "sscard-keystore 1\nkey external SSSE 01 SM4 - " KEY_HEX "\n", 0644,
	              SSCARD_E_KEYSTORE);
	open_keystore(fx, "sscard-keystore 1\nkey external SSSE 01 SM4 - " KEY_HEX "\n", 0640,
	              SSCARD_E_KEYSTORE);
	open_keystore(fx, "sscard-keystore 1\nkey external SSSE 01 SM4 - " KEY_HEX "\n", 0620,
	              SSCARD_E_KEYSTORE);
	open_keystore(fx, "sscard-keystore 1\nkey external SSSE 01 SM4 - " KEY_HEX "\n", 0602,
	              SSCARD_E_KEYSTORE);
	assert_true(fx->cap.logs >= 5);
	assert_absent(&fx->cap, KEY_HEX);
	/* nor any 8-digit window of it (a message quoting part of the key) */
	for (size_t i = 0; i + 8 <= strlen(KEY_HEX); i++) {
		char window[9];
		memcpy(window, &KEY_HEX[i], 8);
		window[8] = '\0';
		if (contains(&fx->cap, window))
			fail_msg("part of the key (%s) found in:\n%s", window, fx->cap.text);
	}
}

/* healthy-v3.keys, private copy (0600: the library refuses others). */
static void copy_test_keystore(char *path, size_t pathsz, char *text, size_t textsz)
{
	const char *dir = getenv("SSCARD_VECTORS");
	char src[4096];
	FILE *f;
	size_t n;

	assert_non_null(dir);
	snprintf(src, sizeof(src), "%s/sm/healthy-v3.keys", dir);
	f = fopen(src, "rb");
	assert_non_null(f);
	n = fread(text, 1, textsz - 1, f);
	text[n] = '\0';
	fclose(f);
	write_keystore(path, pathsz, text, 0600);
}

/* Every key of the keystore and its diversified forms for this card. */
static size_t derived_keys(const char *keystore_text, sscard_card *card,
                           char out[][2 * SSCARD_KEY_LEN + 1], size_t max)
{
	sscard_keystore *ks = NULL;
	sscard_div_factors f;
	const uint8_t *atr;
	size_t atrlen, idlen = 0, n = 0;
	uint8_t card_id[16];
	char id_hex[64];

	assert_int_equal(sscard_keystore_parse(keystore_text, strlen(keystore_text), &ks, NULL, 0),
	                 SSCARD_OK);
	assert_int_equal(sscard_card_atr(card, &atr, &atrlen), SSCARD_OK);
	assert_int_equal(sscard_read_element(card, "card_id", id_hex, sizeof(id_hex)), SSCARD_OK);
	assert_int_equal(sscard_hex_decode(id_hex, card_id, sizeof(card_id), &idlen), SSCARD_OK);
	assert_int_equal(sscard_div_factors_make(atr, atrlen, card_id, idlen, &f), SSCARD_OK);
	for (size_t k = 0; k < ks->nkeys; k++) {
		const sscard_ks_entry *e = &ks->keys[k];
		uint8_t key[SSCARD_KEY_LEN], next[SSCARD_KEY_LEN];

		memcpy(key, e->key, sizeof(key));
		for (size_t l = 0; l <= e->nlevels && n < max; l++) {
			sscard_hex_encode(key, sizeof(key), out[n++], 2 * SSCARD_KEY_LEN + 1);
			if (l == e->nlevels)
				break;
			const uint8_t *factor = sscard_level_factor(&f, e->levels[l]);
			assert_non_null(factor);
			assert_int_equal(sscard_crypto_diversify(e->alg, key, factor, SSCARD_FACTOR_LEN,
			                                         next),
			                 SSCARD_OK);
			memcpy(key, next, sizeof(key));
		}
		sscard_wipe(key, sizeof(key));
	}
	sscard_keystore_free(ks);
	return n;
}

static void test_secure_channel_never_shows_keys(void **state)
{
	fixture *fx = *state;
	static char derived[64][2 * SSCARD_KEY_LEN + 1];
	char reader[128], path[64], text[4096];
	sscard_card *card = NULL;
	sscard_keys *keys = NULL;
	sscard_auth_verdict verdict = SSCARD_AUTH_NOT_RUN;
	int written = 0;
	size_t nkeys;
	sscard_rc rc;

	snprintf(reader, sizeof(reader), "sim:%s", fx->profile);
	copy_test_keystore(path, sizeof(path), text, sizeof(text));
	assert_int_equal(sscard_keys_open_file(fx->ctx, path, &keys), SSCARD_OK);
	assert_int_equal(sscard_connect(fx->ctx, reader, &card), SSCARD_OK);
	nkeys = derived_keys(text, card, derived, 64);
	assert_true(nkeys >= 6 * 4);

	rc = sscard_authenticate(card, keys, "SSSE", &verdict);
	assert_int_equal(rc, SSCARD_OK);
	assert_int_equal(verdict, SSCARD_AUTH_GENUINE);
	add_outcome(&fx->cap, card, rc);
	rc = sscard_write_element(card, keys, "name", "王五", &written);
	assert_int_equal(rc, SSCARD_OK);
	assert_int_equal(written, 1);
	add_outcome(&fx->cap, card, rc);
	rc = sscard_pin_unblock(card, keys, "SSSE");
	assert_int_equal(rc, SSCARD_OK);
	add_outcome(&fx->cap, card, rc);
	rc = sscard_pin_reload(card, keys, "SSSE", NEW_PIN);
	assert_int_equal(rc, SSCARD_OK);
	add_outcome(&fx->cap, card, rc);
	assert_int_equal(sscard_pin_verify(card, NEW_PIN, NULL), SSCARD_OK); /* reload took */
	rc = sscard_authenticate(card, keys, "DF04", &verdict);
	assert_int_equal(rc, SSCARD_OK);
	assert_int_equal(verdict, SSCARD_AUTH_GENUINE); /* SSSE's IRK stands in for DF04 */
	add_outcome(&fx->cap, card, rc);
	sscard_disconnect(&card);
	sscard_keys_free(&keys);
	unlink(path);

	/* a keystore that is not this card's: the failure says so, no key */
	snprintf(text, sizeof(text), "sscard-keystore 1\nkey external SSSE 01 SM4 "
	                             "province,city,card " KEY_HEX "\n");
	write_keystore(path, sizeof(path), text, 0600);
	assert_int_equal(sscard_keys_open_file(fx->ctx, path, &keys), SSCARD_OK);
	assert_int_equal(sscard_connect(fx->ctx, reader, &card), SSCARD_OK);
	rc = sscard_authenticate(card, keys, "SSSE", &verdict);
	assert_int_equal(rc, SSCARD_E_KEYS_MISMATCH);
	add_outcome(&fx->cap, card, rc);
	sscard_disconnect(&card);
	sscard_keys_free(&keys);
	unlink(path);

	assert_true(contains(&fx->cap, "0082000A10**"));   /* EXTERNAL AUTHENTICATE masked */
	assert_true(contains(&fx->cap, "00DC0930"));       /* the UPDATE went out (after 00 82 00 04) */
	assert_true(contains(&fx->cap, "0082000410**"));
	for (size_t i = 0; i < nkeys; i++)
		assert_absent(&fx->cap, derived[i]);
	assert_absent(&fx->cap, KEY_HEX);
	assert_absent(&fx->cap, NEW_PIN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pin_never_shown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pin_not_left_on_stack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keystore_keys_never_logged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secure_channel_never_shows_keys, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
