/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reader and card events: SCardGetStatusChange over every known reader plus
 * "\\?PnP?\Notification" (reader hot-plug). Each wake-up is turned into a
 * queue of sscard_event values handed out one per call, so a caller never
 * misses the second of two things that happened at once.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <winscard.h>

#include <sscard/event.h>

#include "internal.h"
#include "pcsc_state.h"

typedef struct event_name {
	sscard_event_type type;
	const char *name;
} event_name;

static const event_name event_names[] = {
	{ SSCARD_EVENT_READER_ADDED, "reader-added" },
	{ SSCARD_EVENT_READER_REMOVED, "reader-removed" },
	{ SSCARD_EVENT_CARD_INSERTED, "card-inserted" },
	{ SSCARD_EVENT_CARD_REMOVED, "card-removed" },
};

SSCARD_API const char *sscard_event_name(sscard_event_type type)
{
	for (size_t i = 0; i < sizeof event_names / sizeof event_names[0]; i++)
		if (event_names[i].type == type)
			return event_names[i].name;
	return "unknown";
}

/* ---- the queue of events not yet handed out ---------------------------- */

static sscard_rc pending_push(sscard_pcsc_state *st, sscard_event_type type,
                              const char *reader, const uint8_t *atr, size_t atr_len)
{
	if (st->npending == st->pending_cap) {
		size_t cap = st->pending_cap ? st->pending_cap * 2 : 8;
		sscard_event *grown = realloc(st->pending, cap * sizeof *grown);
		if (grown == NULL)
			return SSCARD_E_NOMEM;
		st->pending = grown;
		st->pending_cap = cap;
	}
	sscard_event *ev = (sscard_event *)st->pending + st->npending++;
	memset(ev, 0, sizeof *ev);
	ev->type = type;
	/* Reader names longer than the field are cut at a byte boundary; the
	 * name is informational here (connect takes a substring anyway). */
	strncpy(ev->reader, reader, sizeof ev->reader - 1);
	if (atr != NULL && atr_len > 0 && atr_len <= sizeof ev->atr) {
		memcpy(ev->atr, atr, atr_len);
		ev->atr_len = atr_len;
	}
	return SSCARD_OK;
}

static bool pending_pop(sscard_pcsc_state *st, sscard_event *out)
{
	if (st->npending == 0)
		return false;
	sscard_event *q = st->pending;
	*out = q[0];
	memmove(q, q + 1, (st->npending - 1) * sizeof *q);
	st->npending--;
	return true;
}

/* ---- tracking readers --------------------------------------------------- */

static bool card_in(DWORD state)
{
	return (state & SCARD_STATE_PRESENT) != 0;
}

static void watch_remove(sscard_pcsc_state *st, size_t i)
{
	free(st->watch[i].name);
	memmove(&st->watch[i], &st->watch[i + 1], (st->nwatch - i - 1) * sizeof st->watch[0]);
	st->nwatch--;
}

static bool names_contain(const char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

/* Bring the watch list in line with the readers pcscd has now: gone
 * readers are reported (with their card), new ones are watched from
 * "unaware" so their card shows up as an insertion on the next wait. */
static sscard_rc watch_sync(sscard_pcsc_state *st)
{
	DWORD len = 0;
	char *mstr = NULL;
	LONG rv = SCardListReaders(st->hctx, NULL, NULL, &len);
	if (rv == SCARD_S_SUCCESS) {
		mstr = malloc(len ? len : 1);
		if (mstr == NULL)
			return SSCARD_E_NOMEM;
		rv = SCardListReaders(st->hctx, NULL, mstr, &len);
	}
	if (rv == SCARD_E_NO_READERS_AVAILABLE)
		len = 0;
	else if (rv != SCARD_S_SUCCESS) {
		free(mstr);
		return sscard_pcsc_note(st, rv);
	}
	const char *names[SSCARD_PCSC_MAX_WATCH];
	size_t n = mstr ? sscard_pcsc_split_names(mstr, len, names, SSCARD_PCSC_MAX_WATCH) : 0;
	sscard_rc rc = SSCARD_OK;
	for (size_t i = st->nwatch; i-- > 0 && rc == SSCARD_OK;) {
		if (names_contain(names, n, st->watch[i].name))
			continue;
		if (card_in(st->watch[i].state))
			rc = pending_push(st, SSCARD_EVENT_CARD_REMOVED, st->watch[i].name, NULL, 0);
		if (rc == SSCARD_OK)
			rc = pending_push(st, SSCARD_EVENT_READER_REMOVED, st->watch[i].name, NULL, 0);
		watch_remove(st, i);
	}
	for (size_t i = 0; i < n && rc == SSCARD_OK; i++) {
		bool known = false;
		for (size_t j = 0; j < st->nwatch; j++)
			known = known || strcmp(st->watch[j].name, names[i]) == 0;
		if (known || st->nwatch == SSCARD_PCSC_MAX_WATCH)
			continue;
		char *copy = strdup(names[i]);
		if (copy == NULL) {
			rc = SSCARD_E_NOMEM;
			break;
		}
		st->watch[st->nwatch].name = copy;
		st->watch[st->nwatch].state = SCARD_STATE_UNAWARE;
		st->nwatch++;
		rc = pending_push(st, SSCARD_EVENT_READER_ADDED, copy, NULL, 0);
	}
	free(mstr);
	return rc;
}

/* Turn one reader's new state into events. */
static sscard_rc watch_update(sscard_pcsc_state *st, size_t i, const SCARD_READERSTATE *rs)
{
	DWORD now = rs->dwEventState & ~(DWORD)SCARD_STATE_CHANGED;
	DWORD before = st->watch[i].state;
	st->watch[i].state = now;
	if (card_in(now) && !card_in(before))
		return pending_push(st, SSCARD_EVENT_CARD_INSERTED, st->watch[i].name,
		                    rs->rgbAtr, rs->cbAtr);
	if (!card_in(now) && card_in(before))
		return pending_push(st, SSCARD_EVENT_CARD_REMOVED, st->watch[i].name, NULL, 0);
	/* Removed and reinserted between two waits: pcsc-lite's event counter
	 * (high word) moved while the card is still there. */
	if (card_in(now) && before != SCARD_STATE_UNAWARE && (now >> 16) != (before >> 16)) {
		sscard_rc rc = pending_push(st, SSCARD_EVENT_CARD_REMOVED, st->watch[i].name, NULL, 0);
		return rc != SSCARD_OK ? rc :
		       pending_push(st, SSCARD_EVENT_CARD_INSERTED, st->watch[i].name,
		                    rs->rgbAtr, rs->cbAtr);
	}
	return SSCARD_OK;
}

/* One SCardGetStatusChange round over every watched reader and PnP. */
static sscard_rc wait_round(sscard_pcsc_state *st, DWORD timeout)
{
	/* pcsc-lite 1.9's PnP notification only reports readers that come or
	 * go during the call: catch up with those that came in between. */
	sscard_rc rc = watch_sync(st);
	if (rc != SSCARD_OK || st->npending > 0)
		return rc;
	SCARD_READERSTATE rs[SSCARD_PCSC_MAX_WATCH + 1];
	memset(rs, 0, sizeof rs);
	size_t n = st->nwatch;
	for (size_t i = 0; i < n; i++) {
		rs[i].szReader = st->watch[i].name;
		rs[i].dwCurrentState = st->watch[i].state;
	}
	rs[n].szReader = SSCARD_PCSC_PNP;
	rs[n].dwCurrentState = st->pnp_state;
	LONG rv = SCardGetStatusChange(st->hctx, timeout, rs, (DWORD)(n + 1));
	if (rv == SCARD_E_UNKNOWN_READER || rv == SCARD_E_READER_UNAVAILABLE)
		return watch_sync(st); /* a reader left before we asked about it */
	if (rv != SCARD_S_SUCCESS)
		return sscard_pcsc_note(st, rv);
	for (size_t i = 0; i < n && rc == SSCARD_OK; i++) {
		if (rs[i].dwEventState & (SCARD_STATE_UNKNOWN | SCARD_STATE_IGNORE))
			continue; /* gone: watch_sync reports it */
		rc = watch_update(st, i, &rs[i]);
	}
	bool pnp_changed = (rs[n].dwEventState & SCARD_STATE_CHANGED) != 0;
	st->pnp_state = rs[n].dwEventState & ~(DWORD)SCARD_STATE_CHANGED;
	bool gone = false;
	for (size_t i = 0; i < n; i++)
		gone = gone || (rs[i].dwEventState & (SCARD_STATE_UNKNOWN | SCARD_STATE_IGNORE));
	if (rc == SSCARD_OK && (pnp_changed || gone))
		rc = watch_sync(st);
	return rc;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static sscard_rc wait_event(sscard_ctx *ctx, int timeout_ms, sscard_event *ev)
{
	sscard_pcsc_state *st;
	sscard_rc rc = sscard_pcsc_state_get(ctx, &st);
	if (rc != SSCARD_OK)
		return rc;
	if (pending_pop(st, ev))
		return SSCARD_OK;
	if (!st->watching) {
		st->pnp_state = SCARD_STATE_UNAWARE;
		rc = watch_sync(st);
		if (rc != SSCARD_OK)
			return rc;
		st->watching = true;
		if (pending_pop(st, ev))
			return SSCARD_OK;
	}
	long long deadline = timeout_ms < 0 ? 0 : now_ms() + timeout_ms;
	for (;;) {
		DWORD wait = INFINITE;
		if (timeout_ms >= 0) {
			long long left = deadline - now_ms();
			wait = left > 0 ? (DWORD)left : 0;
		}
		rc = wait_round(st, wait);
		if (rc == SSCARD_E_NO_SERVICE)
			st->pnp_state = SCARD_STATE_UNAWARE; /* a new pcscd counts afresh */
		if (pending_pop(st, ev))
			return SSCARD_OK;
		if (rc != SSCARD_OK)
			return rc;
		if (timeout_ms >= 0 && now_ms() >= deadline)
			return SSCARD_E_TIMEOUT;
	}
}


SSCARD_API sscard_rc sscard_wait_event(sscard_ctx *ctx, int timeout_ms, sscard_event *ev)
{
	sscard_rc rc;

	if (ctx == NULL || ev == NULL)
		return SSCARD_E_INVALID_ARG;
	rc = sscard_ctx_enter(ctx);
	if (rc != SSCARD_OK)
		return rc;
	rc = wait_event(ctx, timeout_ms, ev);
	sscard_ctx_leave(ctx);
	return rc;
}

SSCARD_API sscard_rc sscard_cancel_wait(sscard_ctx *ctx)
{
	if (ctx == NULL)
		return SSCARD_E_INVALID_ARG;
	const sscard_pcsc_state *st = ctx->pcsc;
	if (st == NULL || !st->established)
		return SSCARD_OK; /* nobody is waiting */
	LONG rv = SCardCancel(st->hctx);
	return rv == SCARD_S_SUCCESS ? SSCARD_OK : sscard_pcsc_rc(rv);
}
