/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The compat output formatter (iReadCardBas): whatever the card's fields
 * hold (any bytes, any length that fits the struct), the GBK output stays
 * within SSCARD_COMPAT_READCARDBAS_MAX or the call fails with a code. The
 * output buffer is exactly that size, so AddressSanitizer sees one byte
 * too many. */
#include <stdlib.h>
#include <string.h>

#include "compat_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Fill one field from the input: a length byte, then that many bytes. */
static void take(const uint8_t **data, size_t *size, char *field, size_t cap)
{
	size_t n;

	if (*size == 0) {
		field[0] = '\0';
		return;
	}
	n = (*data)[0] % cap;
	(*data)++;
	(*size)--;
	if (n > *size)
		n = *size;
	memcpy(field, *data, n);
	field[n] = '\0';
	*data += n;
	*size -= n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	compat_basic b;
	char *out = malloc(SSCARD_COMPAT_READCARDBAS_MAX);
	char date[SSCARD_COMPAT_DATE_LEN + 1], region[SSCARD_COMPAT_REGION_LEN + 1];
	long code;

	if (out == NULL)
		abort();
	take(&data, &size, b.card_id, sizeof(b.card_id));
	take(&data, &size, b.spec_version, sizeof(b.spec_version));
	take(&data, &size, b.issue_date, sizeof(b.issue_date));
	take(&data, &size, b.expiry_date, sizeof(b.expiry_date));
	take(&data, &size, b.card_number, sizeof(b.card_number));
	take(&data, &size, b.ssn, sizeof(b.ssn));
	take(&data, &size, b.name, sizeof(b.name));
	take(&data, &size, b.historical, sizeof(b.historical));
	take(&data, &size, b.terminal, sizeof(b.terminal));
	code = compat_format_basic(&b, out);
	if (code > 0 || strnlen(out, SSCARD_COMPAT_READCARDBAS_MAX) >= SSCARD_COMPAT_READCARDBAS_MAX)
		abort();
	(void)compat_date(b.issue_date, date);
	(void)compat_region(b.card_id, region);
	free(out);
	return 0;
}
