/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Strict record parser. A card is an adversary: every length it sends is
 * checked against the buffer and against the element table before a byte
 * of the value is looked at.
 */
#include "tlv.h"

#include "elements.h"

/* Header and value bounds of the record at buf[0..avail). */
static sscard_rc parse_one(const uint8_t *buf, size_t avail, size_t at,
                           sscard_tlv *out, char *detail, size_t detailsz)
{
	if (avail < 2)
		return sscard_detailf(detail, detailsz, SSCARD_E_BAD_DATA,
		                      "record at offset %zu: %zu byte%s, a record needs tag and length",
		                      at, avail, avail == 1 ? "" : "s");
	size_t len = buf[1];
	if (len > avail - 2)
		return sscard_detailf(detail, detailsz, SSCARD_E_BAD_DATA,
		                      "record %02X: length %zu but only %zu value bytes (truncated)",
		                      buf[0], len, avail - 2);
	out->tag = buf[0];
	out->len = buf[1];
	out->value = buf + 2;
	return SSCARD_OK;
}

sscard_rc sscard_tlv_parse_record(const uint8_t *rec, size_t reclen,
                                  uint8_t want_tag, size_t maxlen,
                                  sscard_tlv *out, char *detail,
                                  size_t detailsz)
{
	if ((rec == NULL && reclen > 0) || out == NULL)
		return SSCARD_E_INVALID_ARG;
	if (reclen >= 1 && rec[0] != want_tag)
		return sscard_detailf(detail, detailsz, SSCARD_E_BAD_DATA,
		                      "record %02X: the card answered with tag %02X",
		                      want_tag, rec[0]);
	sscard_tlv t;
	if (reclen < 2)
		return sscard_detailf(detail, detailsz, SSCARD_E_BAD_DATA,
		                      "record %02X: %zu byte%s, a record needs tag and length",
		                      want_tag, reclen, reclen == 1 ? "" : "s");
	/* the element's maximum first: an overlong length is the card's
	 * fault whether or not the bytes behind it came */
	if (rec[1] > maxlen)
		return sscard_detailf(detail, detailsz, SSCARD_E_BAD_DATA,
		                      "record %02X: length %u exceeds the element's %zu",
		                      want_tag, rec[1], maxlen);
	sscard_rc rc = parse_one(rec, reclen, 0, &t, detail, detailsz);
	if (rc != SSCARD_OK)
		return rc;
	if (reclen != 2u + t.len)
		return sscard_detailf(detail, detailsz, SSCARD_E_BAD_DATA,
		                      "record %02X: %zu bytes after the value",
		                      want_tag, reclen - 2u - t.len);
	*out = t;
	return SSCARD_OK;
}

sscard_rc sscard_tlv_next(const uint8_t *buf, size_t len, size_t *off,
                          sscard_tlv *out, char *detail, size_t detailsz)
{
	if ((buf == NULL && len > 0) || off == NULL || out == NULL || *off > len)
		return SSCARD_E_INVALID_ARG;
	if (*off == len)
		return SSCARD_E_RECORD_NOT_FOUND;
	sscard_tlv t;
	sscard_rc rc = parse_one(buf + *off, len - *off, *off, &t, detail, detailsz);
	if (rc != SSCARD_OK)
		return rc;
	const sscard_element *e = sscard_elem_by_tag(t.tag);
	if (e != NULL && t.len > e->len)
		return sscard_detailf(detail, detailsz, SSCARD_E_BAD_DATA,
		                      "record %02X at offset %zu: length %u exceeds the element's %u",
		                      t.tag, *off, t.len, e->len);
	*off += 2u + t.len;
	*out = t;
	return SSCARD_OK;
}

/* ---- BER-TLV (ISO 7816-4 FCI) ------------------------------------------- */

/* One BER-TLV header at *off: tag (1 or 2 bytes), length (1..3 bytes). */
static bool ber_header(const uint8_t *buf, size_t len, size_t *off, unsigned *tag,
                       size_t *vlen)
{
	size_t o = *off;

	if (o >= len)
		return false;
	*tag = buf[o++];
	if ((*tag & 0x1Fu) == 0x1Fu) { /* two-byte tag (9F0C) */
		if (o >= len || (buf[o] & 0x80u))
			return false; /* longer tags: none in a card's FCI */
		*tag = (*tag << 8) | buf[o++];
	}
	if (o >= len)
		return false;
	if (buf[o] < 0x80u) {
		*vlen = buf[o++];
	} else if (buf[o] == 0x81u && o + 1 < len) {
		*vlen = buf[o + 1];
		o += 2;
	} else if (buf[o] == 0x82u && o + 2 < len) {
		*vlen = (size_t)buf[o + 1] << 8 | buf[o + 2];
		o += 3;
	} else {
		return false;
	}
	if (*vlen > len - o)
		return false;
	*off = o;
	return true;
}

/* Whether a tag's value is itself TLVs: constructed tags, and 9F0C, the
 * proprietary data in which social security cards put their algorithm
 * (design.md s.8). */
static bool ber_nests(unsigned tag)
{
	unsigned first = tag > 0xFFu ? tag >> 8 : tag;

	return (first & 0x20u) != 0 || tag == 0x9F0Cu;
}

static bool ber_find_depth(const uint8_t *buf, size_t len, unsigned want,
                           const uint8_t **value, size_t *vlen, unsigned depth)
{
	size_t off = 0, n = 0;
	unsigned tag = 0;

	if (depth > 4)
		return false;
	while (off < len && ber_header(buf, len, &off, &tag, &n)) {
		if (tag == want) {
			*value = buf + off;
			*vlen = n;
			return true;
		}
		if (ber_nests(tag) && ber_find_depth(buf + off, n, want, value, vlen, depth + 1))
			return true;
		off += n;
	}
	return false;
}

bool sscard_ber_find(const uint8_t *buf, size_t len, unsigned tag, const uint8_t **value,
                     size_t *vlen)
{
	if (!buf || !value || !vlen)
		return false;
	return ber_find_depth(buf, len, tag, value, vlen, 0);
}
