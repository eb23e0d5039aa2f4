/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The record parser and the value codec against any bytes a card could
 * send. Input: one byte choosing the element (mod the table size), then
 * the record. Checked: accepted records fit their element, decoded text
 * fits its buffer, and decoding is stable (decode, encode, decode gives
 * the same text). */
#include <stdlib.h>
#include <string.h>

#include "elements.h"
#include "tlv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_round_trip(const sscard_element *e, const char *text)
{
	uint8_t again[SSCARD_ELEM_VALUE_MAX];
	char text2[SSCARD_ELEM_TEXT_MAX];
	size_t n = 0;
	if (sscard_elem_encode(e, text, again, sizeof(again), &n, NULL, 0) != SSCARD_OK)
		return; /* e.g. a short binary value: shown, but not a whole one */
	if (n != e->len)
		abort();
	if (sscard_elem_decode(e, again, n, text2, sizeof(text2), NULL, 0) != SSCARD_OK ||
	    strcmp(text, text2) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const sscard_element *e = sscard_elem_at(data[0] % sscard_elem_count());
	const uint8_t *rec = data + 1;
	size_t reclen = size - 1;
	char detail[256], text[SSCARD_ELEM_TEXT_MAX];
	sscard_tlv t = { 0 };

	if (sscard_tlv_parse_record(rec, reclen, e->tag, e->len, &t, detail, sizeof(detail)) == SSCARD_OK) {
		if (t.len > e->len || reclen != 2u + t.len || t.value != rec + 2)
			abort();
		if (sscard_elem_decode(e, t.value, t.len, text, sizeof(text), detail, sizeof(detail)) == SSCARD_OK) {
			if (strlen(text) >= sizeof(text))
				abort();
			check_round_trip(e, text);
		} else if (text[0] != '\0') {
			abort(); /* never a partial string */
		}
	}
	/* the same bytes as a run of records */
	size_t off = 0;
	while (sscard_tlv_next(rec, reclen, &off, &t, detail, sizeof(detail)) == SSCARD_OK)
		if (off > reclen)
			abort();
	return 0;
}
