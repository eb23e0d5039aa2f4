/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A scripted in-process transport for unit tests: each step names the
 * C-APDU the test expects and the R-APDU (or transport error) to answer. */
#ifndef SCRIPT_CARD_H
#define SCRIPT_CARD_H

#include <sscard/sscard.h>

typedef struct script_step {
	const char *expect; /* C-APDU hex the library must send (NULL: any) */
	const char *answer; /* R-APDU hex to return */
	sscard_rc error;    /* non-zero: return this transport error instead */
} script_step;

/* Connect a card whose transport plays `steps` (n of them) in order; the
 * test fails (cmocka) on any unexpected command or an extra one. */
sscard_card *script_card_connect(sscard_ctx *ctx, const script_step *steps, size_t n);

#endif
