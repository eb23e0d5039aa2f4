/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Benchmark 5 (issue #10): in-process simulator throughput and the
 * library's peak memory.
 *   - the card model alone: sscard_sim_apdu() answering READ RECORD;
 *   - the same APDU through the library (sscard_transmit on "sim:PATH");
 *   - whole sscard_read_basic() calls per second;
 *   - resident memory: before the first card, after one read_basic, and
 *     after all of them (growth = a leak or an unbounded cache), plus the
 *     process's peak (getrusage ru_maxrss).
 * usage: bench_sim [PROFILE] [SECONDS_PER_FIGURE]
 */
#include <stdio.h>
#include <stdlib.h>

#include <sscard/sscard.h>

#include "bench_util.h"
#include "internal.h"
#include "sim/sim.h"

/* READ RECORD of the card number (tag 07) by SFI 5: 00 B2 07 2C 0B */
static const uint8_t read_card_number[] = { 0x00, 0xB2, 0x07, 0x2C, 0x0B };
static const uint8_t select_ssse[] = { 0x00, 0xA4, 0x04, 0x00, 0x0F, 0x73, 0x78, 0x31, 0x2E,
	                               0x73, 0x68, 0x2E, 0xC9, 0xE7, 0xBB, 0xE1, 0xB1, 0xA3,
	                               0xD5, 0xCF };

typedef int (*step_fn)(void *arg); /* one unit of work; 0 on success */

/* Units of work per second, running `fn` for `seconds`. */
static double rate(step_fn fn, void *arg, double seconds, unsigned long *done)
{
	double start = bench_now_ms(), elapsed;
	unsigned long n = 0;

	do {
		for (int i = 0; i < 100; i++) {
			if (fn(arg) != 0) {
				*done = n;
				return -1.0;
			}
			n++;
		}
		elapsed = bench_now_ms() - start;
	} while (elapsed < seconds * 1000.0);
	*done = n;
	return (double)n / (elapsed / 1000.0);
}

static int model_step(void *arg)
{
	uint8_t r[SSCARD_RBUF_SIZE];
	size_t rlen = sizeof(r);

	return sscard_sim_apdu(arg, read_card_number, sizeof(read_card_number), r, &rlen) ==
	                       SSCARD_OK && rlen == 13 ? 0 : -1;
}

static int library_step(void *arg)
{
	uint8_t r[258];
	size_t rlen = 0;

	return sscard_transmit(arg, read_card_number, sizeof(read_card_number), r, sizeof(r),
	                       &rlen) == SSCARD_OK && rlen == 13 ? 0 : -1;
}

typedef struct basic_arg {
	sscard_card *card;
	sscard_basic *b;
} basic_arg;

static int read_basic_step(void *arg)
{
	basic_arg *a = arg;

	return sscard_read_basic(a->card, a->b) == SSCARD_OK ? 0 : -1;
}

int main(int argc, char **argv)
{
	const char *profile = argc > 1 ? argv[1] : "vectors/cards/healthy-v3.json";
	double seconds = argc > 2 ? atof(argv[2]) : 1.0;
	char err[512] = "", reader[4200];
	sscard_sim *sim = NULL;
	sscard_ctx *ctx = NULL;
	sscard_card *card = NULL;
	basic_arg ba = { NULL, NULL };
	uint8_t atr[SSCARD_ATR_MAX], r[258];
	size_t atrlen = sizeof(atr), rlen = sizeof(r);
	unsigned long n_model, n_lib, n_basic;
	double model, lib, basic;
	long rss_start = bench_rss_kb(), rss_one, rss_end;

	if (sscard_sim_load(profile, &sim, err, sizeof(err)) != SSCARD_OK ||
	    sscard_sim_power_on(sim, 1, atr, &atrlen) != SSCARD_OK ||
	    sscard_sim_apdu(sim, select_ssse, sizeof(select_ssse), r, &rlen) != SSCARD_OK) {
		fprintf(stderr, "bench_sim: %s: cannot load or select (%s)\n", profile, err);
		return 1;
	}
	snprintf(reader, sizeof(reader), "sim:%s", profile);
	if (sscard_ctx_new(&ctx) != SSCARD_OK || sscard_connect(ctx, reader, &card) != SSCARD_OK ||
	    sscard_basic_new(&ba.b) != SSCARD_OK ||
	    sscard_transmit(card, select_ssse, sizeof(select_ssse), r, sizeof(r), &rlen) !=
	            SSCARD_OK) {
		fprintf(stderr, "bench_sim: %s: cannot connect\n", profile);
		return 1;
	}
	ba.card = card;
	if (read_basic_step(&ba) != 0) {
		fprintf(stderr, "bench_sim: read_basic fails on %s\n", profile);
		return 1;
	}
	rss_one = bench_rss_kb();
	model = rate(model_step, sim, seconds, &n_model);
	lib = rate(library_step, card, seconds, &n_lib);
	basic = rate(read_basic_step, &ba, seconds, &n_basic);
	rss_end = bench_rss_kb();

	printf("In-process simulator throughput (%s, %.1f s per figure)\n", profile, seconds);
	printf("%-44s %12s %12s\n", "what", "per second", "count");
	printf("%-44s %12.0f %12lu\n", "card model: READ RECORD (sscard_sim_apdu)", model, n_model);
	printf("%-44s %12.0f %12lu\n", "library: READ RECORD (sscard_transmit, sim:)", lib, n_lib);
	printf("%-44s %12.0f %12lu\n", "library: sscard_read_basic (sim:)", basic, n_basic);
	printf("\nMemory (KiB)\n");
	printf("%-44s %12ld\n", "RSS at start", rss_start);
	printf("%-44s %12ld\n", "RSS after connect + 1 read_basic", rss_one);
	printf("%-44s %12ld\n", "RSS after all of the above", rss_end);
	printf("%-44s %12ld\n", "growth over the run", rss_end - rss_one);
	printf("%-44s %12ld\n", "peak RSS (ru_maxrss)", bench_peak_rss_kb());

	sscard_basic_free(&ba.b);
	sscard_disconnect(&card);
	sscard_ctx_free(&ctx);
	sscard_sim_free(&sim);
	return model > 0 && lib > 0 && basic > 0 ? 0 : 1;
}
