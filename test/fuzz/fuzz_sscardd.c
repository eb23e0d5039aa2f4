/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sscardd's JSON parser and dispatcher (service/rpc.c) and its
 * configuration parser (service/config.c) on any bytes. The first byte
 * chooses: bit 1 the configuration parser instead of a message, bit 0 the
 * vendor shim on, bit 2 a smaller message limit. Every message must get
 * exactly one answer, and every answer must be a JSON object.
 */
#include <stdlib.h>
#include <string.h>

#include "svc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct sink {
	int replies;
	bool started;
	svc_request last;
} sink;

static void check_json(const char *text)
{
	json_object *o = text != NULL ? json_tokener_parse(text) : NULL;
	if (o == NULL || !json_object_is_type(o, json_type_object))
		abort();
	json_object_put(o);
}

static void on_reply(void *sess, char *text)
{
	sink *s = sess;
	check_json(text);
	s->replies++;
	free(text);
}

/* A started request is answered as the server would: a result or an error. */
static svc_err on_start(void *sess, const svc_request *req)
{
	sink *s = sess;
	s->started = true;
	s->last = *req;
	return req->wait_ms % 2 ? SVC_E_READER_BUSY : SVC_OK;
}

static unsigned on_cancel(void *sess, int64_t target)
{
	(void)sess;
	return target < 0 ? 0u : 1u;
}

static const svc_rpc_ops ops = { on_reply, on_start, on_cancel };

static void answer_started(sink *s)
{
	json_object *r = json_object_new_object();
	char *text;

	json_object_object_add(r, "ministry", json_object_new_string("110100|||"));
	text = svc_reply_result(&s->last, r);
	check_json(text);
	free(text);
	text = svc_reply_error(&s->last, SVC_E_CARD_ERROR, "CARD_ERROR");
	check_json(text);
	free(text);
	s->replies++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static svc_config cfg;
	sink s = { 0 };
	char err[256];

	if (size == 0)
		return 0;
	svc_config_defaults(&cfg);
	cfg.vendor_shim = (data[0] & 1) != 0;
	cfg.max_message = (data[0] & 4) ? 256 : 4096;
	if (data[0] & 2) {
		if (svc_config_parse(&cfg, (const char *)data + 1, size - 1, err, sizeof(err)) == 0) {
			svc_config_finish(&cfg);
			if (cfg.norigins > SVC_MAX_ORIGINS || cfg.nreaders > SVC_MAX_READERS)
				abort();
		} else if (strlen(err) == 0) {
			abort(); /* every refusal says why */
		}
		return 0;
	}
	svc_rpc_handle(&cfg, &ops, &s, (const char *)data + 1, size - 1);
	if (s.started && s.replies == 0)
		answer_started(&s);
	if (s.replies != 1)
		abort(); /* one answer per message, never none, never two */
	return 0;
}
