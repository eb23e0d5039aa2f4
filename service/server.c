/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sscardd's server on libwebsockets: one loop thread owns the sessions;
 * card operations run in worker threads (ops.c) and hand their answers
 * back through a queue the loop drains when lws_cancel_service() wakes it.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "server.h"

#define OUTQ_MAX 256u /* messages waiting for a slow page; more events are dropped */
#define UI_FILE_MAX (256u * 1024u)

int svc_log_max = SVC_LOG_INFO;

void svc_log(int prio, const char *fmt, ...)
{
	va_list ap;

	if (prio > svc_log_max)
		return;
	fprintf(stderr, "<%d>", prio);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- state ----------------------------------------------------------------- */

typedef struct out_msg {
	struct out_msg *next;
	size_t len;
	unsigned char buf[]; /* LWS_PRE bytes, then the text */
} out_msg;

typedef struct session {
	struct session *next;
	uint64_t id;
	struct lws *wsi;
	out_msg *head, *tail;
	size_t queued;
	svc_hold *hold;
	char *rx;
	size_t rx_len;
	bool rx_overflow;
	double tokens;
	long long refill_ms;
} session;

typedef struct done {
	struct done *next;
	svc_job *job;   /* a finished job, or */
	char *text;     /* a broadcast */
} done;

struct svc_server {
	const svc_config *cfg;
	svc_env env;
	struct lws_context *lws;
	session *sessions;
	size_t nsessions;
	uint64_t next_id;
	svc_job *running;
	pthread_mutex_t qlock;
	done *qhead, *qtail;
	lws_sorted_usec_list_t tick;
	volatile sig_atomic_t *stop;
};

typedef struct pss { /* per HTTP / WebSocket connection */
	session *sess;
	unsigned char *body;
	size_t body_len;
} pss;

svc_env *svc_server_env(svc_server *srv)
{
	return &srv->env;
}

static void queue_push(svc_server *srv, svc_job *job, char *text)
{
	done *d = calloc(1, sizeof(*d));

	if (d == NULL) {
		free(text);
		return; /* a job is never lost: see job_thread */
	}
	d->job = job;
	d->text = text;
	pthread_mutex_lock(&srv->qlock);
	if (srv->qtail != NULL)
		srv->qtail->next = d;
	else
		srv->qhead = d;
	srv->qtail = d;
	pthread_mutex_unlock(&srv->qlock);
	lws_cancel_service(srv->lws);
}

void svc_server_broadcast(svc_server *srv, char *text)
{
	if (text != NULL)
		queue_push(srv, NULL, text);
}

/* ---- sessions ---------------------------------------------------------------- */

static session *session_find(svc_server *srv, uint64_t id)
{
	for (session *s = srv->sessions; s != NULL; s = s->next)
		if (s->id == id)
			return s;
	return NULL;
}

static void session_send(session *s, char *text, bool droppable)
{
	size_t len = text != NULL ? strlen(text) : 0;
	out_msg *m;

	if (text == NULL || (droppable && s->queued >= OUTQ_MAX) ||
	    (m = malloc(sizeof(*m) + LWS_PRE + len)) == NULL) {
		free(text);
		return;
	}
	m->next = NULL;
	m->len = len;
	memcpy(m->buf + LWS_PRE, text, len);
	free(text);
	if (s->tail != NULL)
		s->tail->next = m;
	else
		s->head = m;
	s->tail = m;
	s->queued++;
	lws_callback_on_writable(s->wsi);
}

static int session_write(session *s)
{
	out_msg *m = s->head;

	if (m == NULL)
		return 0;
	if (lws_write(s->wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT) < (int)m->len)
		return -1;
	s->head = m->next;
	if (s->head == NULL)
		s->tail = NULL;
	s->queued--;
	free(m);
	if (s->head != NULL)
		lws_callback_on_writable(s->wsi);
	return 0;
}

static void hold_end(svc_server *srv, svc_hold **hold);

static unsigned cancel_jobs(svc_server *srv, uint64_t sess, int64_t target)
{
	unsigned n = 0;

	for (svc_job *j = srv->running; j != NULL; j = j->next) {
		if (j->session != sess || (target >= 0 && (!j->req.has_id || j->req.id != target)))
			continue;
		atomic_store(&j->cancelled, true);
		sscard_cancel_wait(j->wait_ctx);
		n++;
	}
	return n;
}

static void session_close(svc_server *srv, session *s)
{
	session **pp = &srv->sessions;

	cancel_jobs(srv, s->id, -1);
	hold_end(srv, &s->hold);
	while (*pp != NULL && *pp != s)
		pp = &(*pp)->next;
	if (*pp == s)
		*pp = s->next;
	srv->nsessions--;
	svc_metrics_connections(srv->env.metrics, -1);
	while (s->head != NULL) {
		out_msg *m = s->head;
		s->head = m->next;
		free(m);
	}
	free(s->rx);
	free(s);
}

/* ---- jobs ---------------------------------------------------------------------- */

/* The thread of a successful Step1 stays with its card (ops.h): it runs
 * the Step2 job or takes the release, tears the hold down, and ends. */
static void hold_serve(svc_server *srv, svc_hold *h)
{
	svc_job *job;

	pthread_mutex_lock(&h->mutex);
	while (h->cmd == SVC_HOLD_WAIT)
		pthread_cond_wait(&h->cond, &h->mutex);
	job = h->cmd == SVC_HOLD_STEP2 ? h->step2 : NULL;
	pthread_mutex_unlock(&h->mutex);
	if (job != NULL)
		svc_job_run(job);
	svc_hold_teardown(&srv->env, h);
	if (job != NULL)
		queue_push(srv, job, NULL);
}

static void hold_command(svc_hold *h, svc_hold_cmd cmd, svc_job *step2)
{
	pthread_mutex_lock(&h->mutex);
	h->cmd = cmd;
	h->step2 = step2;
	pthread_cond_signal(&h->cond);
	pthread_mutex_unlock(&h->mutex);
}

static void hold_free(svc_hold **hold)
{
	if (*hold == NULL)
		return;
	pthread_mutex_destroy(&(*hold)->mutex);
	pthread_cond_destroy(&(*hold)->cond);
	free(*hold);
	*hold = NULL;
}

/* Release a waiting hold (page gone, Step2 late, shutdown) at once. */
static void hold_end(svc_server *srv, svc_hold **hold)
{
	(void)srv;
	if (*hold == NULL)
		return;
	hold_command(*hold, SVC_HOLD_RELEASE, NULL);
	pthread_join((*hold)->thread, NULL);
	hold_free(hold);
}

static void *job_thread(void *arg)
{
	svc_job *job = arg;
	svc_server *srv = job->server;
	svc_hold *h;

	svc_job_run(job);
	h = job->hold; /* Step1's, before the loop may free the job */
	queue_push(srv, job, NULL);
	if (h != NULL)
		hold_serve(srv, h);
	return NULL;
}

static void job_free(svc_job *job)
{
	json_object_put(job->result);
	sscard_ctx_free(&job->ctx);
	free(job);
}

static svc_err job_prepare(session *s, svc_job *job)
{
	if (job->req.method == SVC_M_STEP2) {
		if (s->hold == NULL)
			return SVC_E_NO_STEP1;
		job->hold = s->hold; /* the hold's thread runs the job and ends it */
		job->wait_ctx = job->hold->ctx;
		job->thread = job->hold->thread;
		s->hold = NULL;
		return SVC_OK;
	}
	if (job->req.method == SVC_M_STEP1 && s->hold != NULL)
		return SVC_E_READER_BUSY; /* one Step1 at a time per page */
	if (sscard_ctx_new(&job->ctx) != SSCARD_OK)
		return SVC_E_SERVICE;
	job->wait_ctx = job->ctx;
	return SVC_OK;
}

static svc_err start_job(svc_server *srv, session *s, const svc_request *req)
{
	svc_job *job = calloc(1, sizeof(*job));
	svc_err e;

	if (job == NULL)
		return SVC_E_SERVICE;
	job->req = *req;
	job->session = s->id;
	job->env = &srv->env;
	e = job_prepare(s, job);
	job->server = srv;
	if (e == SVC_OK && req->method == SVC_M_STEP2)
		hold_command(job->hold, SVC_HOLD_STEP2, job);
	else if (e == SVC_OK && pthread_create(&job->thread, NULL, job_thread, job) != 0)
		e = SVC_E_SERVICE;
	if (e != SVC_OK) {
		job_free(job);
		return e;
	}
	job->next = srv->running; /* the loop thread's list; workers never touch it */
	srv->running = job;
	return SVC_OK;
}

/* ---- the dispatcher's view of a session ---------------------------------------- */

typedef struct rpc_ctx {
	svc_server *srv;
	session *s;
} rpc_ctx;

static void rpc_reply(void *sess, char *text)
{
	rpc_ctx *c = sess;
	session_send(c->s, text, false);
}

static svc_err rpc_start(void *sess, const svc_request *req)
{
	rpc_ctx *c = sess;
	return start_job(c->srv, c->s, req);
}

static unsigned rpc_cancel(void *sess, int64_t target)
{
	rpc_ctx *c = sess;
	return cancel_jobs(c->srv, c->s->id, target);
}

static const svc_rpc_ops rpc_ops = { rpc_reply, rpc_start, rpc_cancel };

/* ---- answers coming back ------------------------------------------------------- */

static void unlink_job(svc_server *srv, svc_job *job)
{
	svc_job **pp = &srv->running;
	while (*pp != NULL && *pp != job)
		pp = &(*pp)->next;
	if (*pp == job)
		*pp = job->next;
}

static void log_job(const svc_job *job)
{
	svc_log(job->err == SVC_OK ? SVC_LOG_INFO : SVC_LOG_NOTICE, "%s: %s%s%s (%.0f ms)",
	        svc_method_name(job->req.method), svc_err_code(job->err), job->detail[0] ? " " : "",
	        job->detail, job->seconds * 1000.0);
}

static void job_finished(svc_server *srv, svc_job *job)
{
	session *s = session_find(srv, job->session);
	svc_hold *h = job->req.method == SVC_M_STEP1 ? job->hold : NULL; /* its thread lives on */

	unlink_job(srv, job);
	log_job(job);
	if (h != NULL) {
		h->thread = job->thread;
		job->hold = NULL;
		if (s != NULL)
			s->hold = h; /* the card stays held until Step2 */
		else
			hold_end(srv, &h);
	} else {
		pthread_join(job->thread, NULL);
		hold_free(&job->hold); /* Step2's: its thread tore it down */
	}
	if (s != NULL) {
		char *text = job->err == SVC_OK ? svc_reply_result(&job->req, job->result)
		                                : svc_reply_error(&job->req, job->err, job->detail);
		job->result = NULL;
		session_send(s, text, false);
	}
	job_free(job);
}

static void drain(svc_server *srv)
{
	done *d;

	pthread_mutex_lock(&srv->qlock);
	d = srv->qhead;
	srv->qhead = srv->qtail = NULL;
	pthread_mutex_unlock(&srv->qlock);
	while (d != NULL) {
		done *next = d->next;
		if (d->job != NULL)
			job_finished(srv, d->job);
		for (session *s = srv->sessions; d->text != NULL && s != NULL; s = s->next)
			session_send(s, strdup(d->text), true);
		free(d->text);
		free(d);
		d = next;
	}
}

/* Step1 holds end when their page does not come back in time. */
static void tick(lws_sorted_usec_list_t *sul)
{
	svc_server *srv = lws_container_of(sul, svc_server, tick);
	long long now = svc_now_ms();

	for (session *s = srv->sessions; s != NULL; s = s->next)
		if (s->hold != NULL && s->hold->deadline_ms < now) {
			svc_log(SVC_LOG_NOTICE, "readBasicStep1: no Step2 in time; reader released");
			hold_end(srv, &s->hold);
		}
	if (*srv->stop)
		lws_cancel_service(srv->lws);
	lws_sul_schedule(srv->lws, 0, &srv->tick, tick, 250 * LWS_US_PER_MS);
}

/* ---- HTTP -------------------------------------------------------------------- */

static bool header(struct lws *wsi, enum lws_token_indexes t, char *buf, size_t size)
{
	int n = lws_hdr_total_length(wsi, t);
	if (n <= 0 || (size_t)n >= size)
		return false;
	return lws_hdr_copy(wsi, buf, (int)size, t) == n;
}

typedef struct reply {
	unsigned status;
	const char *type;
	const char *origin;  /* CORS: the allowed origin to echo, or NULL */
	const char *const *extra; /* name, value pairs, NULL-terminated */
} reply;

static int add(struct lws *wsi, const char *name, const char *value, unsigned char **p,
               unsigned char *end)
{
	return lws_add_http_header_by_name(wsi, (const unsigned char *)name, (const unsigned char *)value,
	                                   (int)strlen(value), p, end);
}

static int respond(struct lws *wsi, pss *p, const reply *r, const char *body, size_t len)
{
	unsigned char hdr[LWS_PRE + 4096], *start = hdr + LWS_PRE, *ptr = start,
	                                   *end = hdr + sizeof(hdr) - 1;

	free(p->body);
	p->body = malloc(LWS_PRE + len + 1);
	if (p->body == NULL)
		return -1;
	memcpy(p->body + LWS_PRE, body, len);
	p->body_len = len;
	if (lws_add_http_common_headers(wsi, r->status, r->type, len, &ptr, end) ||
	    add(wsi, "x-content-type-options:", "nosniff", &ptr, end) ||
	    add(wsi, "cache-control:", "no-store", &ptr, end) ||
	    add(wsi, "vary:", "Origin", &ptr, end))
		return -1;
	if (r->origin != NULL && add(wsi, "access-control-allow-origin:", r->origin, &ptr, end))
		return -1;
	for (const char *const *e = r->extra; e != NULL && e[0] != NULL; e += 2)
		if (add(wsi, e[0], e[1], &ptr, end))
			return -1;
	if (lws_finalize_write_http_header(wsi, start, &ptr, end))
		return -1;
	lws_callback_on_writable(wsi);
	return 0;
}

static int respond_text(struct lws *wsi, pss *p, unsigned status, const char *origin, const char *text)
{
	reply r = { status, "text/plain; charset=utf-8", origin, NULL };
	return respond(wsi, p, &r, text, strlen(text));
}

static int http_writeable(struct lws *wsi, pss *p)
{
	if (p->body == NULL)
		return 0;
	if (p->body_len > 0 &&
	    lws_write(wsi, p->body + LWS_PRE, p->body_len, LWS_WRITE_HTTP_FINAL) < (int)p->body_len)
		return -1;
	free(p->body);
	p->body = NULL;
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

typedef struct http_req {
	svc_server *srv;
	struct lws *wsi;
	pss *p;
	const char *uri;
	const char *origin; /* NULL when the request has none */
} http_req;

static int route_status(const http_req *h)
{
	json_object *o = json_object_new_object();
	char *text;
	int rc;
	reply r = { 200, "application/json", h->origin, NULL };

	json_object_object_add(o, "service", json_object_new_string(SVC_NAME));
	json_object_object_add(o, "version", json_object_new_string(sscard_version()));
	json_object_object_add(o, "api", json_object_new_string(SVC_API_VERSION));
	json_object_object_add(o, "subprotocol", json_object_new_string(SVC_SUBPROTOCOL));
	text = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	if (text == NULL)
		return -1;
	rc = respond(h->wsi, h->p, &r, text, strlen(text));
	free(text);
	return rc;
}

static int route_metrics(const http_req *h)
{
	char *text = svc_metrics_render(h->srv->env.metrics);
	reply r = { 200, "text/plain; version=0.0.4; charset=utf-8", h->origin, NULL };
	int rc;

	if (text == NULL)
		return respond_text(h->wsi, h->p, 500, h->origin, "metrics unavailable\n");
	rc = respond(h->wsi, h->p, &r, text, strlen(text));
	free(text);
	return rc;
}

static const struct { const char *uri, *file, *type; } ui_files[] = {
	{ "/ui/", "index.html", "text/html; charset=utf-8" },
	{ "/ui/index.html", "index.html", "text/html; charset=utf-8" },
	{ "/ui/kiosk.js", "kiosk.js", "text/javascript; charset=utf-8" },
	{ "/ui/kiosk.css", "kiosk.css", "text/css; charset=utf-8" },
};

static char *read_ui(const char *dir, const char *file, size_t *len)
{
	char path[SVC_PATH_MAX + 32];
	char *buf = malloc(UI_FILE_MAX);
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 && buf != NULL ? read(fd, buf, UI_FILE_MAX) : -1;
	if (fd >= 0)
		close(fd);
	if (n < 0 || (size_t)n == UI_FILE_MAX) {
		free(buf);
		return NULL;
	}
	*len = (size_t)n;
	return buf;
}

static int route_ui(const http_req *h, size_t i)
{
	char csp[256];
	const char *extra[] = { "content-security-policy:", csp, "x-frame-options:", "DENY", NULL };
	reply r = { 200, ui_files[i].type, NULL, extra };
	size_t len = 0;
	char *body = read_ui(h->srv->cfg->ui_dir, ui_files[i].file, &len);
	int rc;

	snprintf(csp, sizeof(csp), "default-src 'self'; connect-src 'self' ws://127.0.0.1:%u; "
	         "frame-ancestors 'none'", h->srv->cfg->port);
	if (body == NULL)
		return respond_text(h->wsi, h->p, 404, NULL, "kiosk page not installed\n");
	rc = respond(h->wsi, h->p, &r, body, len);
	free(body);
	return rc;
}

/* OPTIONS: the CORS preflight of an allowed origin, with Chrome's
 * Private Network Access / Local Network Access answer. */
static int route_preflight(const http_req *h)
{
	char pna[16] = "";
	const char *extra[] = {
		"access-control-allow-methods:", "GET, OPTIONS",
		"access-control-allow-headers:", "Content-Type",
		"access-control-max-age:", "600",
		NULL, NULL, NULL,
	};
	reply r = { 204, "text/plain", h->origin, extra };

	if (h->origin == NULL)
		return respond_text(h->wsi, h->p, 403, NULL, "forbidden: no Origin\n");
	if (lws_hdr_custom_copy(h->wsi, pna, sizeof(pna), "access-control-request-private-network:",
	                        (int)strlen("access-control-request-private-network:")) > 0 &&
	    strcasecmp(pna, "true") == 0) {
		extra[6] = "access-control-allow-private-network:";
		extra[7] = "true";
	}
	return respond(h->wsi, h->p, &r, "", 0);
}

/* A request from a browser page (it has an Origin) must say
 * Content-Type: application/json: no simple-request bypass. */
static bool json_declared(struct lws *wsi)
{
	char type[128];
	return header(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE, type, sizeof(type)) &&
	       strncasecmp(type, "application/json", 16) == 0 && (type[16] == '\0' || type[16] == ';');
}

static int route_api(const http_req *h, int (*fn)(const http_req *))
{
	if (h->origin != NULL && !json_declared(h->wsi)) {
		svc_metrics_reject(h->srv->env.metrics, SVC_REJ_CONTENT_TYPE);
		return respond_text(h->wsi, h->p, 415, h->origin, "Content-Type: application/json required\n");
	}
	return fn(h);
}

static int route_redirect(const http_req *h)
{
	static const char *const location[] = { "location:", "/ui/", NULL };
	reply r = { 302, "text/plain; charset=utf-8", h->origin, location };
	return respond(h->wsi, h->p, &r, "/ui/\n", 5);
}

static int route_get(const http_req *h)
{
	if (strcmp(h->uri, "/v1/status") == 0)
		return route_api(h, route_status);
	if (strcmp(h->uri, "/metrics") == 0)
		return route_api(h, route_metrics);
	for (size_t i = 0; i < sizeof(ui_files) / sizeof(ui_files[0]); i++)
		if (strcmp(h->uri, ui_files[i].uri) == 0)
			return route_ui(h, i);
	if (strcmp(h->uri, "/") == 0 || strcmp(h->uri, "/ui") == 0)
		return route_redirect(h);
	return respond_text(h->wsi, h->p, 404, h->origin, "not found\n");
}

/* Host and Origin, the checks every request passes first: NULL when it
 * may go on, else the status to refuse it with. */
static unsigned gate(svc_server *srv, struct lws *wsi, char *origin, size_t osize, bool *has_origin)
{
	char host[128];

	if (!header(wsi, WSI_TOKEN_HOST, host, sizeof(host)) || !svc_host_allowed(srv->cfg, host)) {
		svc_metrics_reject(srv->env.metrics, SVC_REJ_HOST);
		return 403;
	}
	*has_origin = lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) > 0;
	if (*has_origin && (!header(wsi, WSI_TOKEN_ORIGIN, origin, osize) ||
	                    !svc_origin_allowed(srv->cfg, origin))) {
		svc_metrics_reject(srv->env.metrics, SVC_REJ_ORIGIN);
		return 403;
	}
	return 0;
}

static int http_request(svc_server *srv, struct lws *wsi, pss *p, const char *uri)
{
	char origin[SVC_NAME_MAX];
	bool has_origin = false;
	char *u = NULL;
	int ulen = 0, method = lws_http_get_uri_and_method(wsi, &u, &ulen);
	unsigned refused = gate(srv, wsi, origin, sizeof(origin), &has_origin);
	http_req h = { srv, wsi, p, uri, has_origin ? origin : NULL };

	if (refused != 0) {
		svc_log(SVC_LOG_NOTICE, "http: refused (Host or Origin not allowed)");
		return respond_text(wsi, p, refused, NULL, "forbidden\n");
	}
	if (method == LWSHUMETH_OPTIONS)
		return route_preflight(&h);
	if (method != LWSHUMETH_GET)
		return respond_text(wsi, p, 405, h.origin, "method not allowed\n");
	return route_get(&h);
}

/* ---- WebSocket --------------------------------------------------------------- */

static bool has_subprotocol(struct lws *wsi)
{
	char list[256];
	char *save = NULL;

	if (!header(wsi, WSI_TOKEN_PROTOCOL, list, sizeof(list)))
		return false;
	for (char *w = strtok_r(list, ", ", &save); w != NULL; w = strtok_r(NULL, ", ", &save))
		if (strcmp(w, SVC_SUBPROTOCOL) == 0)
			return true;
	return false;
}

/* 0: the upgrade may go on; else the status to refuse it with. */
static unsigned upgrade_check(svc_server *srv, struct lws *wsi)
{
	char origin[SVC_NAME_MAX], uri[64];
	bool has_origin = false;
	unsigned refused = gate(srv, wsi, origin, sizeof(origin), &has_origin);

	if (refused == 0 && !has_origin) {
		svc_metrics_reject(srv->env.metrics, SVC_REJ_ORIGIN);
		refused = 403; /* every browser sends one; nothing else may upgrade */
	}
	if (refused == 0 && (!header(wsi, WSI_TOKEN_GET_URI, uri, sizeof(uri)) || strcmp(uri, "/v1/ws") != 0))
		refused = 404;
	if (refused == 0 && !has_subprotocol(wsi))
		refused = 400;
	if (refused == 0 && srv->nsessions >= srv->cfg->max_connections) {
		svc_metrics_reject(srv->env.metrics, SVC_REJ_CONNECTIONS);
		refused = 503;
	}
	return refused;
}

static int ws_established(svc_server *srv, struct lws *wsi, pss *p)
{
	session *s = calloc(1, sizeof(*s));

	if (s == NULL || (s->rx = malloc(srv->cfg->max_message)) == NULL) {
		free(s);
		return -1;
	}
	s->id = ++srv->next_id;
	s->wsi = wsi;
	s->tokens = 2.0 * srv->cfg->rate;
	s->refill_ms = svc_now_ms();
	s->next = srv->sessions;
	srv->sessions = s;
	srv->nsessions++;
	p->sess = s;
	svc_metrics_connections(srv->env.metrics, 1);
	svc_log(SVC_LOG_DEBUG, "ws: page %llu connected", (unsigned long long)s->id);
	return 0;
}

/* A token bucket per page: `rate` messages a second, bursts of twice that. */
static bool rate_ok(svc_server *srv, session *s)
{
	long long now = svc_now_ms();
	double cap = 2.0 * srv->cfg->rate;

	s->tokens += (double)(now - s->refill_ms) * srv->cfg->rate / 1000.0;
	s->tokens = s->tokens > cap ? cap : s->tokens;
	s->refill_ms = now;
	if (s->tokens < 1.0)
		return false;
	s->tokens -= 1.0;
	return true;
}

/* Refuse a message unheard; its id (when it has one) goes with the
 * answer, so the page knows which request it was. */
static void refuse_message(svc_server *srv, session *s, svc_err e, svc_reject why, bool whole)
{
	svc_request req;

	memset(&req, 0, sizeof(req));
	if (whole)
		(void)svc_rpc_parse(srv->cfg, s->rx, s->rx_len, &req);
	svc_metrics_reject(srv->env.metrics, why);
	session_send(s, svc_reply_error(&req, e, NULL), false);
}

static void ws_receive(svc_server *srv, struct lws *wsi, session *s, const void *in, size_t len)
{
	rpc_ctx c = { srv, s };

	if (s->rx_overflow || len > srv->cfg->max_message - s->rx_len)
		s->rx_overflow = true;
	else {
		memcpy(s->rx + s->rx_len, in, len);
		s->rx_len += len;
	}
	if (!lws_is_final_fragment(wsi))
		return;
	if (s->rx_overflow)
		refuse_message(srv, s, SVC_E_TOO_LARGE, SVC_REJ_SIZE, false);
	else if (!rate_ok(srv, s))
		refuse_message(srv, s, SVC_E_RATE_LIMITED, SVC_REJ_RATE, true);
	else
		svc_rpc_handle(srv->cfg, &rpc_ops, &c, s->rx, s->rx_len);
	s->rx_len = 0;
	s->rx_overflow = false;
}

/* ---- the callback: one handler per reason ----------------------------------- */

typedef int (*handler)(svc_server *srv, struct lws *wsi, pss *p, void *in, size_t len);

static int on_http(svc_server *srv, struct lws *wsi, pss *p, void *in, size_t len)
{
	(void)len;
	return http_request(srv, wsi, p, in);
}

static int on_http_writeable(svc_server *srv, struct lws *wsi, pss *p, void *in, size_t len)
{
	(void)srv, (void)in, (void)len;
	return http_writeable(wsi, p);
}

static int on_http_drop(svc_server *srv, struct lws *wsi, pss *p, void *in, size_t len)
{
	(void)srv, (void)wsi, (void)in, (void)len;
	if (p != NULL) {
		free(p->body);
		p->body = NULL;
	}
	return 0;
}

static int on_confirm_upgrade(svc_server *srv, struct lws *wsi, pss *p, void *in, size_t len)
{
	unsigned refused = upgrade_check(srv, wsi);

	(void)p, (void)in, (void)len;
	if (refused == 0)
		return 0;
	svc_log(SVC_LOG_NOTICE, "ws: upgrade refused (%u)", refused);
	lws_return_http_status(wsi, refused, NULL);
	return 1;
}

static int on_established(svc_server *srv, struct lws *wsi, pss *p, void *in, size_t len)
{
	(void)in, (void)len;
	return ws_established(srv, wsi, p);
}

static int on_receive(svc_server *srv, struct lws *wsi, pss *p, void *in, size_t len)
{
	if (p->sess != NULL)
		ws_receive(srv, wsi, p->sess, in, len);
	return 0;
}

static int on_ws_writeable(svc_server *srv, struct lws *wsi, pss *p, void *in, size_t len)
{
	(void)srv, (void)wsi, (void)in, (void)len;
	return p->sess != NULL ? session_write(p->sess) : 0;
}

static int on_closed(svc_server *srv, struct lws *wsi, pss *p, void *in, size_t len)
{
	(void)wsi, (void)in, (void)len;
	if (p->sess != NULL) {
		svc_log(SVC_LOG_DEBUG, "ws: page %llu gone", (unsigned long long)p->sess->id);
		session_close(srv, p->sess);
	}
	p->sess = NULL;
	return 0;
}

static int on_wake(svc_server *srv, struct lws *wsi, pss *p, void *in, size_t len)
{
	(void)wsi, (void)p, (void)in, (void)len;
	if (srv != NULL)
		drain(srv);
	return 0;
}

static const struct { enum lws_callback_reasons reason; handler fn; } handlers[] = {
	{ LWS_CALLBACK_HTTP, on_http },
	{ LWS_CALLBACK_HTTP_WRITEABLE, on_http_writeable },
	{ LWS_CALLBACK_HTTP_DROP_PROTOCOL, on_http_drop },
	{ LWS_CALLBACK_CLOSED_HTTP, on_http_drop },
	{ LWS_CALLBACK_HTTP_CONFIRM_UPGRADE, on_confirm_upgrade },
	{ LWS_CALLBACK_ESTABLISHED, on_established },
	{ LWS_CALLBACK_RECEIVE, on_receive },
	{ LWS_CALLBACK_SERVER_WRITEABLE, on_ws_writeable },
	{ LWS_CALLBACK_CLOSED, on_closed },
	{ LWS_CALLBACK_EVENT_WAIT_CANCELLED, on_wake },
};

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
		if (handlers[i].reason == reason)
			return handlers[i].fn(lws_context_user(lws_get_context(wsi)), wsi, user, in, len);
	return 0;
}

/* ---- running ------------------------------------------------------------------- */

static const struct lws_protocols protocols[] = {
	{ SVC_SUBPROTOCOL, callback, sizeof(pss), 4096, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

static void lws_logger(int level, const char *line)
{
	svc_log(level == LLL_ERR ? SVC_LOG_ERR : SVC_LOG_WARNING, "lws: %.*s", (int)strcspn(line, "\n"), line);
}

static struct lws_vhost *listen_on(svc_server *srv, const char *name, const char *iface, bool v6)
{
	struct lws_context_creation_info info;

	memset(&info, 0, sizeof(info));
	info.port = (int)srv->cfg->port;
	info.iface = iface;
	info.vhost_name = name;
	info.protocols = protocols;
	info.options = v6 ? LWS_SERVER_OPTION_IPV6_V6ONLY_MODIFY | LWS_SERVER_OPTION_IPV6_V6ONLY_VALUE
	                  : LWS_SERVER_OPTION_DISABLE_IPV6;
	info.options |= LWS_SERVER_OPTION_VALIDATE_UTF8;
	return lws_create_vhost(srv->lws, &info);
}

static int start(svc_server *srv)
{
	struct lws_context_creation_info info;
	bool v4, v6;

	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
	info.user = srv;
	info.port = CONTEXT_PORT_NO_LISTEN;
	lws_set_log_level(LLL_ERR | LLL_WARN, lws_logger);
	srv->lws = lws_create_context(&info);
	if (srv->lws == NULL)
		return -1;
	v4 = srv->cfg->listen_v4 && listen_on(srv, "ipv4", "127.0.0.1", false) != NULL;
	v6 = srv->cfg->listen_v6 && listen_on(srv, "ipv6", "::1", true) != NULL;
	if (srv->cfg->listen_v6 && !v6)
		svc_log(SVC_LOG_WARNING, "cannot listen on [::1]:%u", srv->cfg->port);
	if (!v4 && !v6) {
		svc_log(SVC_LOG_ERR, "cannot listen on 127.0.0.1:%u", srv->cfg->port);
		return -1;
	}
	lws_sul_schedule(srv->lws, 0, &srv->tick, tick, 250 * LWS_US_PER_MS);
	svc_log(SVC_LOG_NOTICE, "listening on%s%s port %u", v4 ? " 127.0.0.1" : "", v6 ? " [::1]" : "",
	        srv->cfg->port);
	return 0;
}

static void stop_jobs(svc_server *srv)
{
	for (svc_job *j = srv->running; j != NULL; j = j->next) {
		atomic_store(&j->cancelled, true);
		sscard_cancel_wait(j->wait_ctx);
	}
	while (srv->running != NULL)
		if (lws_service(srv->lws, 0) < 0)
			break;
}

static void free_queue(svc_server *srv)
{
	while (srv->qhead != NULL) {
		done *d = srv->qhead;
		srv->qhead = d->next;
		free(d->text);
		free(d);
	}
}

int svc_server_run(const svc_config *cfg, volatile sig_atomic_t *stop)
{
	svc_server srv;
	int rc = 0;

	memset(&srv, 0, sizeof(srv));
	srv.cfg = cfg;
	srv.stop = stop;
	srv.env.cfg = cfg;
	srv.env.locks = svc_locks_new();
	srv.env.metrics = svc_metrics_new();
	pthread_mutex_init(&srv.qlock, NULL);
	pthread_mutex_init(&srv.env.psam_lock, NULL);
	pthread_mutex_init(&srv.env.readers.mutex, NULL);
	if (srv.env.locks == NULL || srv.env.metrics == NULL || start(&srv) != 0 ||
	    svc_events_start(&srv) != 0)
		rc = -1;
	while (rc == 0 && !*stop)
		if (lws_service(srv.lws, 0) < 0)
			rc = -1;
	svc_log(SVC_LOG_NOTICE, "stopping");
	svc_events_stop(&srv);
	if (srv.lws != NULL) {
		stop_jobs(&srv);
		lws_context_destroy(srv.lws);
	}
	free_queue(&srv);
	pthread_mutex_destroy(&srv.qlock);
	pthread_mutex_destroy(&srv.env.psam_lock);
	pthread_mutex_destroy(&srv.env.readers.mutex);
	svc_metrics_free(&srv.env.metrics);
	svc_locks_free(&srv.env.locks);
	return rc;
}
