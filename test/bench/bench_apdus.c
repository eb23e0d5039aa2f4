/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Benchmark 1 (issue #10): APDUs per operation on every shipped profile
 * (every JSON file in vectors/cards), counted with sscard_card_apdu_count() on the
 * in-process simulator (the card answers exactly as it does behind pcscd:
 * same model, same profile), against the theoretical minimum for that
 * operation on that card.
 *
 * The minimum: 1 SELECT when the card is not yet in SSSE (a fresh
 * connection), then for read_basic one READ RECORD per element whose
 * answer carries information (a value, a blank, a malformed record) and
 * one per file that refuses (6982/6A82: its first refusal tells the rest);
 * elements the card's version does not have cost nothing. PIN tries and
 * VERIFY: one command each. GET RESPONSE and 6Cxx resends are overhead.
 * authenticate (the field forms of design.md s.4): SELECT SSSE with its
 * FCI, which names the algorithm (+ its GET RESPONSE on a T=0 card), READ
 * RECORD 01 (the card identification code the keys are diversified by),
 * INTERNAL AUTHENTICATE (+ its GET RESPONSE on T=0), GET CHALLENGE,
 * EXTERNAL AUTHENTICATE.
 * write_element (the name): first the check of the value against the
 * card's data (the element and those related to it, read before anything
 * is sent: a write that would spoil the card is refused), then the
 * element read to compare (a write that is not needed is not made), GET
 * CHALLENGE + EXTERNAL AUTHENTICATE with the update key, the plain UPDATE
 * RECORD and the read-back the rules demand; cold, also SELECT (+ FCI)
 * and READ RECORD 01. When the card withholds
 * the element without its read key (3.0 EF06), each read that finds the
 * read key no longer granted costs the refused READ, GET CHALLENGE and
 * EXTERNAL AUTHENTICATE with the read key: the card holds one key's grant
 * at a time (the simulator's model, the strictest; verify on a real card).
 * After an authentication the same connection knows the algorithm and the
 * card id, and the read key is granted for the first read.
 * Keys: vectors/sm/healthy-v3.keys for SM4 profiles, vectors/sm/v2.keys
 * for 3DES ones (copied to a private 0600 file, as the keystore demands).
 *
 * usage: bench_apdus [CARDS_DIR]   (default $SSCARD_VECTORS/cards)
 * Rows above their minimum are marked; the exit status is 0 whenever the
 * table could be produced (a figure, not a pass/fail test).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sscard/sscard.h>
#ifdef BENCH_HAVE_DIAG
#include <sscard/diag.h>
#endif

#include "bench_util.h"

typedef struct op_result {
	sscard_rc rc;
	long minimum; /* -1: not defined (the operation did not complete) */
	char note[48];
} op_result;

typedef op_result (*op_fn)(sscard_card *card, const char *profile, int cold);

/* The context that opens the keystores. */
static sscard_ctx *keys_ctx;

/* The test keystore for a profile's algorithm, opened; NULL when none. */
static sscard_keys *keys_for(const char *profile)
{
	char path[64];
	sscard_keys *k = NULL;

	if (bench_keystore_copy(profile, path, sizeof(path)) != 0)
		return NULL;
	if (sscard_keys_open_file(keys_ctx, path, &k) != SSCARD_OK)
		k = NULL;
	unlink(path);
	return k;
}

/* The 3.0-only elements (design.md s.4: tag 4E, EF0D's EA and EB) on a
 * card below 3.00. */
static int not_on_this_version(const sscard_basic *b, size_t i)
{
	const char *version = sscard_basic_get(b, "spec_version");
	const char *key = sscard_element_key(i);

	return (strcmp(key, "name_ext") == 0 || strcmp(sscard_element_file(i), "SSSE/EF0D") == 0) &&
	       version != NULL && version[0] >= '0' && version[0] < '3';
}

/* Minimum for a read_basic whose outcome is `b`: see the header comment. */
static long read_basic_minimum(const sscard_basic *b, int cold)
{
	long n = cold ? 1 : 0;
	const char *refused_file = NULL;

	for (size_t i = 0; i < sscard_element_count(); i++) {
		const char *file = sscard_element_file(i);
		sscard_rc why = sscard_basic_error(b, i);

		if (refused_file != NULL && strcmp(file, refused_file) == 0)
			continue;
		if (sscard_basic_status(b, i) == SSCARD_ELEM_NOT_READ || not_on_this_version(b, i))
			continue;
		/* EF0D is read by record number after selecting it (once) */
		if (strcmp(file, "SSSE/EF0D") == 0 && (i == 0 ||
		    strcmp(sscard_element_file(i - 1), "SSSE/EF0D") != 0))
			n++;
		n++;
		if (why == SSCARD_E_SECURITY || why == SSCARD_E_FILE_NOT_FOUND)
			refused_file = file;
	}
	return n;
}

static op_result op_read_basic(sscard_card *card, const char *profile, int cold)
{
	sscard_basic *b = NULL;
	op_result r = { SSCARD_E_NOMEM, -1, "" };

	(void)profile;
	if (sscard_basic_new(&b) != SSCARD_OK)
		return r;
	r.rc = sscard_read_basic(card, b);
	if (r.rc == SSCARD_OK)
		r.minimum = read_basic_minimum(b, cold);
	sscard_basic_free(&b);
	return r;
}

static op_result op_pin_tries(sscard_card *card, const char *profile, int cold)
{
	int tries = -1;
	op_result r = { SSCARD_OK, -1, "" };

	(void)profile;
	r.rc = sscard_pin_tries(card, &tries);
	r.minimum = r.rc == SSCARD_OK ? (cold ? 2 : 1) : -1;
	return r;
}

static op_result op_pin_verify(sscard_card *card, const char *profile, int cold)
{
	char pin[32] = "";
	int tries = -1;
	op_result r = { SSCARD_E_INVALID_ARG, -1, "" };

	if (bench_profile_pin(profile, pin, sizeof(pin)) != 0)
		return r;
	r.rc = sscard_pin_verify(card, pin, &tries);
	/* Wrong or blocked PIN still took exactly one VERIFY. */
	if (r.rc == SSCARD_OK || r.rc == SSCARD_E_WRONG_PIN || r.rc == SSCARD_E_PIN_BLOCKED)
		r.minimum = cold ? 2 : 1;
	return r;
}

static long auth_minimum(sscard_card *card, int cold)
{
	long t0 = sscard_card_protocol(card) == 0 ? 1 : 0;

	return (cold ? 1 + t0 + 1 : 0) + 1 + t0 + 1 + 1;
}

static op_result op_authenticate(sscard_card *card, const char *profile, int cold)
{
	sscard_keys *keys = keys_for(profile);
	sscard_auth_verdict verdict = SSCARD_AUTH_NOT_RUN;
	op_result r = { SSCARD_E_KEYSTORE, -1, "" };

	if (keys == NULL)
		return r;
	r.rc = sscard_authenticate(card, keys, NULL, &verdict);
	if (r.rc == SSCARD_OK)
		r.minimum = auth_minimum(card, cold);
	sscard_keys_free(&keys);
	return r;
}

/* Does the card withhold the name without authentication? (A twin card,
 * so the measured connection is untouched.) */
static int name_withheld(const char *profile)
{
	char reader[4200];
	sscard_ctx *ctx = NULL;
	sscard_card *twin = NULL;
	sscard_basic *b = NULL;
	int withheld = 0;

	snprintf(reader, sizeof(reader), "sim:%s", profile);
	if (sscard_ctx_new(&ctx) == SSCARD_OK && sscard_connect(ctx, reader, &twin) == SSCARD_OK &&
	    sscard_basic_new(&b) == SSCARD_OK && sscard_read_basic(twin, b) == SSCARD_OK)
		withheld = sscard_basic_status(b, (size_t)sscard_element_find("name")) ==
		           SSCARD_ELEM_WITHHELD;
	sscard_basic_free(&b);
	sscard_disconnect(&twin);
	sscard_ctx_free(&ctx);
	return withheld;
}

/* A protected write of the name with a value no shipped card holds. */
static op_result op_write(sscard_card *card, const char *profile, int cold)
{
	sscard_keys *keys = keys_for(profile);
	op_result r = { SSCARD_E_KEYSTORE, -1, "" };
	int written = 0;

	if (keys == NULL)
		return r;
	r.rc = sscard_write_element(card, keys, "name", "王五", &written);
	if (r.rc == SSCARD_OK && written) {
		int withheld = name_withheld(profile);
		long t0 = sscard_card_protocol(card) == 0 ? 1 : 0;
		/* the check: (SELECT) the name; a withheld one once more after
		 * authenticating (cold: SELECT + FCI, READ 01, INTERNAL with its
		 * answer, GET CHALLENGE, EXTERNAL) */
		long check = (cold ? 1 : 0) + 1 +
		             (withheld && cold ? 1 + t0 + 1 + 1 + t0 + 1 + 1 + 1 : 0);
		/* the write: (SELECT + FCI, READ 01 unless the check's
		 * authentication taught them), READ, GET CHALLENGE + EXTERNAL
		 * with the update key, UPDATE, read-back; on a withholding card
		 * the read-back finds the read key's grant gone (3 more) */
		long write = (cold && !withheld ? 1 + t0 + 1 : 0) + 5 + (withheld ? 3 : 0);

		r.minimum = check + write;
	}
	sscard_keys_free(&keys);
	return r;
}

#ifdef BENCH_HAVE_DIAG
/* The probe needs at least the reads of read_basic plus one PIN-tries
 * VERIFY; the minimum is taken from a read_basic on a twin card. */
static op_result op_diagnose(sscard_card *card, const char *profile, int cold)
{
	sscard_diag *d = NULL;
	sscard_ctx *ctx = NULL;
	sscard_card *twin = NULL;
	char reader[4200];
	op_result r = { SSCARD_E_NOMEM, -1, "" }, twin_r = { SSCARD_E_NOMEM, -1, "" };

	(void)cold;
	if (sscard_diag_new(&d) != SSCARD_OK)
		return r;
	r.rc = sscard_diagnose(card, d);
	snprintf(r.note, sizeof(r.note), "  %s, re-reads %u", sscard_verdict_name(sscard_diag_verdict(d)),
	         sscard_diag_retries(d));
	snprintf(reader, sizeof(reader), "sim:%s", profile);
	if (sscard_ctx_new(&ctx) == SSCARD_OK && sscard_connect(ctx, reader, &twin) == SSCARD_OK)
		twin_r = op_read_basic(twin, profile, 1);
	/* a probe cut short by its time budget has no minimum to meet */
	if (r.rc == SSCARD_OK && twin_r.rc == SSCARD_OK && !sscard_diag_has_reason(d, "SLOW"))
		r.minimum = twin_r.minimum + 1;
	sscard_disconnect(&twin);
	sscard_ctx_free(&ctx);
	sscard_diag_free(&d);
	return r;
}
#endif

static const struct {
	const char *name;
	op_fn run;
	op_fn prep; /* run first on the same connection (not counted), or NULL */
} ops[] = {
	{ "read_basic", op_read_basic, NULL },
	{ "read_basic (again)", op_read_basic, op_read_basic },
	{ "pin_tries", op_pin_tries, NULL },
	{ "pin_verify", op_pin_verify, NULL },
	{ "authenticate", op_authenticate, NULL },
	{ "write (cold)", op_write, NULL },
	{ "write (after auth)", op_write, op_authenticate },
#ifdef BENCH_HAVE_DIAG
	{ "diagnose", op_diagnose, NULL },
#endif
};

/* Run op i on a fresh connection to `profile`; print one row. Returns 1
 * when the operation used more APDUs than its minimum. */
static int run_row(sscard_ctx *ctx, const char *profile, size_t i)
{
	char reader[4200];
	sscard_card *card = NULL;
	unsigned long before, used;
	op_result r;
	sscard_rc rc;
	int over;

	snprintf(reader, sizeof(reader), "sim:%s", profile);
	rc = sscard_connect(ctx, reader, &card);
	if (rc != SSCARD_OK) {
		printf("%-22s %-20s %-18s %6s %8s %6s\n", bench_profile_name(profile), ops[i].name,
		       sscard_rc_name(rc), "0", "-", "-");
		return 0;
	}
	if (ops[i].prep != NULL)
		(void)ops[i].prep(card, profile, 1);
	before = sscard_card_apdu_count(card);
	r = ops[i].run(card, profile, ops[i].prep == NULL);
	used = sscard_card_apdu_count(card) - before;
	over = r.minimum >= 0 && (long)used > r.minimum;
	if (r.minimum >= 0)
		printf("%-22s %-20s %-18s %6lu %8ld %6ld%s%s\n", bench_profile_name(profile),
		       ops[i].name, sscard_rc_name(r.rc), used, r.minimum, (long)used - r.minimum,
		       over ? "  <-- above minimum" : "", r.note);
	else
		printf("%-22s %-20s %-18s %6lu %8s %6s%s\n", bench_profile_name(profile), ops[i].name,
		       sscard_rc_name(r.rc), used, "-", "-", r.note);
	sscard_disconnect(&card);
	return over;
}

int main(int argc, char **argv)
{
	const char *dir = bench_cards_dir(argc > 1 ? argv[1] : NULL);
	sscard_ctx *ctx = NULL;
	char **profiles;
	size_t n = bench_profiles(dir, &profiles);
	int above = 0;

	if (n == 0) {
		fprintf(stderr, "bench_apdus: no profiles in %s\n", dir);
		return 1;
	}
	if (sscard_ctx_new(&ctx) != SSCARD_OK || sscard_ctx_new(&keys_ctx) != SSCARD_OK)
		return 1;
	sscard_ctx_set_log_level(ctx, SSCARD_LOG_NONE);
	printf("APDUs per operation (in-process simulator, %zu profiles from %s)\n", n, dir);
	printf("%-22s %-20s %-18s %6s %8s %6s\n", "profile", "operation", "result", "APDUs",
	       "minimum", "extra");
	for (size_t p = 0; p < n; p++)
		for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
			above += run_row(ctx, profiles[p], i);
	printf("operations above their minimum: %d\n", above);
	sscard_ctx_free(&keys_ctx);
	sscard_ctx_free(&ctx);
	bench_list_free(profiles, n);
	return 0;
}
