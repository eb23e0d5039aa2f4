/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sscardd's Prometheus metrics in the text exposition format 0.0.4. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

#define MAX_REASONS 48u
static const double buckets[] = { 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30 };
#define NBUCKETS (sizeof(buckets) / sizeof(buckets[0]))
static const char *const reject_names[SVC_REJ_COUNT] = {
	"origin", "host", "content_type", "connections", "size", "rate",
};

typedef struct histogram {
	unsigned long count[NBUCKETS];
	unsigned long total;
	double sum;
} histogram;

typedef struct reason_count {
	char verdict[16], reason[32];
	unsigned long n;
} reason_count;

struct svc_metrics {
	pthread_mutex_t lock;
	unsigned long reads_ok, reads_failed;
	unsigned long errors[SVC_E_COUNT];
	unsigned long requests[SVC_M_COUNT];
	histogram latency[SVC_M_COUNT];
	reason_count reasons[MAX_REASONS];
	size_t nreasons;
	long readers, connections;
	unsigned long rejected[SVC_REJ_COUNT];
};

svc_metrics *svc_metrics_new(void)
{
	svc_metrics *m = calloc(1, sizeof(*m));
	if (m != NULL)
		pthread_mutex_init(&m->lock, NULL);
	return m;
}

void svc_metrics_free(svc_metrics **m)
{
	if (m == NULL || *m == NULL)
		return;
	pthread_mutex_destroy(&(*m)->lock);
	free(*m);
	*m = NULL;
}

static bool is_read(svc_method_id method)
{
	return method == SVC_M_READ_BASIC || method == SVC_M_STEP2;
}

void svc_metrics_op(svc_metrics *m, svc_method_id method, svc_err outcome, double seconds)
{
	histogram *h = &m->latency[method];

	pthread_mutex_lock(&m->lock);
	m->requests[method]++;
	if (is_read(method))
		outcome == SVC_OK ? m->reads_ok++ : m->reads_failed++;
	if (outcome != SVC_OK)
		m->errors[outcome]++;
	for (size_t i = 0; i < NBUCKETS; i++)
		if (seconds <= buckets[i])
			h->count[i]++;
	h->total++;
	h->sum += seconds;
	pthread_mutex_unlock(&m->lock);
}

static reason_count *reason_slot(svc_metrics *m, const char *verdict, const char *reason)
{
	for (size_t i = 0; i < m->nreasons; i++)
		if (strcmp(m->reasons[i].verdict, verdict) == 0 && strcmp(m->reasons[i].reason, reason) == 0)
			return &m->reasons[i];
	if (m->nreasons == MAX_REASONS)
		return NULL;
	snprintf(m->reasons[m->nreasons].verdict, sizeof(m->reasons[0].verdict), "%s", verdict);
	snprintf(m->reasons[m->nreasons].reason, sizeof(m->reasons[0].reason), "%s", reason);
	return &m->reasons[m->nreasons++];
}

void svc_metrics_verdict(svc_metrics *m, const char *verdict, const char *reason)
{
	reason_count *r;

	pthread_mutex_lock(&m->lock);
	r = reason_slot(m, verdict, reason != NULL ? reason : "NONE");
	if (r != NULL)
		r->n++;
	pthread_mutex_unlock(&m->lock);
}

static void add_long(svc_metrics *m, long *field, int delta)
{
	pthread_mutex_lock(&m->lock);
	*field += delta;
	pthread_mutex_unlock(&m->lock);
}

void svc_metrics_readers(svc_metrics *m, int delta)
{
	add_long(m, &m->readers, delta);
}

void svc_metrics_connections(svc_metrics *m, int delta)
{
	add_long(m, &m->connections, delta);
}

void svc_metrics_reject(svc_metrics *m, svc_reject why)
{
	pthread_mutex_lock(&m->lock);
	m->rejected[why]++;
	pthread_mutex_unlock(&m->lock);
}

/* ---- rendering ------------------------------------------------------------ */

typedef struct out {
	char *buf;
	size_t len, cap;
	bool failed;
} out;

__attribute__((format(printf, 2, 3))) static void put(out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->failed)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->cap - o->len) {
		o->failed = true;
		return;
	}
	o->len += (size_t)n;
}

static void render_reads(svc_metrics *m, out *o)
{
	put(o, "# HELP sscardd_reads_total Card reads (readBasic, readBasicStep2) by result.\n"
	       "# TYPE sscardd_reads_total counter\n"
	       "sscardd_reads_total{result=\"ok\"} %lu\nsscardd_reads_total{result=\"error\"} %lu\n",
	    m->reads_ok, m->reads_failed);
	put(o, "# HELP sscardd_requests_total Requests answered, by method.\n"
	       "# TYPE sscardd_requests_total counter\n");
	for (size_t i = 0; i < SVC_M_COUNT; i++)
		put(o, "sscardd_requests_total{method=\"%s\"} %lu\n", svc_method_name((svc_method_id)i),
		    m->requests[i]);
	put(o, "# HELP sscardd_errors_total Errors answered, by error code.\n"
	       "# TYPE sscardd_errors_total counter\n");
	for (size_t i = 1; i < SVC_E_COUNT; i++)
		put(o, "sscardd_errors_total{code=\"%s\"} %lu\n", svc_err_code((svc_err)i), m->errors[i]);
}

static void render_verdicts(svc_metrics *m, out *o)
{
	put(o, "# HELP sscardd_verdicts_total Diagnosis reasons found, by verdict and reason.\n"
	       "# TYPE sscardd_verdicts_total counter\n");
	for (size_t i = 0; i < m->nreasons; i++)
		put(o, "sscardd_verdicts_total{verdict=\"%s\",reason=\"%s\"} %lu\n", m->reasons[i].verdict,
		    m->reasons[i].reason, m->reasons[i].n);
}

static void render_gauges(svc_metrics *m, out *o)
{
	put(o, "# HELP sscardd_readers_present Served readers present.\n"
	       "# TYPE sscardd_readers_present gauge\nsscardd_readers_present %ld\n", m->readers);
	put(o, "# HELP sscardd_connections Open WebSocket connections.\n"
	       "# TYPE sscardd_connections gauge\nsscardd_connections %ld\n", m->connections);
	put(o, "# HELP sscardd_rejected_total Requests refused, by reason.\n"
	       "# TYPE sscardd_rejected_total counter\n");
	for (size_t i = 0; i < SVC_REJ_COUNT; i++)
		put(o, "sscardd_rejected_total{reason=\"%s\"} %lu\n", reject_names[i], m->rejected[i]);
}

static void render_histogram(svc_metrics *m, out *o)
{
	put(o, "# HELP sscardd_operation_seconds Time from request to answer, by method.\n"
	       "# TYPE sscardd_operation_seconds histogram\n");
	for (size_t i = 0; i < SVC_M_COUNT; i++) {
		const char *name = svc_method_name((svc_method_id)i);
		const histogram *h = &m->latency[i];
		for (size_t b = 0; b < NBUCKETS; b++)
			put(o, "sscardd_operation_seconds_bucket{method=\"%s\",le=\"%g\"} %lu\n", name,
			    buckets[b], h->count[b]);
		put(o, "sscardd_operation_seconds_bucket{method=\"%s\",le=\"+Inf\"} %lu\n", name, h->total);
		put(o, "sscardd_operation_seconds_sum{method=\"%s\"} %.6f\n", name, h->sum);
		put(o, "sscardd_operation_seconds_count{method=\"%s\"} %lu\n", name, h->total);
	}
}

char *svc_metrics_render(svc_metrics *m)
{
	out o = { .cap = 32768 };

	o.buf = malloc(o.cap);
	if (o.buf == NULL)
		return NULL;
	pthread_mutex_lock(&m->lock);
	render_reads(m, &o);
	render_verdicts(m, &o);
	render_gauges(m, &o);
	render_histogram(m, &o);
	pthread_mutex_unlock(&m->lock);
	if (o.failed) {
		free(o.buf);
		return NULL;
	}
	return o.buf;
}
