/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "script_card.h"

typedef struct script {
	const script_step *steps;
	size_t n, pos;
} script;

static const uint8_t test_atr[] = {0x3B, 0x6D, 0x00, 0x00, 0x00, 0x90, 0x54, 0x31, 0x16,
                                   0x86, 0x60, 0x13, 0x04, 0x25, 0x00, 0x1C, 0x4E};

static sscard_rc script_transmit(void *impl, const uint8_t *c, size_t clen, uint8_t *r,
                                 size_t *rlen)
{
	script *s = impl;
	const script_step *st;
	char hex[2 * 1024 + 1];
	size_t n = 0;

	assert_true(s->pos < s->n); /* the library sent more than the script has */
	st = &s->steps[s->pos++];
	sscard_hex_encode(c, clen, hex, sizeof(hex));
	if (st->expect != NULL)
		assert_string_equal(hex, st->expect);
	if (st->error != SSCARD_OK)
		return st->error;
	assert_int_equal(sscard_hex_decode(st->answer, r, *rlen, &n), SSCARD_OK);
	*rlen = n;
	return SSCARD_OK;
}

static sscard_rc script_get_atr(void *impl, uint8_t *atr, size_t *len)
{
	(void)impl;
	if (*len < sizeof(test_atr))
		return SSCARD_E_BUFFER_TOO_SMALL;
	memcpy(atr, test_atr, sizeof(test_atr));
	*len = sizeof(test_atr);
	return SSCARD_OK;
}

static int script_protocol(void *impl)
{
	(void)impl;
	return 0;
}

static void script_close(void *impl)
{
	free(impl);
}

static const sscard_transport_ops script_ops = {
	.name = "script",
	.transmit = script_transmit,
	.get_atr = script_get_atr,
	.protocol = script_protocol,
	.close = script_close,
};

sscard_card *script_card_connect(sscard_ctx *ctx, const script_step *steps, size_t n)
{
	script *s = calloc(1, sizeof(*s));
	sscard_card *card = NULL;

	assert_non_null(s);
	s->steps = steps;
	s->n = n;
	assert_int_equal(sscard_connect_transport(ctx, &script_ops, s, &card), SSCARD_OK);
	return card;
}
