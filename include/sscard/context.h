/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sscard: library context, logging and APDU trace. */
#ifndef SSCARD_CONTEXT_H
#define SSCARD_CONTEXT_H

#include <stddef.h>
#include <stdint.h>

#include <sscard/rc.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A context holds logging, tracing and the PC/SC connection. It has no
 * global state behind it. Threads: use one context (and its cards) per
 * thread, or guard a shared context with your own lock. Misuse is
 * detected, not undefined: a call that finds the context (or any card of
 * it) in the middle of an operation of another thread fails at once with
 * SSCARD_E_BUSY and changes nothing. sscard_cancel_wait() is the one call
 * meant for another thread.
 */
typedef struct sscard_ctx sscard_ctx;

typedef enum sscard_log_level {
	SSCARD_LOG_NONE = 0,
	SSCARD_LOG_ERROR = 1,
	SSCARD_LOG_WARN = 2,
	SSCARD_LOG_INFO = 3,
	SSCARD_LOG_DEBUG = 4
} sscard_log_level;

typedef void (*sscard_log_fn)(void *userdata, sscard_log_level level,
                              const char *message);

/* Direction of a traced APDU. */
typedef enum sscard_trace_dir {
	SSCARD_TRACE_COMMAND = 0,  /* host -> card */
	SSCARD_TRACE_RESPONSE = 1  /* card -> host */
} sscard_trace_dir;

/*
 * Called once per C-APDU and R-APDU actually exchanged with the card
 * (GET RESPONSE and 6Cxx resends included). `hex` is upper-case hex with
 * the data of PIN and key-bearing commands replaced by "**" per byte.
 */
typedef void (*sscard_trace_fn)(void *userdata, sscard_trace_dir dir,
                                const char *hex);

SSCARD_API sscard_rc sscard_ctx_new(sscard_ctx **out);
/* Frees the context and sets *ctx to NULL; NULL and *NULL are fine. */
SSCARD_API void sscard_ctx_free(sscard_ctx **ctx);

SSCARD_API sscard_rc sscard_ctx_set_log(sscard_ctx *ctx, sscard_log_fn fn,
                                        void *userdata);
SSCARD_API sscard_rc sscard_ctx_set_log_level(sscard_ctx *ctx,
                                              sscard_log_level level);
SSCARD_API sscard_rc sscard_ctx_set_trace(sscard_ctx *ctx, sscard_trace_fn fn,
                                          void *userdata);

/* Why the last sscard_connect() / sscard_list_readers() on this context
 * failed, e.g. the readers an ambiguous name matched or the field of a
 * malformed simulator profile; "" if nothing to say. */
SSCARD_API const char *sscard_ctx_last_detail(const sscard_ctx *ctx);

/* Library version string, e.g. "0.1.0". */
SSCARD_API const char *sscard_version(void);

#ifdef __cplusplus
}
#endif
#endif
