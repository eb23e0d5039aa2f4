/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Validation of the SSSE data elements (design.md s.4): pure functions
 * over decoded display values, no card. Owner: the ssc work (issue #5).
 */
#ifndef SSCARD_VALIDATE_H
#define SSCARD_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#include <sscard/ssc.h>

#include "elements.h"

#define SSCARD_PROBLEMS_MAX 32u
#define SSCARD_PROBLEM_TEXT_MAX 192u

/* Decoded values indexed by sscard_elem_index(). */
typedef struct sscard_elem_values {
	const char *text[SSCARD_ELEM_SLOTS]; /* display text; NULL or "" = absent */
	bool withheld[SSCARD_ELEM_SLOTS];    /* not readable (e.g. access denied):
	                                        no check, not "missing" */
	bool unreadable[SSCARD_ELEM_SLOTS];  /* record malformed (BAD_DATA /
	                                        ENCODING): reported UNREADABLE */
	const char *unreadable_why[SSCARD_ELEM_SLOTS]; /* the card's answer, e.g.
	                                        "READ RECORD 08 (ssn): 6581 memory
	                                        failure"; NULL: "malformed record" */
} sscard_elem_values;

typedef struct sscard_problem {
	const sscard_element *elem;
	sscard_problem_code code;
	bool relation; /* between two elements (not the element on its own) */
	char text[SSCARD_PROBLEM_TEXT_MAX];
} sscard_problem;

typedef struct sscard_problems {
	size_t count;
	sscard_problem item[SSCARD_PROBLEMS_MAX];
} sscard_problems;

/* Check every element and the relations between them; `out` receives at
 * most one problem per element per relation, in table order. Returns
 * SSCARD_OK (valid or not: see out->count) or SSCARD_E_INVALID_ARG. */
sscard_rc sscard_validate_values(const sscard_elem_values *in,
                                 sscard_problems *out);

/* True if x is y or validation judges x and y together (SSN and birth
 * date, SSN and sex, issue and expiry date). */
bool sscard_validate_related(const sscard_element *x, const sscard_element *y);

/*
 * Judge writing `text` into element e over the values `before` (as read
 * from the card): the text must encode (the codec's rc and detail
 * otherwise) and pass the element's own check (SSCARD_E_DATA_INVALID,
 * whatever the flags); the card's data as it would be after the write
 * must have no problem it did not have before (SSCARD_E_DATA_INVALID
 * unless flags has SSCARD_WRITE_FORCE). `detail` names every reason.
 * Elements beyond SSSE's own (DF04) have no rules but the codec's.
 */
sscard_rc sscard_validate_write(const sscard_elem_values *before, const sscard_element *e,
                                const char *text, unsigned flags, char *detail,
                                size_t detailsz);

/* ISO 7064 MOD 11-2 check character ('0'-'9' or 'X') of the first 17
 * digits of a GB 11643-1999 number; 0 if they are not 17 digits. */
char sscard_ssn_check_char(const char *first17);

/* True if "YYYY-MM-DD" is a real Gregorian date (leap years), years
 * 1900-2099. */
bool sscard_date_is_real(const char *ymd);

#endif
