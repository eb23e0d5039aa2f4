/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sscard: the social security application SSSE: data elements,
 * validation, PIN. */
#ifndef SSCARD_SSC_H
#define SSCARD_SSC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sscard/card.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- validation problems ---------------------------------------------- */

/* Why an element failed validation. Stable: part of the ABI and of
 * cardtool's JSON (see sscard_problem_name()). */
typedef enum sscard_problem_code {
	SSCARD_PROBLEM_MISSING = 1,    /* a mandatory element is absent or blank */
	SSCARD_PROBLEM_FORMAT = 2,     /* not well-formed for what it holds */
	SSCARD_PROBLEM_DATE = 3,       /* not a real calendar date */
	SSCARD_PROBLEM_CHECK_DIGIT = 4,/* SSN check digit (ISO 7064 MOD 11-2) wrong */
	SSCARD_PROBLEM_BIRTH_MISMATCH = 5, /* birth date differs from the SSN's */
	SSCARD_PROBLEM_SEX_MISMATCH = 6,   /* sex differs from the SSN's 17th digit */
	SSCARD_PROBLEM_EXPIRY_ORDER = 7,   /* expiry date not after issue date */
	SSCARD_PROBLEM_UNREADABLE = 8  /* the card's record is malformed */
} sscard_problem_code;

/* "MISSING", "FORMAT", ...; "UNKNOWN" for other values; never NULL. */
SSCARD_API const char *sscard_problem_name(int code);

#ifdef __cplusplus
}
#endif
#endif
