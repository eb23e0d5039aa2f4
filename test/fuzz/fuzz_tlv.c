/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The record decoder: the one TLV parser (lib/tlv.c) and the element
 * codec (lib/codec.c) on bytes the fuzzer chooses.
 * Input: byte 0 picks the element (index modulo the table), the rest is
 * the record as READ RECORD returned it.
 * Properties: a parsed value lies inside the record and within the
 * element's length; a decoded text is NUL-terminated and, when the
 * encoder accepts it (it may refuse a shape the decoder reads leniently,
 * e.g. a short identification code: validation judges those), encodes to
 * bytes that decode to the same text; walking records end to end always
 * advances and stays inside the buffer.
 */
#include <stdlib.h>
#include <string.h>

#include "elements.h"
#include "tlv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const uint8_t *buf, size_t len)
{
	size_t off = 0;
	sscard_tlv t;
	char detail[160];

	for (;;) {
		size_t before = off;
		sscard_rc rc = sscard_tlv_next(buf, len, &off, &t, detail, sizeof(detail));

		if (rc != SSCARD_OK) {
			if (rc != SSCARD_E_RECORD_NOT_FOUND && rc != SSCARD_E_BAD_DATA)
				abort();
			return;
		}
		if (off <= before || off > len || t.value < buf || t.value + t.len > buf + len)
			abort();
	}
}

static void round_trip(const sscard_element *e, const char *text)
{
	uint8_t enc[256];
	size_t enclen = 0;
	char again[SSCARD_ELEM_TEXT_MAX];

	if (text[0] == '\0')
		return;
	if (sscard_elem_encode(e, text, enc, sizeof(enc), &enclen, NULL, 0) != SSCARD_OK)
		return;
	if (enclen > e->len ||
	    sscard_elem_decode(e, enc, enclen, again, sizeof(again), NULL, 0) != SSCARD_OK ||
	    strcmp(text, again) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const sscard_element *e;
	const uint8_t *rec;
	size_t reclen;
	sscard_tlv t;
	char detail[160], text[SSCARD_ELEM_TEXT_MAX];

	if (size < 1)
		return 0;
	e = sscard_elem_at(data[0] % sscard_elem_count());
	rec = data + 1;
	reclen = size - 1;
	walk(rec, reclen);
	if (sscard_tlv_parse_record(rec, reclen, e->tag, e->len, &t, detail, sizeof(detail)) !=
	    SSCARD_OK)
		return 0;
	if (t.tag != e->tag || t.len > e->len || t.value < rec || t.value + t.len > rec + reclen)
		abort();
	memset(text, 'X', sizeof(text));
	sscard_rc rc = sscard_elem_decode(e, t.value, t.len, text, sizeof(text), detail,
	                                  sizeof(detail));
	if (memchr(text, '\0', sizeof(text)) == NULL)
		abort();
	if (rc != SSCARD_OK) {
		if (text[0] != '\0')
			abort(); /* never a partial string on error */
		return 0;
	}
	round_trip(e, text);
	return 0;
}
