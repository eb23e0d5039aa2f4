/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one strict parser of the card's records `tag(1) len(1) value`
 * (design.md s.4). The library, the simulator and the fuzzers all use it.
 * Owner: the ssc work (issue #5).
 */
#ifndef SSCARD_TLV_H
#define SSCARD_TLV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sscard/rc.h>

typedef struct sscard_tlv {
	uint8_t tag;
	uint8_t len;
	const uint8_t *value; /* points into the parsed buffer */
} sscard_tlv;

/*
 * Parse a record read for `want_tag`: exactly one `tag len value`, the tag
 * equal to want_tag, len <= maxlen (the element's length), the value
 * wholly inside the record and nothing after it. Anything else is
 * SSCARD_E_BAD_DATA with `detail` (may be NULL) naming the tag asked for
 * and what was wrong ("record 08: length 19 exceeds the element's 18").
 */
sscard_rc sscard_tlv_parse_record(const uint8_t *rec, size_t reclen,
                                  uint8_t want_tag, size_t maxlen,
                                  sscard_tlv *out, char *detail,
                                  size_t detailsz);

/*
 * Walk records laid end to end (a READ RECORD "all records" answer or a
 * file image): parse the record at *off, check its value lies inside the
 * buffer and, when the tag is a known element (elements.h), that len is
 * within that element's length; advance *off past it. Returns SSCARD_OK
 * with a record, SSCARD_E_RECORD_NOT_FOUND at the end (*off == len), or
 * SSCARD_E_BAD_DATA naming the tag and offset.
 */
sscard_rc sscard_tlv_next(const uint8_t *buf, size_t len, size_t *off,
                          sscard_tlv *out, char *detail, size_t detailsz);

/*
 * Find `tag` (one or two bytes, e.g. 0x86 or 0x9F0C) in BER-TLV data such
 * as an FCI, looking inside constructed tags and 9F0C (at most 4 levels).
 * Every length is checked against the buffer; malformed data is simply
 * "not found". On true, value and vlen point into buf.
 */
bool sscard_ber_find(const uint8_t *buf, size_t len, unsigned tag, const uint8_t **value,
                     size_t *vlen);

#endif
