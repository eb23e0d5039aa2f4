/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Benchmark 4 (issue #10): time to verdict for every shipped profile,
 * faulty ones above all (a mute card must be judged in under 3 s).
 * For each profile, in-process ("sim:PATH") and through pcscd + vpcd +
 * cardsim (a cardsim of our own on the sandbox's second reader, started
 * fresh for each measurement):
 *   - time to the result of connect + sscard_read_basic() (the error a
 *     kiosk gets, or OK);
 *   - with the diagnosis built in: time of sscard_diagnose_reader() and
 *     its verdict.
 * Wall time from the call to its return, milliseconds.
 *
 * Run inside the sandbox: test/integration/sandbox.sh --profile P -- \
 *     build/test/bench/bench_verdict [CARDS_DIR]
 * Rows that took 3 s or more are marked. Exit 1 when a dead-card result
 * (MUTE, NO_CARD, CARD_REMOVED, or a diagnosis of a mute profile) took 3 s
 * or more: a slow card's own latency is a figure, a slow verdict on a
 * dead card is a failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sscard/sscard.h>
#ifdef BENCH_HAVE_DIAG
#include <sscard/diag.h>
#endif

#include "bench_pcsc.h"
#include "bench_util.h"

#define LIMIT_MS 3000.0

typedef struct timing {
	const char *result;
	double ms;
} timing;

static timing time_read_basic(sscard_ctx *ctx, const char *reader)
{
	sscard_card *card = NULL;
	sscard_basic *b = NULL;
	double t0 = bench_now_ms();
	sscard_rc rc = sscard_connect(ctx, reader, &card);
	timing t;

	if (rc == SSCARD_OK && (rc = sscard_basic_new(&b)) == SSCARD_OK)
		rc = sscard_read_basic(card, b);
	t.ms = bench_now_ms() - t0;
	t.result = sscard_rc_name(rc);
	sscard_basic_free(&b);
	sscard_disconnect(&card);
	return t;
}

#ifdef BENCH_HAVE_DIAG
static timing time_diagnose(sscard_ctx *ctx, const char *reader)
{
	sscard_diag *d = NULL;
	timing t = { "NOMEM", 0.0 };
	double t0;
	sscard_rc rc;

	if (sscard_diag_new(&d) != SSCARD_OK)
		return t;
	t0 = bench_now_ms();
	rc = sscard_diagnose_reader(ctx, reader, d);
	t.ms = bench_now_ms() - t0;
	t.result = rc == SSCARD_OK ? sscard_verdict_name(sscard_diag_verdict(d)) : sscard_rc_name(rc);
	sscard_diag_free(&d);
	return t;
}
#endif

typedef timing (*measure_fn)(sscard_ctx *ctx, const char *reader);

/* One measurement through pcscd on a freshly inserted card. */
static timing through_pcsc(sscard_ctx *ctx, const char *profile, measure_fn fn)
{
	const char *reader = getenv("SSCARD_SANDBOX_READER2");
	pid_t pid = bench_cardsim_start(profile, bench_sandbox_port() + 1, NULL);
	timing t = { "CARDSIM", 0.0 };

	if (pid < 0 || reader == NULL)
		return t;
	/* A card without an ATR shows as an empty reader: then measure what
	 * the caller gets from the empty reader. */
	(void)bench_reader_wait(reader, 1, 2000);
	t = fn(ctx, reader);
	bench_cardsim_stop(pid);
	(void)bench_reader_wait(reader, 0, 3000);
	return t;
}

static int dead_card_result(const char *profile, const timing *t, int diagnose)
{
	static const char *const dead[] = { "MUTE", "NO_CARD", "CARD_REMOVED" };

	if (diagnose)
		return strstr(bench_profile_name(profile), "mute") != NULL;
	for (size_t i = 0; i < sizeof(dead) / sizeof(dead[0]); i++)
		if (strcmp(t->result, dead[i]) == 0)
			return 1;
	return 0;
}

static int row(sscard_ctx *ctx, const char *profile, const char *what, measure_fn fn)
{
	int diagnose = strcmp(what, "diagnose") == 0;
	char sim[4200];
	timing in, pc;

	snprintf(sim, sizeof(sim), "sim:%s", profile);
	in = fn(ctx, sim);
	pc = through_pcsc(ctx, profile, fn);
	printf("%-18s %-12s %-16s %9.1f   %-16s %9.1f%s\n", bench_profile_name(profile), what,
	       in.result, in.ms, pc.result, pc.ms,
	       in.ms >= LIMIT_MS || pc.ms >= LIMIT_MS ? "  <-- 3 s or more" : "");
	return (in.ms >= LIMIT_MS && dead_card_result(profile, &in, diagnose)) ||
	       (pc.ms >= LIMIT_MS && dead_card_result(profile, &pc, diagnose));
}

int main(int argc, char **argv)
{
	const char *dir = bench_cards_dir(argc > 1 ? argv[1] : NULL);
	sscard_ctx *ctx = NULL;
	char **profiles;
	size_t n = bench_profiles(dir, &profiles);
	int late = 0;

	if (n == 0 || bench_sandbox_port() == 0 || sscard_ctx_new(&ctx) != SSCARD_OK) {
		fprintf(stderr, "bench_verdict: needs profiles and the sandbox (see the header)\n");
		return 2;
	}
	sscard_ctx_set_log_level(ctx, SSCARD_LOG_NONE);
	printf("Time to result per profile (ms): in-process sim: vs pcscd+vpcd+cardsim\n");
	printf("%-18s %-12s %-16s %9s   %-16s %9s\n", "profile", "operation", "sim: result", "ms",
	       "PC/SC result", "ms");
	for (size_t i = 0; i < n; i++) {
		late += row(ctx, profiles[i], "read_basic", time_read_basic);
#ifdef BENCH_HAVE_DIAG
		late += row(ctx, profiles[i], "diagnose", time_diagnose);
#endif
	}
	printf("dead-card results at 3 s or more: %d\n", late);
	sscard_ctx_free(&ctx);
	bench_list_free(profiles, n);
	return late == 0 ? 0 : 1;
}
