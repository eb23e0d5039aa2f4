/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The library context: logging, tracing, and the PC/SC slot. */
#define _GNU_SOURCE /* gettid() */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "internal.h"

sscard_rc sscard_ctx_new(sscard_ctx **out)
{
	sscard_ctx *ctx;

	if (out == NULL)
		return SSCARD_E_INVALID_ARG;
	*out = NULL;
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL)
		return SSCARD_E_NOMEM;
	ctx->log_level = SSCARD_LOG_WARN;
	*out = ctx;
	return SSCARD_OK;
}

void sscard_ctx_free(sscard_ctx **ctx)
{
	if (ctx == NULL || *ctx == NULL)
		return;
	sscard_pcsc_ctx_free(*ctx);
	free(*ctx);
	*ctx = NULL;
}

sscard_rc sscard_ctx_set_log(sscard_ctx *ctx, sscard_log_fn fn, void *userdata)
{
	if (ctx == NULL)
		return SSCARD_E_INVALID_ARG;
	ctx->log_fn = fn;
	ctx->log_ud = userdata;
	return SSCARD_OK;
}

sscard_rc sscard_ctx_set_log_level(sscard_ctx *ctx, sscard_log_level level)
{
	if (ctx == NULL || level < SSCARD_LOG_NONE || level > SSCARD_LOG_DEBUG)
		return SSCARD_E_INVALID_ARG;
	ctx->log_level = level;
	return SSCARD_OK;
}

sscard_rc sscard_ctx_set_trace(sscard_ctx *ctx, sscard_trace_fn fn, void *userdata)
{
	if (ctx == NULL)
		return SSCARD_E_INVALID_ARG;
	ctx->trace_fn = fn;
	ctx->trace_ud = userdata;
	return SSCARD_OK;
}

const char *sscard_version(void)
{
	return SSCARD_VERSION;
}

void sscard_log(const sscard_ctx *ctx, sscard_log_level level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (ctx == NULL || ctx->log_fn == NULL || level > ctx->log_level ||
	    level == SSCARD_LOG_NONE)
		return;
	va_start(ap, fmt);
	sscard_text_fit(msg, sizeof(msg), vsnprintf(msg, sizeof(msg), fmt, ap));
	va_end(ap);
	ctx->log_fn(ctx->log_ud, level, msg);
}

sscard_rc sscard_ctx_fail(sscard_ctx *ctx, sscard_rc rc, const char *fmt, ...)
{
	va_list ap;

	if (ctx == NULL)
		return rc;
	va_start(ap, fmt);
	sscard_text_fit(ctx->detail, sizeof(ctx->detail),
	                vsnprintf(ctx->detail, sizeof(ctx->detail), fmt, ap));
	va_end(ap);
	SSC_ERR(ctx, "%s: %s", sscard_rc_name(rc), ctx->detail);
	return rc;
}

const char *sscard_ctx_last_detail(const sscard_ctx *ctx)
{
	return ctx ? ctx->detail : "";
}

/* The kernel's thread id tells threads apart (never 0). Not a
 * _Thread_local variable: those break LeakSanitizer when a program
 * dlopen()s and dlclose()s the library, as HIS programs load the compat
 * library. */
static uintptr_t this_thread(void)
{
	return (uintptr_t)gettid();
}

sscard_rc sscard_ctx_enter(sscard_ctx *ctx)
{
	uintptr_t me = this_thread(), expected = 0;

	if (atomic_compare_exchange_strong(&ctx->owner, &expected, me)) {
		ctx->depth = 1;
		return SSCARD_OK;
	}
	if (expected == me) {
		ctx->depth++;
		return SSCARD_OK;
	}
	return SSCARD_E_BUSY;
}

void sscard_ctx_leave(sscard_ctx *ctx)
{
	if (--ctx->depth == 0)
		atomic_store(&ctx->owner, (uintptr_t)0);
}
