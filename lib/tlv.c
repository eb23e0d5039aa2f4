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
