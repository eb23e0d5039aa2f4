/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Value codec: an element's card bytes <-> UTF-8 display text, driven by
 * the element's format (elements.c). GBK goes through glibc's iconv.
 *
 * What glibc's "GBK" converter does with text outside GBK (measured on
 * Debian 12, glibc 2.36): U+4DAE 䶮 (CJK extension A) makes iconv() fail
 * with EILSEQ at that character; it is NOT transliterated or replaced, and
 * GB18030's FE 9F for it is itself rejected when decoding GBK. We report
 * SSCARD_E_ENCODING naming the code point. U+20AC € maps to the single
 * byte 80 (the CP936 extension) and back.
 */
#include "elements.h"
#include "internal.h"

#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

sscard_rc sscard_detailf(char *detail, size_t detailsz, sscard_rc rc,
                         const char *fmt, ...)
{
	if (detail != NULL && detailsz > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(detail, detailsz, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* ---- UTF-8 / GBK ---------------------------------------------------------- */

/* Length of the strict UTF-8 sequence at s (n bytes available) and its
 * code point, or 0 if the bytes there are not valid UTF-8. Only used to
 * name the character iconv stopped at. */
static size_t utf8_decode_one(const uint8_t *s, size_t n, uint32_t *cp)
{
	static const struct { uint8_t mask, lead; size_t len; uint32_t min; } forms[] = {
		{ 0x80, 0x00, 1, 0x0 }, { 0xE0, 0xC0, 2, 0x80 },
		{ 0xF0, 0xE0, 3, 0x800 }, { 0xF8, 0xF0, 4, 0x10000 },
	};
	for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
		if ((s[0] & forms[f].mask) != forms[f].lead)
			continue;
		size_t len = forms[f].len;
		if (len > n)
			return 0;
		uint32_t c = s[0] & (uint8_t)~forms[f].mask;
		for (size_t i = 1; i < len; i++) {
			if ((s[i] & 0xC0) != 0x80)
				return 0;
			c = (c << 6) | (s[i] & 0x3Fu);
		}
		if (c < forms[f].min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
			return 0;
		*cp = c;
		return len;
	}
	return 0;
}

typedef struct conv_result {
	size_t outlen;
	size_t stop;   /* input offset where conversion stopped */
	int err;       /* 0, EILSEQ, EINVAL (incomplete), E2BIG */
} conv_result;

/* One whole-buffer conversion. Returns SSCARD_E_INTERNAL only if iconv
 * lacks the charset; conversion problems are in r->err. */
static sscard_rc convert(const char *to, const char *from, const uint8_t *in,
                         size_t inlen, uint8_t *out, size_t outsz, conv_result *r)
{
	iconv_t cd = iconv_open(to, from);
	if (cd == (iconv_t)-1)
		return SSCARD_E_INTERNAL;
	char *ip = (char *)(uintptr_t)in, *op = (char *)out;
	size_t il = inlen, ol = outsz;
	r->err = 0;
	if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1)
		r->err = errno;
	else if (iconv(cd, NULL, NULL, &op, &ol) == (size_t)-1)
		r->err = errno;
	iconv_close(cd);
	r->outlen = outsz - ol;
	r->stop = inlen - il;
	return SSCARD_OK;
}

/* C0 controls and DEL are refused in display text: a card must not be
 * able to drive the terminal that shows its data. */
static const void *find_control(const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] == 0x7F)
			return &s[i];
	return NULL;
}

sscard_rc sscard_utf8_to_gbk(const char *utf8, uint8_t *out, size_t outsz,
                             size_t *outlen, char *detail, size_t detailsz)
{
	if (utf8 == NULL || out == NULL || outlen == NULL)
		return SSCARD_E_INVALID_ARG;
	const uint8_t *in = (const uint8_t *)utf8;
	size_t inlen = strlen(utf8);
	const uint8_t *ctl = find_control(in, inlen);
	if (ctl != NULL)
		return sscard_detailf(detail, detailsz, SSCARD_E_ENCODING,
		                      "control character 0x%02X at byte %zu",
		                      *ctl, (size_t)(ctl - in));
	conv_result r;
	sscard_rc rc = convert("GBK", "UTF-8", in, inlen, out, outsz, &r);
	if (rc != SSCARD_OK)
		return sscard_detailf(detail, detailsz, rc, "iconv has no GBK converter");
	*outlen = r.outlen;
	if (r.err == 0)
		return SSCARD_OK;
	if (r.err == E2BIG)
		return sscard_detailf(detail, detailsz, SSCARD_E_BUFFER_TOO_SMALL,
		                      "more than %zu bytes in GBK", outsz);
	uint32_t cp;
	size_t clen = utf8_decode_one(in + r.stop, inlen - r.stop, &cp);
	if (r.err == EILSEQ && clen > 0)
		return sscard_detailf(detail, detailsz, SSCARD_E_ENCODING,
		                      "U+%04X '%.*s' is not in GBK", (unsigned)cp,
		                      (int)clen, (const char *)(in + r.stop));
	return sscard_detailf(detail, detailsz, SSCARD_E_ENCODING,
	                      "invalid UTF-8 at byte %zu", r.stop);
}

sscard_rc sscard_gbk_to_utf8(const uint8_t *gbk, size_t len, char *out,
                             size_t outsz, char *detail, size_t detailsz)
{
	if ((gbk == NULL && len > 0) || out == NULL || outsz == 0)
		return SSCARD_E_INVALID_ARG;
	out[0] = '\0';
	const uint8_t *ctl = find_control(gbk, len);
	if (ctl != NULL)
		return sscard_detailf(detail, detailsz, SSCARD_E_ENCODING,
		                      "control character 0x%02X at offset %zu",
		                      *ctl, (size_t)(ctl - gbk));
	conv_result r;
	sscard_rc rc = convert("UTF-8", "GBK", gbk, len, (uint8_t *)out, outsz - 1, &r);
	if (rc != SSCARD_OK)
		return sscard_detailf(detail, detailsz, rc, "iconv has no GBK converter");
	if (r.err == 0) {
		out[r.outlen] = '\0';
		return SSCARD_OK;
	}
	out[0] = '\0';
	if (r.err == E2BIG)
		return sscard_detailf(detail, detailsz, SSCARD_E_BUFFER_TOO_SMALL,
		                      "text longer than %zu bytes", outsz - 1);
	if (r.err == EINVAL)
		return sscard_detailf(detail, detailsz, SSCARD_E_ENCODING,
		                      "truncated GBK character at offset %zu", r.stop);
	return sscard_detailf(detail, detailsz, SSCARD_E_ENCODING,
	                      "invalid GBK byte sequence at offset %zu (%02X%s%02X)",
	                      r.stop, gbk[r.stop], r.stop + 1 < len ? " " : "",
	                      r.stop + 1 < len ? gbk[r.stop + 1] : 0u);
}

/* ---- padding -------------------------------------------------------------- */

static uint8_t pad_byte(sscard_format fmt)
{
	return fmt == SSCARD_FMT_CN || fmt == SSCARD_FMT_CN_DATE ||
	       fmt == SSCARD_FMT_GBK_FF ? 0xFF : 0x00;
}

static bool all_bytes(const uint8_t *v, size_t len, uint8_t b)
{
	for (size_t i = 0; i < len; i++)
		if (v[i] != b)
			return false;
	return true;
}

/* What blank cards carry: nothing, or only 00 or only FF. */
static bool is_blank(const uint8_t *v, size_t len)
{
	return len == 0 || all_bytes(v, len, 0x00) || all_bytes(v, len, 0xFF);
}

static size_t strip_trailing(const uint8_t *v, size_t len, uint8_t pad)
{
	while (len > 0 && v[len - 1] == pad)
		len--;
	return len;
}

/* ---- decoding ------------------------------------------------------------- */

typedef sscard_rc (*decode_fn)(const sscard_element *e, const uint8_t *v,
                               size_t len, char *out, size_t outsz,
                               char *detail, size_t detailsz);

static sscard_rc too_small(const sscard_element *e, char *detail, size_t detailsz)
{
	return sscard_detailf(detail, detailsz, SSCARD_E_BUFFER_TOO_SMALL,
	                      "%s: output buffer too small", e->key);
}

static sscard_rc decode_b(const sscard_element *e, const uint8_t *v, size_t len,
                          char *out, size_t outsz, char *detail, size_t detailsz)
{
	if (outsz < 2 * len + 1)
		return too_small(e, detail, detailsz);
	sscard_hex_encode(v, len, out, outsz);
	return SSCARD_OK;
}

static sscard_rc decode_an(const sscard_element *e, const uint8_t *v, size_t len,
                           char *out, size_t outsz, char *detail, size_t detailsz)
{
	len = strip_trailing(v, len, 0x00);
	for (size_t i = 0; i < len; i++)
		if (v[i] < 0x20 || v[i] > 0x7E)
			return sscard_detailf(detail, detailsz, SSCARD_E_ENCODING,
			                      "%s (tag %02X): byte 0x%02X at offset %zu is not printable ASCII",
			                      e->key, e->tag, v[i], i);
	if (outsz < len + 1)
		return too_small(e, detail, detailsz);
	memcpy(out, v, len);
	out[len] = '\0';
	return SSCARD_OK;
}

/* BCD digits up to the first F nibble; only F nibbles may follow. */
static sscard_rc decode_cn(const sscard_element *e, const uint8_t *v, size_t len,
                           char *out, size_t outsz, char *detail, size_t detailsz)
{
	size_t n = 0;
	bool padding = false;
	for (size_t i = 0; i < 2 * len; i++) {
		unsigned nib = (i % 2 == 0) ? v[i / 2] >> 4 : v[i / 2] & 0x0Fu;
		if (nib == 0xF) {
			padding = true;
			continue;
		}
		if (nib > 9 || padding)
			return sscard_detailf(detail, detailsz, SSCARD_E_BAD_DATA,
			                      "%s (tag %02X): %s nibble %X at digit %zu",
			                      e->key, e->tag, nib > 9 ? "non-BCD" : "digit after F padding,",
			                      nib, i + 1);
		if (n + 1 >= outsz)
			return too_small(e, detail, detailsz);
		out[n++] = (char)('0' + nib);
	}
	out[n] = '\0';
	return SSCARD_OK;
}

static sscard_rc decode_date(const sscard_element *e, const uint8_t *v, size_t len,
                             char *out, size_t outsz, char *detail, size_t detailsz)
{
	char digits[2 * SSCARD_ELEM_VALUE_MAX + 1];
	sscard_rc rc = decode_cn(e, v, len, digits, sizeof(digits), detail, detailsz);
	if (rc != SSCARD_OK)
		return rc;
	if (strlen(digits) != 8)
		return sscard_detailf(detail, detailsz, SSCARD_E_BAD_DATA,
		                      "%s (tag %02X): date has %zu digits, not 8 (YYYYMMDD)",
		                      e->key, e->tag, strlen(digits));
	if (outsz < sizeof("YYYY-MM-DD"))
		return too_small(e, detail, detailsz);
	snprintf(out, outsz, "%.4s-%.2s-%.2s", digits, digits + 4, digits + 6);
	return SSCARD_OK;
}

static sscard_rc decode_gbk(const sscard_element *e, const uint8_t *v, size_t len,
                            char *out, size_t outsz, char *detail, size_t detailsz)
{
	char why[160];
	len = strip_trailing(v, len, pad_byte(e->format));
	sscard_rc rc = sscard_gbk_to_utf8(v, len, out, outsz, why, sizeof(why));
	if (rc != SSCARD_OK)
		return sscard_detailf(detail, detailsz, rc, "%s (tag %02X): %s",
		                      e->key, e->tag, why);
	return SSCARD_OK;
}

static const decode_fn decoders[] = {
	[SSCARD_FMT_B] = decode_b,         [SSCARD_FMT_AN] = decode_an,
	[SSCARD_FMT_CN] = decode_cn,       [SSCARD_FMT_CN_DATE] = decode_date,
	[SSCARD_FMT_GBK] = decode_gbk,     [SSCARD_FMT_GBK_FF] = decode_gbk,
};

sscard_rc sscard_elem_decode(const sscard_element *e, const uint8_t *value,
                             size_t len, char *out, size_t outsz,
                             char *detail, size_t detailsz)
{
	if (e == NULL || (value == NULL && len > 0) || out == NULL || outsz == 0 ||
	    (size_t)e->format >= sizeof(decoders) / sizeof(decoders[0]) ||
	    decoders[e->format] == NULL)
		return SSCARD_E_INVALID_ARG;
	out[0] = '\0';
	if (len > e->len)
		return sscard_detailf(detail, detailsz, SSCARD_E_BAD_DATA,
		                      "%s (tag %02X): %zu bytes, the element holds %u",
		                      e->key, e->tag, len, e->len);
	if (is_blank(value, len))
		return SSCARD_OK;
	sscard_rc rc = decoders[e->format](e, value, len, out, outsz, detail, detailsz);
	if (rc != SSCARD_OK)
		out[0] = '\0';
	return rc;
}

/* ---- encoding ------------------------------------------------------------- */

typedef sscard_rc (*encode_fn)(const sscard_element *e, const char *text,
                               uint8_t *out, char *detail, size_t detailsz);

static sscard_rc too_long(const sscard_element *e, size_t need, const char *unit,
                          char *detail, size_t detailsz)
{
	return sscard_detailf(detail, detailsz, SSCARD_E_INVALID_ARG,
	                      "%s (tag %02X): value needs %zu %s, the element holds %u bytes",
	                      e->key, e->tag, need, unit, e->len);
}

static sscard_rc encode_b(const sscard_element *e, const char *text,
                          uint8_t *out, char *detail, size_t detailsz)
{
	uint8_t tmp[SSCARD_ELEM_VALUE_MAX + 1];
	size_t n = 0;
	sscard_rc rc = sscard_hex_decode(text, tmp, sizeof(tmp), &n);
	if (rc == SSCARD_E_BUFFER_TOO_SMALL || (rc == SSCARD_OK && n > e->len))
		return too_long(e, rc == SSCARD_OK ? n : sizeof(tmp), "bytes", detail, detailsz);
	if (rc != SSCARD_OK)
		return sscard_detailf(detail, detailsz, SSCARD_E_INVALID_ARG,
		                      "%s (tag %02X): \"%s\" is not hex", e->key, e->tag, text);
	if (n != e->len)
		return sscard_detailf(detail, detailsz, SSCARD_E_INVALID_ARG,
		                      "%s (tag %02X): %zu bytes, the element needs exactly %u",
		                      e->key, e->tag, n, e->len);
	memcpy(out, tmp, n);
	return SSCARD_OK;
}

static sscard_rc encode_an(const sscard_element *e, const char *text,
                           uint8_t *out, char *detail, size_t detailsz)
{
	size_t n = strlen(text);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)text[i] < 0x20 || (unsigned char)text[i] > 0x7E)
			return sscard_detailf(detail, detailsz, SSCARD_E_ENCODING,
			                      "%s (tag %02X): byte 0x%02X at %zu is not printable ASCII",
			                      e->key, e->tag, (unsigned char)text[i], i);
	if (n > e->len)
		return too_long(e, n, "bytes", detail, detailsz);
	memcpy(out, text, n);
	return SSCARD_OK;
}

static sscard_rc encode_digits(const sscard_element *e, const char *digits,
                               uint8_t *out, char *detail, size_t detailsz)
{
	size_t n = strlen(digits);
	if (n == 0 || strspn(digits, "0123456789") != n)
		return sscard_detailf(detail, detailsz, SSCARD_E_INVALID_ARG,
		                      "%s (tag %02X): \"%s\" is not decimal digits",
		                      e->key, e->tag, digits);
	if (n > 2u * e->len)
		return too_long(e, n, "digits", detail, detailsz);
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(digits[i] - '0');
		out[i / 2] = (i % 2 == 0) ? (uint8_t)((d << 4) | 0x0F)
		                          : (uint8_t)((out[i / 2] & 0xF0) | d);
	}
	return SSCARD_OK;
}

static sscard_rc encode_cn(const sscard_element *e, const char *text,
                           uint8_t *out, char *detail, size_t detailsz)
{
	return encode_digits(e, text, out, detail, detailsz);
}

static sscard_rc encode_date(const sscard_element *e, const char *text,
                             uint8_t *out, char *detail, size_t detailsz)
{
	char digits[9];
	size_t n = strlen(text);
	bool dashed = n == 10 && text[4] == '-' && text[7] == '-';
	if (dashed)
		snprintf(digits, sizeof(digits), "%.4s%.2s%.2s", text, text + 5, text + 8);
	else if (n == 8)
		memcpy(digits, text, sizeof(digits));
	if ((!dashed && n != 8) || strspn(digits, "0123456789") != 8)
		return sscard_detailf(detail, detailsz, SSCARD_E_INVALID_ARG,
		                      "%s (tag %02X): \"%s\" is not a date YYYY-MM-DD",
		                      e->key, e->tag, text);
	return encode_digits(e, digits, out, detail, detailsz);
}

static sscard_rc encode_gbk(const sscard_element *e, const char *text,
                            uint8_t *out, char *detail, size_t detailsz)
{
	/* GBK never takes more bytes than UTF-8, so strlen() bytes are enough
	 * to learn the full size of a value that is too long. */
	size_t cap = strlen(text) + 1;
	uint8_t *tmp = malloc(cap);
	if (tmp == NULL)
		return SSCARD_E_NOMEM;
	char why[160];
	size_t n = 0;
	sscard_rc rc = sscard_utf8_to_gbk(text, tmp, cap, &n, why, sizeof(why));
	if (rc == SSCARD_OK && n > e->len)
		rc = too_long(e, n, "bytes in GBK", detail, detailsz);
	else if (rc != SSCARD_OK)
		sscard_detailf(detail, detailsz, rc, "%s (tag %02X): %s", e->key, e->tag, why);
	else
		memcpy(out, tmp, n);
	free(tmp);
	return rc;
}

static const encode_fn encoders[] = {
	[SSCARD_FMT_B] = encode_b,         [SSCARD_FMT_AN] = encode_an,
	[SSCARD_FMT_CN] = encode_cn,       [SSCARD_FMT_CN_DATE] = encode_date,
	[SSCARD_FMT_GBK] = encode_gbk,     [SSCARD_FMT_GBK_FF] = encode_gbk,
};

sscard_rc sscard_elem_encode(const sscard_element *e, const char *text,
                             uint8_t *out, size_t outsz, size_t *outlen,
                             char *detail, size_t detailsz)
{
	if (e == NULL || text == NULL || out == NULL || outlen == NULL ||
	    (size_t)e->format >= sizeof(encoders) / sizeof(encoders[0]) ||
	    encoders[e->format] == NULL)
		return SSCARD_E_INVALID_ARG;
	*outlen = 0;
	if (outsz < e->len)
		return sscard_detailf(detail, detailsz, SSCARD_E_BUFFER_TOO_SMALL,
		                      "%s: %zu bytes of room, the element needs %u",
		                      e->key, outsz, e->len);
	memset(out, pad_byte(e->format), e->len);
	if (text[0] != '\0') {
		sscard_rc rc = encoders[e->format](e, text, out, detail, detailsz);
		if (rc != SSCARD_OK) {
			memset(out, pad_byte(e->format), e->len);
			return rc;
		}
	}
	*outlen = e->len;
	return SSCARD_OK;
}
