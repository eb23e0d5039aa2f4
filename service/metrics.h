/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sscardd's Prometheus metrics (GET /metrics): thread-safe counters. */
#ifndef SSCARDD_METRICS_H
#define SSCARDD_METRICS_H

#include "svc.h"

typedef enum svc_reject {
	SVC_REJ_ORIGIN = 0, SVC_REJ_HOST, SVC_REJ_CONTENT_TYPE, SVC_REJ_CONNECTIONS,
	SVC_REJ_SIZE, SVC_REJ_RATE, SVC_REJ_COUNT
} svc_reject;

typedef struct svc_metrics svc_metrics;

svc_metrics *svc_metrics_new(void);
void svc_metrics_free(svc_metrics **m);
/* One finished operation: its method, outcome and duration. */
void svc_metrics_op(svc_metrics *m, svc_method_id method, svc_err outcome, double seconds);
/* One diagnosis reason (reason NULL: a verdict without reasons). */
void svc_metrics_verdict(svc_metrics *m, const char *verdict, const char *reason);
void svc_metrics_readers(svc_metrics *m, int delta);
void svc_metrics_reject(svc_metrics *m, svc_reject why);
void svc_metrics_connections(svc_metrics *m, int delta);
/* The exposition text (malloc'd), or NULL. */
char *svc_metrics_render(svc_metrics *m);

#endif
