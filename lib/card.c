/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Card handles: connect through a transport, accessors, transactions and
 * the command helper that maps status words for every module. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "internal.h"

#define SIM_PREFIX "sim:"

void sscard_wipe(void *p, size_t len)
{
	if (p != NULL && len > 0)
		OPENSSL_cleanse(p, len);
}

sscard_rc sscard_card_fail(sscard_card *card, sscard_rc rc, const char *fmt, ...)
{
	va_list ap;

	if (card == NULL)
		return rc;
	va_start(ap, fmt);
	sscard_text_fit(card->detail, sizeof(card->detail),
	                vsnprintf(card->detail, sizeof(card->detail), fmt, ap));
	va_end(ap);
	SSC_DBG(card->ctx, "%s: %s", sscard_rc_name(rc), card->detail);
	return rc;
}

void sscard_card_forget_state(sscard_card *card)
{
	card->selected = 0;
	card->security_granted = false;
	card->card_state = false;
}

void sscard_card_clear_detail(sscard_card *card)
{
	card->detail[0] = '\0';
}

static sscard_rc card_load_atr(sscard_card *card)
{
	size_t len = sizeof(card->atr);
	sscard_rc rc;

	card->atr_len = 0;
	if (card->ops->get_atr == NULL)
		return SSCARD_OK;
	rc = card->ops->get_atr(card->impl, card->atr, &len);
	if (rc != SSCARD_OK)
		return rc;
	if (len > sizeof(card->atr))
		return SSCARD_E_BAD_ATR;
	card->atr_len = len;
	return SSCARD_OK;
}

sscard_rc sscard_connect_transport(sscard_ctx *ctx, const sscard_transport_ops *ops,
                                   void *impl, sscard_card **out)
{
	sscard_card *card;
	sscard_rc rc;

	if (out != NULL)
		*out = NULL;
	if (ctx == NULL || ops == NULL || ops->transmit == NULL || ops->close == NULL ||
	    out == NULL) {
		if (ops != NULL && ops->close != NULL)
			ops->close(impl);
		return SSCARD_E_INVALID_ARG;
	}
	card = calloc(1, sizeof(*card));
	if (card == NULL || (card->rbuf = malloc(SSCARD_RBUF_SIZE)) == NULL) {
		free(card);
		ops->close(impl);
		return SSCARD_E_NOMEM;
	}
	card->ctx = ctx;
	card->ops = ops;
	card->impl = impl;
	rc = card_load_atr(card);
	if (rc != SSCARD_OK) {
		sscard_disconnect(&card);
		return rc;
	}
	SSC_INFO(ctx, "connected through %s", ops->name ? ops->name : "custom transport");
	*out = card;
	return SSCARD_OK;
}

static bool contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay != '\0'; hay++) {
		size_t i = 0;
		while (i < n && hay[i] != '\0' &&
		       tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
			i++;
		if (i == n)
			return true;
	}
	return n == 0;
}

SSCARD_API int sscard_reader_match(const char *name, const char *wanted)
{
	if (name == NULL || wanted == NULL || wanted[0] == '\0')
		return SSCARD_MATCH_NONE;
	if (strcmp(name, wanted) == 0)
		return SSCARD_MATCH_EXACT;
	if (strstr(name, wanted) != NULL)
		return SSCARD_MATCH_SUBSTRING;
	return contains_nocase(name, wanted) ? SSCARD_MATCH_NOCASE : SSCARD_MATCH_NONE;
}

sscard_rc sscard_connect(sscard_ctx *ctx, const char *reader, sscard_card **out)
{
	const sscard_transport_ops *ops = NULL;
	void *impl = NULL;
	sscard_rc rc;

	if (ctx == NULL || out == NULL)
		return SSCARD_E_INVALID_ARG;
	*out = NULL;
	if (reader == NULL || reader[0] == '\0')
		reader = getenv("SSCARD_READER");
	rc = sscard_ctx_enter(ctx);
	if (rc != SSCARD_OK)
		return rc;
	ctx->detail[0] = '\0';
	if (reader != NULL && strncmp(reader, SIM_PREFIX, strlen(SIM_PREFIX)) == 0)
		rc = sscard_sim_transport_open(ctx, reader + strlen(SIM_PREFIX), &ops, &impl);
	else
		rc = sscard_pcsc_connect(ctx, reader, &ops, &impl);
	if (rc == SSCARD_OK)
		rc = sscard_connect_transport(ctx, ops, impl, out);
	sscard_ctx_leave(ctx);
	return rc;
}

void sscard_disconnect(sscard_card **card)
{
	sscard_card *c;

	if (card == NULL || *card == NULL)
		return;
	c = *card;
	while (c->txn_depth > 0)
		sscard_card_end(c);
	/* A verified PIN or an external authentication stays valid on the card
	 * until reset: never leave it to the next application (kiosks). */
	if (c->security_granted && c->ops->reset != NULL) {
		size_t len = sizeof(c->atr);

		if (c->ops->reset(c->impl, 0, c->atr, &len) != SSCARD_OK)
			SSC_WARN(c->ctx, "could not reset the card to drop its security state");
	}
	c->ops->close(c->impl);
	if (c->rbuf != NULL) {
		sscard_wipe(c->rbuf, SSCARD_RBUF_SIZE); /* may hold challenges/records */
		free(c->rbuf);
	}
	free(c);
	*card = NULL;
}

sscard_rc sscard_card_atr(const sscard_card *card, const uint8_t **atr, size_t *len)
{
	if (card == NULL || atr == NULL || len == NULL)
		return SSCARD_E_INVALID_ARG;
	*atr = card->atr;
	*len = card->atr_len;
	return SSCARD_OK;
}

int sscard_card_protocol(const sscard_card *card)
{
	if (card == NULL || card->ops->protocol == NULL)
		return -1;
	return card->ops->protocol(card->impl);
}

unsigned sscard_card_features(const sscard_card *card)
{
	if (card == NULL || card->ops->features == NULL)
		return 0;
	return card->ops->features(card->impl);
}

const char *sscard_card_transport(const sscard_card *card)
{
	if (card == NULL || card->ops->name == NULL)
		return "";
	return card->ops->name;
}

uint16_t sscard_card_last_sw(const sscard_card *card)
{
	return card ? card->last_sw : 0;
}

const char *sscard_card_last_detail(const sscard_card *card)
{
	return card ? card->detail : "";
}

unsigned long sscard_card_apdu_count(const sscard_card *card)
{
	return card ? card->apdu_count : 0;
}

sscard_rc sscard_card_reset(sscard_card *card, int cold)
{
	size_t len = sizeof(card->atr);
	sscard_rc rc;

	if (card == NULL)
		return SSCARD_E_INVALID_ARG;
	if (card->ops->reset == NULL)
		return sscard_card_fail(card, SSCARD_E_NOT_IMPLEMENTED,
		                        "transport %s cannot reset", sscard_card_transport(card));
	sscard_card_forget_state(card);
	card->atr_len = 0;
	rc = card->ops->reset(card->impl, cold, card->atr, &len);
	if (rc != SSCARD_OK)
		return sscard_card_fail(card, rc, "reset failed: %s", sscard_strerror(rc));
	if (len > sizeof(card->atr))
		return sscard_card_fail(card, SSCARD_E_BAD_ATR, "ATR of %zu bytes", len);
	card->atr_len = len;
	return SSCARD_OK;
}

sscard_rc sscard_card_begin(sscard_card *card)
{
	sscard_rc rc;

	if (card == NULL)
		return SSCARD_E_INVALID_ARG;
	rc = sscard_ctx_enter(card->ctx);
	if (rc != SSCARD_OK)
		return sscard_card_fail(card, rc, "another thread is using this context");
	if (card->txn_depth == 0 && card->ops->begin != NULL) {
		rc = card->ops->begin(card->impl);
		/* Another application reset the card. If this handle has not
		 * talked to the card since it connected (or since the last reset
		 * it reported), it had no state to lose: the transport has
		 * reconnected, go on. */
		if (rc == SSCARD_E_CARD_RESET && !card->card_state)
			rc = card->ops->begin(card->impl);
		if (rc == SSCARD_E_CARD_RESET)
			sscard_card_forget_state(card);
		if (rc != SSCARD_OK) {
			sscard_ctx_leave(card->ctx);
			return sscard_card_fail(card, rc, "cannot hold the card: %s",
			                        sscard_strerror(rc));
		}
	}
	card->txn_depth++;
	return SSCARD_OK;
}

sscard_rc sscard_card_end(sscard_card *card)
{
	sscard_rc rc = SSCARD_OK;

	if (card == NULL || card->txn_depth == 0)
		return SSCARD_E_INVALID_ARG;
	if (--card->txn_depth == 0 && card->ops->end != NULL)
		rc = card->ops->end(card->impl);
	sscard_ctx_leave(card->ctx);
	return rc;
}

sscard_rc sscard_card_cmd(sscard_card *card, const char *what, const sscard_apdu *apdu,
                          uint8_t *resp, size_t respsz, size_t *resplen)
{
	uint16_t sw = 0;
	sscard_rc rc = sscard_exchange(card, apdu, resp, respsz, resplen, &sw);

	if (rc != SSCARD_OK) {
		char why[SSCARD_DETAIL_MAX];

		snprintf(why, sizeof(why), "%s", card->detail);
		return sscard_card_fail(card, rc, "%s: %s", what, why);
	}
	rc = sscard_sw_rc(sw);
	if (rc != SSCARD_OK) {
		char text[64];

		sscard_sw_describe(sw, text, sizeof(text));
		return sscard_card_fail(card, rc, "%s: %04X %s", what, sw, text);
	}
	return SSCARD_OK;
}
