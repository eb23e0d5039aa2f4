/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/crypto.c against the known answers in vectors/crypto/ (format in
 * published.txt): published vectors and vectors computed independently by
 * the openssl command line (gen.sh). The vectors directory comes from the
 * environment variable SSCARD_VECTORS (set by test/unit/meson.build).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto.h"
#include "internal.h"
#include "session.h"

#define FIELD_MAX 8
#define VALUE_MAX 1024

/* One parsed line: op, alg, then hex fields decoded ("-" = empty). */
typedef struct vector {
	const char *where; /* "file:line" for failure messages */
	const char *op;
	const char *algname;
	sscard_alg alg;
	size_t nval;
	uint8_t val[FIELD_MAX][VALUE_MAX];
	size_t len[FIELD_MAX];
} vector;

static const struct {
	const char *name;
	sscard_alg alg;
} alg_names[] = {
	{ "3DES", SSCARD_ALG_3DES },
	{ "SM4", SSCARD_ALG_SM4 },
	{ "BAD", (sscard_alg)99 },
};

static sscard_alg alg_by_name(const char *name, const char *where)
{
	for (size_t i = 0; i < sizeof(alg_names) / sizeof(alg_names[0]); i++)
		if (strcmp(alg_names[i].name, name) == 0)
			return alg_names[i].alg;
	fail_msg("%s: unknown algorithm %s", where, name);
	return (sscard_alg)0;
}

static void expect_bytes(const vector *v, const uint8_t *got, size_t gotlen,
                         size_t field)
{
	char hex[2 * VALUE_MAX + 1];

	if (gotlen != v->len[field] || memcmp(got, v->val[field], gotlen) != 0) {
		sscard_hex_encode(got, gotlen, hex, sizeof(hex));
		fail_msg("%s: %s %s gave %s", v->where, v->op, v->algname, hex);
	}
}

static void key_field(const vector *v, size_t field)
{
	if (v->len[field] != SSCARD_KEY_LEN)
		fail_msg("%s: key must be %u bytes", v->where, SSCARD_KEY_LEN);
}

/* ---- one runner per operation (fields after op and alg) ---------------- */

static void run_ecb(const vector *v, bool encrypt)
{
	uint8_t out[VALUE_MAX];

	key_field(v, 0);
	assert_int_equal(sscard_crypto_ecb(v->alg, v->val[0], encrypt, v->val[1],
	                                   v->len[1], out), SSCARD_OK);
	expect_bytes(v, out, v->len[1], 2);
	/* in place gives the same answer */
	memcpy(out, v->val[1], v->len[1]);
	assert_int_equal(sscard_crypto_ecb(v->alg, v->val[0], encrypt, out,
	                                   v->len[1], out), SSCARD_OK);
	expect_bytes(v, out, v->len[1], 2);
}

static void run_ecb_enc(const vector *v) { run_ecb(v, true); }
static void run_ecb_dec(const vector *v) { run_ecb(v, false); }

static void run_div(const vector *v)
{
	uint8_t out[SSCARD_KEY_LEN];

	key_field(v, 0);
	assert_int_equal(sscard_crypto_diversify(v->alg, v->val[0], v->val[1],
	                                         v->len[1], out), SSCARD_OK);
	expect_bytes(v, out, sizeof(out), 2);
}

static void run_mac(const vector *v)
{
	uint8_t mac[SSCARD_MAC_LEN];

	key_field(v, 0);
	assert_int_equal(sscard_crypto_mac(v->alg, v->val[0], v->val[1], v->len[1],
	                                   v->val[2], v->len[2], mac), SSCARD_OK);
	expect_bytes(v, mac, sizeof(mac), 3);
}

static void run_mac_block(const vector *v)
{
	uint8_t out[SSCARD_BLOCK_MAX];
	size_t outlen = 0;

	key_field(v, 0);
	assert_int_equal(sscard_crypto_mac_block(v->alg, v->val[0], v->val[1],
	                                         v->len[1], v->val[2], v->len[2],
	                                         out, &outlen), SSCARD_OK);
	assert_int_equal(outlen, sscard_alg_block(v->alg));
	expect_bytes(v, out, outlen, 3);
}

/* session-cg ALG KEY PROCESS ORIGINAL CG: the keystore convention */
static void run_session_cg(const vector *v)
{
	uint8_t out[SSCARD_CRYPTOGRAM_LEN];

	key_field(v, 0);
	assert_int_equal(v->len[1], SSCARD_PROCESS_LEN);
	assert_int_equal(v->len[2], SSCARD_CRYPTOGRAM_LEN);
	assert_int_equal(sscard_session_cryptogram(v->alg, v->val[0], v->val[1], v->val[2], out),
	                 SSCARD_OK);
	expect_bytes(v, out, sizeof(out), 3);
}

/* session-mac ALG KEY PROCESS DATA MAC */
static void run_session_mac(const vector *v)
{
	uint8_t pk[SSCARD_KEY_LEN], mac[SSCARD_MAC_LEN];

	key_field(v, 0);
	assert_int_equal(sscard_session_key(v->alg, v->val[0], v->val[1], pk), SSCARD_OK);
	assert_int_equal(sscard_session_mac(v->alg, pk, v->val[2], v->len[2], mac), SSCARD_OK);
	expect_bytes(v, mac, sizeof(mac), 3);
}

/* "error OP ALG KEY IV DATA": the fields are shifted by one (op is ALG). */
static void run_error(const vector *v)
{
	const char *op = v->algname;
	sscard_alg alg = alg_by_name((const char *)v->val[0], v->where);
	const uint8_t *key = v->val[1], *iv = v->val[2], *data = v->val[3];
	size_t ivlen = v->len[2], len = v->len[3];
	uint8_t out[VALUE_MAX];
	size_t outlen = 0;
	sscard_rc rc = SSCARD_OK; /* fail_msg() does not return */

	if (strcmp(op, "ecb-enc") == 0)
		rc = sscard_crypto_ecb(alg, key, true, data, len, out);
	else if (strcmp(op, "div") == 0)
		rc = sscard_crypto_diversify(alg, key, data, len, out);
	else if (strcmp(op, "mac") == 0)
		rc = sscard_crypto_mac(alg, key, iv, ivlen, data, len, out);
	else if (strcmp(op, "mac-block") == 0)
		rc = sscard_crypto_mac_block(alg, key, iv, ivlen, data, len, out, &outlen);
	else
		fail_msg("%s: unknown operation %s", v->where, op);
	if (rc != SSCARD_E_INVALID_ARG)
		fail_msg("%s: error %s gave %d", v->where, op, (int)rc);
}

static const struct {
	const char *op;
	size_t nhex; /* hex fields after op and alg */
	void (*run)(const vector *v);
} ops[] = {
	{ "ecb-enc", 3, run_ecb_enc },
	{ "ecb-dec", 3, run_ecb_dec },
	{ "div", 3, run_div },
	{ "mac", 4, run_mac },
	{ "mac-block", 4, run_mac_block },
	{ "session-cg", 4, run_session_cg },
	{ "session-mac", 4, run_session_mac },
	{ "error", 4, run_error },
};

/* ---- the vector file reader --------------------------------------------- */

static void decode_field(vector *v, size_t i, const char *tok)
{
	sscard_rc rc;

	if (strcmp(tok, "-") == 0) {
		v->len[i] = 0;
		return;
	}
	rc = sscard_hex_decode(tok, v->val[i], VALUE_MAX, &v->len[i]);
	if (rc != SSCARD_OK)
		fail_msg("%s: bad hex field %zu", v->where, i + 3);
}

/* Parse and run one line; returns 1 if it was a vector. */
static int run_line(char *line, const char *where, vector *v)
{
	char *save = NULL;
	char *op = strtok_r(line, " \t\r\n", &save);
	char *alg = op ? strtok_r(NULL, " \t\r\n", &save) : NULL;
	char *tok;
	size_t k;

	if (!op || op[0] == '#')
		return 0;
	if (!alg)
		fail_msg("%s: no algorithm", where);
	for (k = 0; k < sizeof(ops) / sizeof(ops[0]); k++)
		if (strcmp(ops[k].op, op) == 0)
			break;
	if (k == sizeof(ops) / sizeof(ops[0]))
		fail_msg("%s: unknown operation %s", where, op);
	memset(v, 0, sizeof(*v));
	v->where = where;
	v->op = op;
	v->algname = alg;
	if (strcmp(op, "error") == 0) {
		/* the algorithm is the next token, kept as text */
		tok = strtok_r(NULL, " \t\r\n", &save);
		if (!tok || strlen(tok) >= VALUE_MAX)
			fail_msg("%s: no algorithm", where);
		memcpy(v->val[0], tok, strlen(tok) + 1);
		v->nval = 1;
	} else {
		v->alg = alg_by_name(alg, where);
	}
	while (v->nval < ops[k].nhex && (tok = strtok_r(NULL, " \t\r\n", &save)))
		decode_field(v, v->nval++, tok);
	if (v->nval != ops[k].nhex || strtok_r(NULL, " \t\r\n", &save))
		fail_msg("%s: expected %zu fields", where, ops[k].nhex + 2);
	ops[k].run(v);
	return 1;
}

static int run_file(const char *name)
{
	const char *dir = getenv("SSCARD_VECTORS");
	char path[1024], where[1100], line[4096];
	vector *v = malloc(sizeof(*v));
	unsigned lineno = 0;
	int count = 0;
	FILE *f;

	assert_non_null(dir);
	assert_non_null(v);
	snprintf(path, sizeof(path), "%s/crypto/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s", path);
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(f))
			fail_msg("%s:%u: line too long", path, lineno);
		snprintf(where, sizeof(where), "%s:%u", name, lineno);
		count += run_line(line, where, v);
	}
	fclose(f);
	free(v);
	return count;
}

/* ---- tests -------------------------------------------------------------- */

static void test_published_vectors(void **state)
{
	(void)state;
	/* SM4 x2, DES x3, retail MAC x5, errors x12 */
	assert_true(run_file("published.txt") >= 20);
}

static void test_generated_vectors(void **state)
{
	(void)state;
	/* ECB, diversification and MAC computed by `openssl enc` (gen.sh) */
	assert_true(run_file("generated.txt") >= 60);
}

static void test_alg_block(void **state)
{
	(void)state;
	assert_int_equal(sscard_alg_block(SSCARD_ALG_3DES), 8);
	assert_int_equal(sscard_alg_block(SSCARD_ALG_SM4), 16);
	assert_int_equal(sscard_alg_block((sscard_alg)0), 0);
	assert_int_equal(sscard_alg_block(SSCARD_ALG_SSF33), 0); /* not in OpenSSL */
	assert_int_equal(sscard_alg_block((sscard_alg)4), 0);
}

static void test_null_arguments(void **state)
{
	static const uint8_t key[SSCARD_KEY_LEN] = { 1 };
	uint8_t buf[SSCARD_BLOCK_MAX] = { 0 };
	size_t outlen;

	(void)state;
	assert_int_equal(sscard_crypto_ecb(SSCARD_ALG_SM4, NULL, true, buf, 16, buf),
	                 SSCARD_E_INVALID_ARG);
	assert_int_equal(sscard_crypto_ecb(SSCARD_ALG_SM4, key, true, NULL, 16, buf),
	                 SSCARD_E_INVALID_ARG);
	assert_int_equal(sscard_crypto_ecb(SSCARD_ALG_3DES, key, true, NULL, 0, NULL),
	                 SSCARD_OK);
	assert_int_equal(sscard_crypto_diversify(SSCARD_ALG_3DES, key, NULL, 8, buf),
	                 SSCARD_E_INVALID_ARG);
	assert_int_equal(sscard_crypto_diversify(SSCARD_ALG_3DES, key, buf, 8, NULL),
	                 SSCARD_E_INVALID_ARG);
	assert_int_equal(sscard_crypto_mac(SSCARD_ALG_3DES, key, NULL, 8, buf, 1, buf),
	                 SSCARD_E_INVALID_ARG);
	assert_int_equal(sscard_crypto_mac(SSCARD_ALG_3DES, key, NULL, 0, NULL, 1, buf),
	                 SSCARD_E_INVALID_ARG);
	assert_int_equal(sscard_crypto_mac(SSCARD_ALG_SM4, key, NULL, 0, buf, 1, NULL),
	                 SSCARD_E_INVALID_ARG);
	assert_int_equal(sscard_crypto_mac_block(SSCARD_ALG_SM4, key, NULL, 0, buf, 16,
	                                         buf, NULL), SSCARD_E_INVALID_ARG);
	assert_int_equal(sscard_crypto_mac_block(SSCARD_ALG_SM4, NULL, NULL, 0, buf, 16,
	                                         buf, &outlen), SSCARD_E_INVALID_ARG);
}

/* A short factor is the same as that factor right-padded with 00. */
static void test_diversify_short_factor(void **state)
{
	static const uint8_t key[SSCARD_KEY_LEN] = { 0x40, 0x41, 0x42, 0x43, 0x44,
		0x45, 0x46, 0x47, 0x48, 0x49, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F };
	static const uint8_t f8[8] = { 0x63, 0x99, 0x00, 0, 0, 0, 0, 0 };
	uint8_t a[SSCARD_KEY_LEN], b[SSCARD_KEY_LEN];

	(void)state;
	assert_int_equal(sscard_crypto_diversify(SSCARD_ALG_SM4, key, f8, 2, a), SSCARD_OK);
	assert_int_equal(sscard_crypto_diversify(SSCARD_ALG_SM4, key, f8, 8, b), SSCARD_OK);
	assert_memory_equal(a, b, sizeof(a));
	assert_int_equal(sscard_crypto_diversify(SSCARD_ALG_3DES, key, f8, 3, a), SSCARD_OK);
	assert_int_equal(sscard_crypto_diversify(SSCARD_ALG_3DES, key, f8, 8, b), SSCARD_OK);
	assert_memory_equal(a, b, sizeof(a));
}

static void test_random(void **state)
{
	uint8_t a[32] = { 0 }, b[32] = { 0 }, zero[32] = { 0 };

	(void)state;
	assert_int_equal(sscard_crypto_random(a, sizeof(a)), SSCARD_OK);
	assert_int_equal(sscard_crypto_random(b, sizeof(b)), SSCARD_OK);
	/* 256 random bits equal by chance: probability 2^-256 */
	assert_memory_not_equal(a, b, sizeof(a));
	assert_memory_not_equal(a, zero, sizeof(a));
	assert_int_equal(sscard_crypto_random(NULL, 0), SSCARD_OK);
	assert_int_equal(sscard_crypto_random(NULL, 8), SSCARD_E_INVALID_ARG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_published_vectors),
		cmocka_unit_test(test_generated_vectors),
		cmocka_unit_test(test_alg_block),
		cmocka_unit_test(test_null_arguments),
		cmocka_unit_test(test_diversify_short_factor),
		cmocka_unit_test(test_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
