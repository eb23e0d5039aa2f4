/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Benchmark 2 (issue #10): the library's overhead over raw PC/SC.
 * A = sscard_read_basic() on a connected card;
 * B = the very APDUs A sends (captured with the trace callback from a
 *     steady-state read_basic, GET RESPONSEs included), replayed by a
 *     plain loop of SCardTransmit inside SCardBeginTransaction/End (the
 *     library holds the card the same way),
 * through the same pcscd + vpcd + cardsim, in interleaved pairs whose order
 * alternates (AB, BA, ...). Prints medians, 10th/90th percentiles and the
 * ratio A/B (goal: <= 1.05), and the median of the per-pair ratios (less
 * sensitive to load that drifts during the run on a shared machine).
 *
 * Run inside the sandbox: test/integration/sandbox.sh --profile P -- \
 *     build/test/bench/bench_overhead [PAIRS]
 * The reader is $SSCARD_SANDBOX_READER (or the second argument).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <winscard.h>

#include <sscard/sscard.h>

#include "bench_util.h"

#define MAX_APDUS 64
#define APDU_MAX 300

typedef struct capture {
	int on;
	size_t n;
	uint8_t apdu[MAX_APDUS][APDU_MAX];
	size_t len[MAX_APDUS];
} capture;

static void on_trace(void *ud, sscard_trace_dir dir, const char *hex)
{
	capture *c = ud;

	if (!c->on || dir != SSCARD_TRACE_COMMAND || c->n >= MAX_APDUS)
		return;
	if (sscard_hex_decode(hex, c->apdu[c->n], APDU_MAX, &c->len[c->n]) == SSCARD_OK)
		c->n++;
}

typedef struct raw {
	SCARDCONTEXT ctx;
	SCARDHANDLE h;
	DWORD proto;
} raw;

static int raw_open(raw *r, const char *reader)
{
	if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &r->ctx) != SCARD_S_SUCCESS)
		return -1;
	if (SCardConnect(r->ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
	                 &r->h, &r->proto) != SCARD_S_SUCCESS)
		return -1;
	return 0;
}

/* One B run: every captured APDU through SCardTransmit, card held. */
static int raw_run(raw *r, const capture *c)
{
	const SCARD_IO_REQUEST *pci = r->proto == SCARD_PROTOCOL_T1 ? SCARD_PCI_T1 : SCARD_PCI_T0;
	uint8_t resp[258];
	int rc = 0;

	if (SCardBeginTransaction(r->h) != SCARD_S_SUCCESS)
		return -1;
	for (size_t i = 0; i < c->n && rc == 0; i++) {
		DWORD rlen = sizeof(resp);

		if (SCardTransmit(r->h, pci, c->apdu[i], (DWORD)c->len[i], NULL, resp, &rlen) !=
		            SCARD_S_SUCCESS || rlen < 2)
			rc = -1;
	}
	SCardEndTransaction(r->h, SCARD_LEAVE_CARD);
	return rc;
}

static double percentile(const double *sorted, size_t n, double p)
{
	return sorted[(size_t)(p * (double)(n - 1))];
}

int main(int argc, char **argv)
{
	size_t pairs = argc > 1 ? (size_t)atoi(argv[1]) : 1000;
	const char *reader = argc > 2 ? argv[2] : getenv("SSCARD_SANDBOX_READER");
	static capture cap;
	sscard_ctx *ctx = NULL;
	sscard_card *card = NULL;
	sscard_basic *b = NULL;
	raw r = { 0, 0, 0 };
	double *a_ms, *b_ms, *pair, a_med, b_med;
	int failed = 0;

	if (reader == NULL || pairs < 2) {
		fprintf(stderr, "usage: bench_overhead [PAIRS [READER]] (or $SSCARD_SANDBOX_READER)\n");
		return 2;
	}
	a_ms = calloc(pairs, sizeof(*a_ms));
	b_ms = calloc(pairs, sizeof(*b_ms));
	pair = calloc(pairs, sizeof(*pair));
	if (a_ms == NULL || b_ms == NULL || pair == NULL || sscard_ctx_new(&ctx) != SSCARD_OK ||
	    sscard_ctx_set_trace(ctx, on_trace, &cap) != SSCARD_OK ||
	    sscard_connect(ctx, reader, &card) != SSCARD_OK || sscard_basic_new(&b) != SSCARD_OK ||
	    raw_open(&r, reader) != 0) {
		fprintf(stderr, "bench_overhead: cannot connect to \"%s\"\n", reader);
		return 1;
	}
	/* The first read selects SSSE; the steady state (what A repeats) is
	 * the second one: capture that. */
	if (sscard_read_basic(card, b) != SSCARD_OK)
		return 1;
	cap.on = 1;
	if (sscard_read_basic(card, b) != SSCARD_OK || cap.n == 0)
		return 1;
	cap.on = 0;
	for (size_t i = 0; i < pairs && !failed; i++) {
		for (int k = 0; k < 2; k++) {
			int lib_turn = (k == 0) == (i % 2 == 0);
			double t0 = bench_now_ms();

			if (lib_turn)
				failed |= sscard_read_basic(card, b) != SSCARD_OK;
			else
				failed |= raw_run(&r, &cap) != 0;
			(lib_turn ? a_ms : b_ms)[i] = bench_now_ms() - t0;
		}
	}
	if (failed) {
		fprintf(stderr, "bench_overhead: a run failed\n");
		return 1;
	}
	for (size_t i = 0; i < pairs; i++)
		pair[i] = b_ms[i] > 0 ? a_ms[i] / b_ms[i] : 1.0;
	a_med = bench_median(a_ms, pairs);
	b_med = bench_median(b_ms, pairs);
	printf("Library overhead over raw PC/SC (%s, %zu APDUs per run, %zu interleaved pairs)\n",
	       reader, cap.n, pairs);
	printf("%-40s %10s %10s %10s\n", "run", "median ms", "p10 ms", "p90 ms");
	printf("%-40s %10.3f %10.3f %10.3f\n", "A sscard_read_basic()", a_med,
	       percentile(a_ms, pairs, 0.1), percentile(a_ms, pairs, 0.9));
	printf("%-40s %10.3f %10.3f %10.3f\n", "B SCardTransmit loop (same APDUs)", b_med,
	       percentile(b_ms, pairs, 0.1), percentile(b_ms, pairs, 0.9));
	printf("ratio A/B of medians: %.3f (goal <= 1.05); median of per-pair ratios: %.3f;"
	       " per APDU: A %.3f ms, B %.3f ms\n",
	       a_med / b_med, bench_median(pair, pairs), a_med / (double)cap.n,
	       b_med / (double)cap.n);

	SCardDisconnect(r.h, SCARD_LEAVE_CARD);
	SCardReleaseContext(r.ctx);
	sscard_basic_free(&b);
	sscard_disconnect(&card);
	sscard_ctx_free(&ctx);
	free(a_ms);
	free(b_ms);
	free(pair);
	return 0;
}
