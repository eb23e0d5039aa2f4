/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "fuzz_card.h"

typedef struct fuzz_card {
	const uint8_t *data;
	size_t size, pos;
} fuzz_card;

static const sscard_rc transport_errors[] = {
	SSCARD_E_CARD_REMOVED, SSCARD_E_CARD_RESET, SSCARD_E_MUTE,
	SSCARD_E_TIMEOUT,      SSCARD_E_TRANSPORT,  SSCARD_E_NO_CARD,
};

static sscard_rc fuzz_transmit(void *impl, const uint8_t *c, size_t clen, uint8_t *r,
                               size_t *rlen)
{
	fuzz_card *f = impl;
	size_t len;

	(void)c;
	(void)clen;
	if (f->size - f->pos < 2)
		return SSCARD_E_CARD_REMOVED;
	len = (size_t)f->data[f->pos] << 8 | f->data[f->pos + 1];
	f->pos += 2;
	if (len & 0x8000u)
		return transport_errors[(len & 0xFFu) %
		                        (sizeof(transport_errors) / sizeof(transport_errors[0]))];
	if (len > f->size - f->pos)
		len = f->size - f->pos;
	if (len > *rlen)
		len = *rlen;
	memcpy(r, f->data + f->pos, len);
	f->pos += len;
	*rlen = len;
	return SSCARD_OK;
}

static sscard_rc fuzz_get_atr(void *impl, uint8_t *atr, size_t *len)
{
	static const uint8_t ssc_atr[] = {0x3B, 0x6D, 0x00, 0x00, 0x00, 0x90, 0x54, 0x31, 0x16,
	                                  0x86, 0x60, 0x13, 0x04, 0x25, 0x00, 0x1C, 0x4E};
	(void)impl;
	if (*len < sizeof(ssc_atr))
		return SSCARD_E_BUFFER_TOO_SMALL;
	memcpy(atr, ssc_atr, sizeof(ssc_atr));
	*len = sizeof(ssc_atr);
	return SSCARD_OK;
}

static sscard_rc fuzz_reset(void *impl, int cold, uint8_t *atr, size_t *len)
{
	(void)cold;
	return fuzz_get_atr(impl, atr, len);
}

static int fuzz_protocol(void *impl)
{
	(void)impl;
	return 0;
}

static void fuzz_close(void *impl)
{
	free(impl);
}

static const sscard_transport_ops fuzz_ops = {
	.name = "fuzz",
	.transmit = fuzz_transmit,
	.reset = fuzz_reset,
	.get_atr = fuzz_get_atr,
	.protocol = fuzz_protocol,
	.close = fuzz_close,
};

sscard_card *fuzz_card_connect(sscard_ctx *ctx, const uint8_t *data, size_t size)
{
	fuzz_card *f = calloc(1, sizeof(*f));
	sscard_card *card = NULL;

	if (f == NULL)
		return NULL;
	f->data = data;
	f->size = size;
	if (sscard_connect_transport(ctx, &fuzz_ops, f, &card) != SSCARD_OK)
		return NULL;
	return card;
}
