/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one hex codec of the library (traces, tool input, profiles). */
#include <ctype.h>

#include "internal.h"

size_t sscard_hex_encode(const uint8_t *in, size_t len, char *out, size_t outsz)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t n = 0;

	if (outsz == 0)
		return 0;
	for (size_t i = 0; i < len && n + 2 < outsz; i++) {
		out[n++] = digits[in[i] >> 4];
		out[n++] = digits[in[i] & 0x0f];
	}
	out[n] = '\0';
	return n;
}

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int hex_separator(char c)
{
	return c == ' ' || c == ':' || c == '\t' || c == '\n' || c == '\r';
}

sscard_rc sscard_hex_decode(const char *in, uint8_t *out, size_t outsz, size_t *outlen)
{
	size_t n = 0;
	int hi = -1;

	if (in == NULL || outlen == NULL || (out == NULL && outsz > 0))
		return SSCARD_E_INVALID_ARG;
	for (const char *p = in; *p != '\0'; p++) {
		int v;

		if (hex_separator(*p)) {
			if (hi >= 0)
				return SSCARD_E_INVALID_ARG; /* separator splits a byte */
			continue;
		}
		v = hex_nibble(*p);
		if (v < 0)
			return SSCARD_E_INVALID_ARG;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n >= outsz)
			return SSCARD_E_BUFFER_TOO_SMALL;
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	if (hi >= 0)
		return SSCARD_E_INVALID_ARG; /* odd number of digits */
	*outlen = n;
	return SSCARD_OK;
}
