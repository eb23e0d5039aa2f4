/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sscardd's server: libwebsockets' loop, the HTTP routes, the WebSocket
 * sessions, the worker threads and the event thread. */
#ifndef SSCARDD_SERVER_H
#define SSCARDD_SERVER_H

#include <signal.h>

#include "ops.h"

typedef struct svc_server svc_server;

/* Run until *stop is set (a signal handler sets it); 0 on a clean stop,
 * -1 when the service could not start. */
int svc_server_run(const svc_config *cfg, volatile sig_atomic_t *stop);

/* Thread-safe: queue `text` (taken) for every WebSocket page. */
void svc_server_broadcast(svc_server *srv, char *text);
svc_env *svc_server_env(svc_server *srv);

/* The event thread (service/events.c). */
int svc_events_start(svc_server *srv);
void svc_events_stop(svc_server *srv);

/* journald-friendly log lines on stderr: "<prio>message". Never give it
 * a value read from a card. */
__attribute__((format(printf, 2, 3))) void svc_log(int prio, const char *fmt, ...);
enum { SVC_LOG_ERR = 3, SVC_LOG_WARNING = 4, SVC_LOG_NOTICE = 5, SVC_LOG_INFO = 6, SVC_LOG_DEBUG = 7 };
extern int svc_log_max; /* the highest priority printed (6 by default, 7 with -v) */

#endif
