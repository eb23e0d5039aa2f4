/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one APDU path: ISO 7816-4 encoding and parsing, and the exchange
 * loop that hides T=0 (61xx GET RESPONSE, 6Cxx resend) and command
 * chaining from every caller. Every byte from the card is bounds-checked.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* A card may hand out at most 64 KiB through GET RESPONSE; 300 rounds of
 * 256 bytes covers that, anything beyond is a card looping on us. */
#define GET_RESPONSE_MAX_ROUNDS 300u
#define INS_GET_RESPONSE 0xC0
#define CLA_CHAINING 0x10

static bool apdu_is_extended(const sscard_apdu *a)
{
	return (a->flags & SSCARD_APDU_EXTENDED) || a->nc > SSCARD_APDU_MAX_SHORT_NC ||
	       a->ne > 256;
}

static size_t apdu_encoded_len(const sscard_apdu *a)
{
	bool ext = apdu_is_extended(a);
	size_t n = 4;

	if (a->nc > 0)
		n += (ext ? 3u : 1u) + a->nc;
	if (a->ne > 0)
		n += ext ? (a->nc > 0 ? 2u : 3u) : 1u;
	return n;
}

static sscard_rc apdu_check(const sscard_apdu *a)
{
	if (a == NULL || (a->nc > 0 && a->data == NULL))
		return SSCARD_E_INVALID_ARG;
	if (a->nc > SSCARD_APDU_MAX_NC || a->ne > SSCARD_APDU_MAX_NE)
		return SSCARD_E_BAD_APDU;
	return SSCARD_OK;
}

sscard_rc sscard_apdu_encode(const sscard_apdu *a, uint8_t *out, size_t outsz,
                             size_t *outlen)
{
	sscard_rc rc = apdu_check(a);
	size_t n = 0;
	bool ext;

	if (rc != SSCARD_OK)
		return rc;
	if (out == NULL || outlen == NULL)
		return SSCARD_E_INVALID_ARG;
	if (apdu_encoded_len(a) > outsz)
		return SSCARD_E_BUFFER_TOO_SMALL;
	ext = apdu_is_extended(a);
	out[n++] = a->cla;
	out[n++] = a->ins;
	out[n++] = a->p1;
	out[n++] = a->p2;
	if (a->nc > 0) {
		if (ext) {
			out[n++] = 0x00;
			out[n++] = (uint8_t)(a->nc >> 8);
		}
		out[n++] = (uint8_t)a->nc;
		memcpy(out + n, a->data, a->nc);
		n += a->nc;
	}
	if (a->ne > 0) {
		/* 256 is encoded 00 (short), 65536 is 0000 (extended) */
		if (ext) {
			if (a->nc == 0)
				out[n++] = 0x00;
			out[n++] = (uint8_t)((a->ne >> 8) & 0xff);
		}
		out[n++] = (uint8_t)(a->ne & 0xff);
	}
	*outlen = n;
	return SSCARD_OK;
}

static size_t le_short(uint8_t b)
{
	return b == 0 ? 256u : b;
}

static size_t le_extended(uint8_t hi, uint8_t lo)
{
	size_t v = (size_t)hi << 8 | lo;
	return v == 0 ? 65536u : v;
}

sscard_rc sscard_apdu_parse(const uint8_t *buf, size_t len, sscard_apdu *a)
{
	size_t body;

	if (buf == NULL || a == NULL)
		return SSCARD_E_INVALID_ARG;
	if (len < 4)
		return SSCARD_E_BAD_APDU;
	memset(a, 0, sizeof(*a));
	a->cla = buf[0];
	a->ins = buf[1];
	a->p1 = buf[2];
	a->p2 = buf[3];
	body = len - 4;
	if (body == 0)
		return SSCARD_OK; /* case 1 */
	if (body == 1) {      /* case 2 short */
		a->ne = le_short(buf[4]);
		return SSCARD_OK;
	}
	if (buf[4] != 0) { /* case 3 or 4 short */
		size_t nc = buf[4];

		if (body != 1 + nc && body != 2 + nc)
			return SSCARD_E_BAD_APDU;
		a->nc = nc;
		a->data = buf + 5;
		if (body == 2 + nc)
			a->ne = le_short(buf[5 + nc]);
		return SSCARD_OK;
	}
	a->flags |= SSCARD_APDU_EXTENDED;
	if (body == 3) { /* case 2 extended */
		a->ne = le_extended(buf[5], buf[6]);
		return SSCARD_OK;
	}
	if (body < 3)
		return SSCARD_E_BAD_APDU;
	a->nc = (size_t)buf[5] << 8 | buf[6];
	if (a->nc == 0) /* Lc 0 followed by data is impossible */
		return SSCARD_E_BAD_APDU;
	if (body != 3 + a->nc && body != 5 + a->nc)
		return SSCARD_E_BAD_APDU;
	a->data = buf + 7;
	if (body == 5 + a->nc)
		a->ne = le_extended(buf[7 + a->nc], buf[8 + a->nc]);
	return SSCARD_OK;
}

/* ---- trace -------------------------------------------------------------- */

/* Instructions whose data is a PIN, a key or a cryptogram, whatever the
 * class and whoever built the APDU (the library, cardtool apdu, a script). */
static const uint8_t secret_ins[] = {
	0x20, /* VERIFY */
	0x24, /* CHANGE REFERENCE DATA (ISO), PIN RELOAD / UNBLOCK (84 24) */
	0x2C, /* RESET RETRY COUNTER (PIN unblock) */
	0x5E, /* CHANGE PIN (80 5E) */
	0x82, /* EXTERNAL AUTHENTICATE */
	0x88, /* INTERNAL AUTHENTICATE */
};

SSCARD_API int sscard_apdu_sensitive(const sscard_apdu *a)
{
	if (a == NULL)
		return 0;
	if (a->flags & SSCARD_APDU_SENSITIVE)
		return 1;
	for (size_t i = 0; i < sizeof(secret_ins) / sizeof(secret_ins[0]); i++)
		if (secret_ins[i] == a->ins)
			return 1;
	return 0;
}

/* Hex of an encoded C-APDU with the data field masked when sensitive. */
static void trace_command(sscard_card *card, const sscard_apdu *a,
                          const uint8_t *enc, size_t len)
{
	char hex[2 * 300 + 1];
	size_t data_off = 4 + (apdu_is_extended(a) ? 3u : 1u);
	size_t n;

	if (card->ctx->trace_fn == NULL)
		return;
	if (!sscard_apdu_sensitive(a) || a->nc == 0) {
		char *big = malloc(2 * len + 1);

		if (big == NULL)
			return;
		sscard_hex_encode(enc, len, big, 2 * len + 1);
		card->ctx->trace_fn(card->ctx->trace_ud, SSCARD_TRACE_COMMAND, big);
		free(big);
		return;
	}
	/* Sensitive commands are short (PINs, cryptograms): header, Lc, stars,
	 * Le. Longer ones are cut, never shown. */
	n = sscard_hex_encode(enc, data_off, hex, sizeof(hex));
	for (size_t i = 0; i < a->nc && n + 2 < sizeof(hex); i++) {
		hex[n++] = '*';
		hex[n++] = '*';
	}
	hex[n] = '\0';
	if (len > data_off + a->nc)
		sscard_hex_encode(enc + data_off + a->nc, len - data_off - a->nc,
		                  hex + n, sizeof(hex) - n);
	card->ctx->trace_fn(card->ctx->trace_ud, SSCARD_TRACE_COMMAND, hex);
}

static void trace_response(sscard_card *card, const uint8_t *r, size_t len)
{
	char *hex;

	if (card->ctx->trace_fn == NULL)
		return;
	hex = malloc(2 * len + 1);
	if (hex == NULL)
		return;
	sscard_hex_encode(r, len, hex, 2 * len + 1);
	card->ctx->trace_fn(card->ctx->trace_ud, SSCARD_TRACE_RESPONSE, hex);
	free(hex);
}

/* ---- exchange ----------------------------------------------------------- */

/* One C-APDU to the transport, one R-APDU (at least SW1 SW2) back into
 * card->rbuf. */
static sscard_rc transmit_once(sscard_card *card, const sscard_apdu *a,
                               size_t *rlen, uint16_t *sw)
{
	uint8_t small[512];
	uint8_t *enc = small;
	size_t need = apdu_encoded_len(a), enclen = 0;
	sscard_rc rc;

	if (need > sizeof(small)) {
		enc = malloc(need);
		if (enc == NULL)
			return SSCARD_E_NOMEM;
	}
	rc = sscard_apdu_encode(a, enc, need, &enclen);
	if (rc == SSCARD_OK) {
		trace_command(card, a, enc, enclen);
		*rlen = SSCARD_RBUF_SIZE;
		card->apdu_count++;
		rc = card->ops->transmit(card->impl, enc, enclen, card->rbuf, rlen);
	}
	if (sscard_apdu_sensitive(a))
		sscard_wipe(enc, need);
	if (enc != small)
		free(enc);
	if (rc == SSCARD_E_CARD_RESET)
		sscard_card_forget_state(card);
	else if (rc == SSCARD_OK)
		card->card_state = true;
	if (rc != SSCARD_OK)
		return sscard_card_fail(card, rc, "%s", sscard_strerror(rc));
	if (*rlen > SSCARD_RBUF_SIZE)
		return sscard_card_fail(card, SSCARD_E_INTERNAL, "transport overran its buffer");
	trace_response(card, card->rbuf, *rlen);
	if (*rlen < 2)
		return sscard_card_fail(card, SSCARD_E_BAD_RESPONSE,
		                        "answer of %zu byte(s), no status word", *rlen);
	*rlen -= 2;
	*sw = (uint16_t)(card->rbuf[*rlen] << 8 | card->rbuf[*rlen + 1]);
	card->last_sw = *sw;
	return SSCARD_OK;
}

typedef struct answer {
	uint8_t *buf;
	size_t size;
	size_t len;
	size_t ne; /* what the caller asked for; 0 = nothing */
} answer;

static sscard_rc answer_append(sscard_card *card, answer *ans, const uint8_t *d,
                               size_t n)
{
	if (n == 0)
		return SSCARD_OK;
	if (ans->len + n > ans->ne)
		return sscard_card_fail(card, SSCARD_E_BAD_RESPONSE,
		                        "card sent %zu bytes, %zu were asked for",
		                        ans->len + n, ans->ne);
	if (ans->len + n > ans->size)
		return sscard_card_fail(card, SSCARD_E_BUFFER_TOO_SMALL,
		                        "answer of %zu bytes exceeds the buffer of %zu",
		                        ans->len + n, ans->size);
	memcpy(ans->buf + ans->len, d, n);
	ans->len += n;
	return SSCARD_OK;
}

/* Send `a`; resend once on 6Cxx with the card's Le (T=0 "wrong length"). */
static sscard_rc transmit_with_le_fix(sscard_card *card, const sscard_apdu *a,
                                      size_t *rlen, uint16_t *sw)
{
	sscard_rc rc = transmit_once(card, a, rlen, sw);

	if (rc == SSCARD_OK && (*sw & 0xFF00) == 0x6C00 && *rlen == 0) {
		sscard_apdu again = *a;

		again.ne = le_short((uint8_t)(*sw & 0xFF));
		rc = transmit_once(card, &again, rlen, sw);
		if (rc == SSCARD_OK && (*sw & 0xFF00) == 0x6C00)
			return sscard_card_fail(card, SSCARD_E_BAD_RESPONSE,
			                        "card answered 6Cxx twice");
	}
	return rc;
}

/* Collect the rest of an answer announced by 61xx. */
static sscard_rc get_response_loop(sscard_card *card, uint8_t cla, answer *ans,
                                   uint16_t *sw)
{
	for (unsigned round = 0; round < GET_RESPONSE_MAX_ROUNDS; round++) {
		sscard_apdu gr = {.cla = (uint8_t)(cla & 0x03), .ins = INS_GET_RESPONSE,
		                  .ne = le_short((uint8_t)(*sw & 0xFF))};
		size_t rlen;
		sscard_rc rc;

		if ((*sw & 0xFF00) != 0x6100)
			return SSCARD_OK;
		rc = transmit_with_le_fix(card, &gr, &rlen, sw);
		if (rc == SSCARD_OK)
			rc = answer_append(card, ans, card->rbuf, rlen);
		if (rc != SSCARD_OK)
			return rc;
	}
	return sscard_card_fail(card, SSCARD_E_BAD_RESPONSE,
	                        "GET RESPONSE did not end after %u rounds",
	                        GET_RESPONSE_MAX_ROUNDS);
}

static sscard_rc exchange_one(sscard_card *card, const sscard_apdu *a, answer *ans,
                              uint16_t *sw)
{
	size_t rlen;
	sscard_rc rc = transmit_with_le_fix(card, a, &rlen, sw);

	if (rc == SSCARD_OK)
		rc = answer_append(card, ans, card->rbuf, rlen);
	/* A caller that asked for nothing (ne 0) gets 61xx as it is. */
	if (rc == SSCARD_OK && ans->ne > 0)
		rc = get_response_loop(card, a->cla, ans, sw);
	return rc;
}

/* Chain data over 255 bytes in short APDUs (CLA bit 0x10 on all but the
 * last); stop at the first part the card does not accept. */
static sscard_rc exchange_chained(sscard_card *card, const sscard_apdu *a,
                                  answer *ans, uint16_t *sw)
{
	size_t off = 0;

	while (a->nc - off > SSCARD_APDU_MAX_SHORT_NC) {
		sscard_apdu part = *a;
		sscard_rc rc;

		part.cla = (uint8_t)(a->cla | CLA_CHAINING);
		part.data = a->data + off;
		part.nc = SSCARD_APDU_MAX_SHORT_NC;
		part.ne = 0;
		part.flags &= ~(SSCARD_APDU_EXTENDED | SSCARD_APDU_CHAIN);
		rc = exchange_one(card, &part, ans, sw);
		if (rc != SSCARD_OK || *sw != 0x9000)
			return rc;
		off += SSCARD_APDU_MAX_SHORT_NC;
	}
	sscard_apdu last = *a;
	last.data = a->data + off;
	last.nc = a->nc - off;
	last.flags &= ~(SSCARD_APDU_EXTENDED | SSCARD_APDU_CHAIN);
	return exchange_one(card, &last, ans, sw);
}

/* Commands after whose success the card holds a security state (a PIN
 * verified, a key authenticated) that must not outlive this connection. */
static bool grants_security(const sscard_apdu *a, uint16_t sw)
{
	static const struct {
		uint8_t ins;
		bool needs_data; /* VERIFY without data only asks for the tries */
	} granting[] = {
		{0x20, true}, /* VERIFY */
		{0x82, true}, /* EXTERNAL AUTHENTICATE */
		{0x24, false}, /* CHANGE REFERENCE DATA / PIN UNBLOCK */
		{0x2C, false}, /* RESET RETRY COUNTER */
		{0x5E, true}, /* CHANGE PIN (social security card) */
	};

	if (sw != 0x9000)
		return false;
	for (size_t i = 0; i < sizeof(granting) / sizeof(granting[0]); i++)
		if (granting[i].ins == a->ins && (!granting[i].needs_data || a->nc > 0))
			return true;
	return false;
}

sscard_rc sscard_exchange(sscard_card *card, const sscard_apdu *a, uint8_t *resp,
                          size_t respsz, size_t *resplen, uint16_t *sw)
{
	answer ans = {.buf = resp, .size = respsz, .ne = 0};
	uint16_t sw_local = 0;
	sscard_apdu sent;
	sscard_rc rc;

	if (card == NULL || a == NULL || (resp == NULL && respsz > 0))
		return SSCARD_E_INVALID_ARG;
	/* case 3 on the wire; the answer still bounded by ne */
	sent = *a;
	ans.ne = a->ne;
	if (a->flags & SSCARD_APDU_CASE3)
		sent.ne = 0;
	a = &sent;
	rc = apdu_check(a);
	if (rc != SSCARD_OK)
		return sscard_card_fail(card, rc, "command cannot be encoded");
	if ((a->flags & SSCARD_APDU_CHAIN) && (a->flags & SSCARD_APDU_EXTENDED))
		return sscard_card_fail(card, SSCARD_E_BAD_APDU,
		                        "chaining and extended length exclude each other");
	sscard_card_clear_detail(card);
	rc = sscard_card_begin(card);
	if (rc != SSCARD_OK)
		return rc;
	if ((a->flags & SSCARD_APDU_CHAIN) && a->nc > SSCARD_APDU_MAX_SHORT_NC)
		rc = exchange_chained(card, a, &ans, &sw_local);
	else
		rc = exchange_one(card, a, &ans, &sw_local);
	sscard_card_end(card);
	if (rc == SSCARD_OK && grants_security(a, sw_local))
		card->security_granted = true;
	if (resplen != NULL)
		*resplen = rc == SSCARD_OK ? ans.len : 0;
	if (sw != NULL)
		*sw = sw_local;
	return rc;
}

sscard_rc sscard_transmit(sscard_card *card, const uint8_t *capdu, size_t clen,
                          uint8_t *rapdu, size_t rsz, size_t *rlen)
{
	sscard_apdu a;
	uint16_t sw;
	size_t n = 0;
	sscard_rc rc;

	if (card == NULL || capdu == NULL || rapdu == NULL || rlen == NULL)
		return SSCARD_E_INVALID_ARG;
	if (rsz < 2)
		return SSCARD_E_BUFFER_TOO_SMALL;
	rc = sscard_apdu_parse(capdu, clen, &a);
	if (rc != SSCARD_OK)
		return sscard_card_fail(card, rc, "C-APDU is not a valid ISO 7816-4 command");
	rc = sscard_exchange(card, &a, rapdu, rsz - 2, &n, &sw);
	if (rc != SSCARD_OK)
		return rc;
	rapdu[n] = (uint8_t)(sw >> 8);
	rapdu[n + 1] = (uint8_t)(sw & 0xFF);
	*rlen = n + 2;
	return SSCARD_OK;
}
