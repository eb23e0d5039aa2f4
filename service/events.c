/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sscardd's event thread: reader and card events of the served readers,
 * pushed to every page; in kiosk mode the verdict of a diagnosis of each
 * inserted card follows its cardInserted event.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server.h"


#define KIOSK_WAIT_MS 2000

static void pause_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static const char *const event_names[] = {
	[SSCARD_EVENT_READER_ADDED] = "readerAdded", [SSCARD_EVENT_READER_REMOVED] = "readerRemoved",
	[SSCARD_EVENT_CARD_INSERTED] = "cardInserted", [SSCARD_EVENT_CARD_REMOVED] = "cardRemoved",
};

typedef struct events {
	svc_server *srv;
	sscard_ctx *ctx;
	pthread_t thread;
	atomic_bool stop;
} events;

static events ev_state; /* one event thread per process */

static char *text_of(json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	char *copy = s != NULL ? strdup(s) : NULL;
	json_object_put(o);
	return copy;
}

static void push_event(svc_server *srv, const sscard_event *ev)
{
	json_object *o = json_object_new_object();
	char atr[2 * SSCARD_EVENT_ATR_MAX + 1] = "";

	json_object_object_add(o, "event", json_object_new_string(event_names[ev->type]));
	json_object_object_add(o, "reader", json_object_new_string(ev->reader));
	if (ev->type == SSCARD_EVENT_CARD_INSERTED) {
		sscard_hex_encode(ev->atr, ev->atr_len, atr, sizeof(atr));
		json_object_object_add(o, "atr", json_object_new_string(atr));
	}
	svc_server_broadcast(srv, text_of(o));
}

/* A page reading the card just inserted has it for a moment: the
 * diagnosis follows (the event thread waits at most KIOSK_WAIT_MS). */
static bool take_briefly(svc_env *env, const char *reader)
{
	for (int i = 0; i < KIOSK_WAIT_MS / 10; i++) {
		if (svc_locks_take(env->locks, reader, SVC_KIOSK_OWNER))
			return true;
		pause_ms(10);
	}
	svc_log(SVC_LOG_NOTICE, "kiosk: reader \"%s\" busy; not diagnosed", reader);
	return false;
}

/* Diagnose the card just inserted (when no page holds the reader). */
static void kiosk_diagnose(svc_server *srv, const char *reader)
{
	svc_env *env = svc_server_env(srv);
	sscard_ctx *ctx = NULL;
	sscard_diag *d = NULL;
	json_object *o;

	if (!take_briefly(env, reader))
		return;
	if (sscard_ctx_new(&ctx) == SSCARD_OK && sscard_diag_new(&d) == SSCARD_OK &&
	    sscard_diagnose_reader(ctx, reader, d) == SSCARD_OK) {
		o = svc_diag_json(d);
		json_object_object_add(o, "event", json_object_new_string("cardDiagnosed"));
		json_object_object_add(o, "reader", json_object_new_string(reader));
		for (size_t i = 0; i < sscard_diag_reason_count(d); i++)
			svc_metrics_verdict(env->metrics, sscard_verdict_name(sscard_diag_verdict(d)),
			                    sscard_diag_reason_code(d, i));
		svc_log(SVC_LOG_INFO, "kiosk: reader \"%s\": verdict %s", reader,
		        sscard_verdict_name(sscard_diag_verdict(d)));
		svc_server_broadcast(srv, text_of(o));
	}
	sscard_diag_free(&d);
	sscard_ctx_free(&ctx);
	svc_locks_give(env->locks, reader, SVC_KIOSK_OWNER);
}

/* Does the reader have a PIN pad? Asked once, when it appears, from this
 * thread (the one that waits for events). */
static bool has_pinpad(sscard_ctx *ctx, const char *reader)
{
	sscard_reader_list *list = NULL;
	bool pad = false;

	if (sscard_list_readers(ctx, &list) != SSCARD_OK)
		return false;
	for (size_t i = 0; i < sscard_reader_list_count(list); i++)
		if (strcmp(sscard_reader_list_name(list, i), reader) == 0)
			pad = (sscard_reader_list_features(list, i) & SSCARD_FEATURE_PINPAD_VERIFY) != 0;
	sscard_reader_list_free(&list);
	return pad;
}

static void track_readers(svc_env *env, sscard_ctx *ctx, const sscard_event *ev)
{
	svc_readers_update(&env->readers, ev,
	                   ev->type == SSCARD_EVENT_READER_ADDED && has_pinpad(ctx, ev->reader));
	if (ev->type == SSCARD_EVENT_READER_ADDED)
		svc_metrics_readers(env->metrics, 1);
	else if (ev->type == SSCARD_EVENT_READER_REMOVED)
		svc_metrics_readers(env->metrics, -1);
}

static void *events_main(void *arg)
{
	events *e = arg;
	svc_env *env = svc_server_env(e->srv);
	sscard_event ev;

	while (!atomic_load(&e->stop)) {
		sscard_rc rc = sscard_wait_event(e->ctx, 1000, &ev);
		if (rc == SSCARD_E_NO_SERVICE)
			pause_ms(500); /* pcscd is down: try again later */
		if (rc != SSCARD_OK || !svc_reader_served(env->cfg, ev.reader))
			continue;
		svc_log(SVC_LOG_INFO, "event: %s \"%s\"", sscard_event_name(ev.type), ev.reader);
		track_readers(env, e->ctx, &ev);
		push_event(e->srv, &ev);
		if (env->cfg->kiosk && ev.type == SSCARD_EVENT_CARD_INSERTED)
			kiosk_diagnose(e->srv, ev.reader);
	}
	return NULL;
}

int svc_events_start(svc_server *srv)
{
	ev_state.srv = srv;
	atomic_store(&ev_state.stop, false);
	if (sscard_ctx_new(&ev_state.ctx) != SSCARD_OK)
		return -1;
	if (pthread_create(&ev_state.thread, NULL, events_main, &ev_state) != 0) {
		sscard_ctx_free(&ev_state.ctx);
		return -1;
	}
	return 0;
}

void svc_events_stop(svc_server *srv)
{
	(void)srv;
	if (ev_state.ctx == NULL)
		return;
	atomic_store(&ev_state.stop, true);
	sscard_cancel_wait(ev_state.ctx);
	pthread_join(ev_state.thread, NULL);
	sscard_ctx_free(&ev_state.ctx);
}
