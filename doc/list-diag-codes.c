/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Prints every diagnosis reason code the library can give, one per line,
 * with the verdict it implies: the 'man-diag-codes' test checks that
 * sscard_diagnose(3) documents each of them. */
#include <stdio.h>

#include <sscard/sscard.h>

int main(void)
{
	const char *code;

	for (size_t i = 0; (code = sscard_diag_code_at(i)) != NULL; i++)
		puts(code);
	return 0;
}
