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
 *
 * usage: bench_apdus [CARDS_DIR]   (default $SSCARD_VECTORS/cards)
 * Rows above their minimum are marked; the exit status is 0 whenever the
 * table could be produced (a figure, not a pass/fail test).
 */
#include <stdio.h>
#include <string.h>

#include <sscard/sscard.h>
#ifdef BENCH_HAVE_DIAG
#include <sscard/diag.h>
#endif

#include "bench_util.h"

typedef struct op_result {
	sscard_rc rc;
	long minimum; /* -1: not defined (the operation did not complete) */
} op_result;

typedef op_result (*op_fn)(sscard_card *card, const char *profile, int cold);

/* The 3.0-only element (design.md s.4: tag 4E) on a card below 3.00. */
static int not_on_this_version(const sscard_basic *b, size_t i)
{
	const char *version = sscard_basic_get(b, "spec_version");

	return strcmp(sscard_element_key(i), "name_ext") == 0 && version != NULL &&
	       version[0] >= '0' && version[0] < '3';
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
		n++;
		if (why == SSCARD_E_SECURITY || why == SSCARD_E_FILE_NOT_FOUND)
			refused_file = file;
	}
	return n;
}

static op_result op_read_basic(sscard_card *card, const char *profile, int cold)
{
	sscard_basic *b = NULL;
	op_result r = { SSCARD_E_NOMEM, -1 };

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
	op_result r;

	(void)profile;
	r.rc = sscard_pin_tries(card, &tries);
	r.minimum = r.rc == SSCARD_OK ? (cold ? 2 : 1) : -1;
	return r;
}

static op_result op_pin_verify(sscard_card *card, const char *profile, int cold)
{
	char pin[32] = "";
	int tries = -1;
	op_result r = { SSCARD_E_INVALID_ARG, -1 };

	if (bench_profile_pin(profile, pin, sizeof(pin)) != 0)
		return r;
	r.rc = sscard_pin_verify(card, pin, &tries);
	/* Wrong or blocked PIN still took exactly one VERIFY. */
	if (r.rc == SSCARD_OK || r.rc == SSCARD_E_WRONG_PIN || r.rc == SSCARD_E_PIN_BLOCKED)
		r.minimum = cold ? 2 : 1;
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
	op_result r = { SSCARD_E_NOMEM, -1 }, twin_r = { SSCARD_E_NOMEM, -1 };

	(void)cold;
	if (sscard_diag_new(&d) != SSCARD_OK)
		return r;
	r.rc = sscard_diagnose(card, d);
	snprintf(reader, sizeof(reader), "sim:%s", profile);
	if (sscard_ctx_new(&ctx) == SSCARD_OK && sscard_connect(ctx, reader, &twin) == SSCARD_OK)
		twin_r = op_read_basic(twin, profile, 1);
	if (r.rc == SSCARD_OK && twin_r.rc == SSCARD_OK)
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
	int warm; /* run after a read_basic on the same connection */
} ops[] = {
	{ "read_basic", op_read_basic, 0 },
	{ "read_basic (again)", op_read_basic, 1 },
	{ "pin_tries", op_pin_tries, 0 },
	{ "pin_verify", op_pin_verify, 0 },
#ifdef BENCH_HAVE_DIAG
	{ "diagnose", op_diagnose, 0 },
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
	if (ops[i].warm)
		(void)op_read_basic(card, profile, 1);
	before = sscard_card_apdu_count(card);
	r = ops[i].run(card, profile, !ops[i].warm);
	used = sscard_card_apdu_count(card) - before;
	over = r.minimum >= 0 && (long)used > r.minimum;
	if (r.minimum >= 0)
		printf("%-22s %-20s %-18s %6lu %8ld %6ld%s\n", bench_profile_name(profile),
		       ops[i].name, sscard_rc_name(r.rc), used, r.minimum, (long)used - r.minimum,
		       over ? "  <-- above minimum" : "");
	else
		printf("%-22s %-20s %-18s %6lu %8s %6s\n", bench_profile_name(profile), ops[i].name,
		       sscard_rc_name(r.rc), used, "-", "-");
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
	if (sscard_ctx_new(&ctx) != SSCARD_OK)
		return 1;
	sscard_ctx_set_log_level(ctx, SSCARD_LOG_NONE);
	printf("APDUs per operation (in-process simulator, %zu profiles from %s)\n", n, dir);
	printf("%-22s %-20s %-18s %6s %8s %6s\n", "profile", "operation", "result", "APDUs",
	       "minimum", "extra");
	for (size_t p = 0; p < n; p++)
		for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
			above += run_row(ctx, profiles[p], i);
	printf("operations above their minimum: %d\n", above);
	sscard_ctx_free(&ctx);
	bench_list_free(profiles, n);
	return 0;
}
