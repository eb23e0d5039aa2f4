/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * diagnose: what a service counter's program does with a card the holder
 * says "does not work": run the read-only probe, print the verdict and,
 * for each reason, what was found and what the counter must do.
 *
 *   cc diagnose.c -o diagnose $(pkg-config --cflags --libs sscard)
 *   ./diagnose                 # first reader holding a card
 *   ./diagnose sim:healthy-v3.json
 *
 * Exit status: the verdict (0 OK, 1 ATTENTION, 2 REPLACE, 3 NOT_SSC or
 * NO_CARD), 4 when there was nothing to diagnose (no pcscd, no reader).
 */
#include <stdio.h>

#include <sscard/sscard.h>

int main(int argc, char **argv)
{
	const char *reader = argc > 1 ? argv[1] : NULL;
	sscard_ctx *ctx = NULL;
	sscard_diag *d = NULL;
	sscard_rc rc;
	int status = 4;

	if (sscard_ctx_new(&ctx) != SSCARD_OK || sscard_diag_new(&d) != SSCARD_OK)
		goto out;
	rc = sscard_diagnose_reader(ctx, reader, d);
	if (rc != SSCARD_OK) {
		fprintf(stderr, "diagnose: %s / %s\n", sscard_strerror(rc), sscard_strerror_zh(rc));
		goto out;
	}
	sscard_verdict v = sscard_diag_verdict(d);
	printf("verdict: %s\n", sscard_verdict_name(v));
	for (size_t i = 0; i < sscard_diag_reason_count(d); i++) {
		printf("  %-14s %s\n", sscard_diag_reason_code(d, i), sscard_diag_reason_detail(d, i));
		printf("  %-14s -> %s / %s\n", "", sscard_diag_reason_action(d, i),
		       sscard_diag_reason_action_zh(d, i));
	}
	printf("%lu APDUs, %u ms\n", sscard_diag_apdu_count(d), sscard_diag_elapsed_ms(d));
	status = v == SSCARD_VERDICT_NO_CARD ? 3 : (int)v;
out:
	sscard_diag_free(&d);
	sscard_ctx_free(&ctx);
	return status;
}
