/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sscard: reader and card events (hot-plug, insertion, removal) for kiosks. */
#ifndef SSCARD_EVENT_H
#define SSCARD_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include <sscard/context.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sscard_event_type {
	SSCARD_EVENT_READER_ADDED = 1,   /* a reader appeared (or was there at the first wait) */
	SSCARD_EVENT_READER_REMOVED = 2, /* a reader disappeared */
	SSCARD_EVENT_CARD_INSERTED = 3,  /* a card was inserted (or was there at the first wait) */
	SSCARD_EVENT_CARD_REMOVED = 4    /* a card was removed */
} sscard_event_type;

#define SSCARD_EVENT_READER_MAX 128u
#define SSCARD_EVENT_ATR_MAX 33u

/* One event, a plain value the caller owns. */
typedef struct sscard_event {
	sscard_event_type type;
	char reader[SSCARD_EVENT_READER_MAX]; /* reader name, NUL-terminated */
	uint8_t atr[SSCARD_EVENT_ATR_MAX];    /* CARD_INSERTED: the card's ATR */
	size_t atr_len;                       /* 0 for the other events */
} sscard_event;

/*
 * Wait for the next event on the context's PC/SC readers and store it in
 * *ev. The first calls report what is already there (READER_ADDED for
 * each reader, CARD_INSERTED for each card present), later calls report
 * changes, one event per call, in order.
 * timeout_ms < 0 waits without limit. Returns SSCARD_OK with *ev set,
 * SSCARD_E_TIMEOUT when nothing happened in time, SSCARD_E_CANCELLED after
 * sscard_cancel_wait(), SSCARD_E_NO_SERVICE when pcscd is not running (the
 * next call reconnects to it).
 */
SSCARD_API sscard_rc sscard_wait_event(sscard_ctx *ctx, int timeout_ms,
                                       sscard_event *ev);

/* Make a sscard_wait_event() blocked in another thread return
 * SSCARD_E_CANCELLED. Not async-signal-safe: call it from a thread, not
 * from a signal handler. */
SSCARD_API sscard_rc sscard_cancel_wait(sscard_ctx *ctx);

/* Stable lower-case name of an event type ("card-inserted", ...). */
SSCARD_API const char *sscard_event_name(sscard_event_type type);

#ifdef __cplusplus
}
#endif
#endif
