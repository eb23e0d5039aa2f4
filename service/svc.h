/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sscardd: the local card service for web pages (issue #17, design.md s.9).
 * Shared types: configuration, methods, typed errors, requests. The
 * service calls libsscard through its public API (include/sscard/) only.
 */
#ifndef SSCARDD_SVC_H
#define SSCARDD_SVC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>
#include <sscard/sscard.h>

#define SVC_NAME "sscardd"
#define SVC_API_VERSION "1"
#define SVC_SUBPROTOCOL "sscard.v1"
#define SVC_DEFAULT_PORT 28620u
#define SVC_DEFAULT_CONFIG "/etc/sscard/sscardd.conf"
#define SVC_MAX_ORIGINS 16u
#define SVC_MAX_READERS 8u
#define SVC_NAME_MAX 128u
#define SVC_PATH_MAX 512u
#define SVC_PKEY_MAX 80u /* "<32 hex>|<32 hex>|" is 66 */

/* ---- methods ---------------------------------------------------------- */

typedef enum svc_method_id {
	SVC_M_LIST_READERS = 0,
	SVC_M_READ_BASIC,
	SVC_M_DIAGNOSE,
	SVC_M_STEP1,
	SVC_M_STEP2,
	SVC_M_CANCEL,
	SVC_M_VERIFY_PINPAD,
	SVC_M_COUNT
} svc_method_id;

/* "listReaders", ...; NULL past the end. */
const char *svc_method_name(svc_method_id m);
/* The method called `name`, or -1. */
int svc_method_find(const char *name);

/* ---- configuration (sscardd(8), service/config.c) ---------------------- */

typedef struct svc_config {
	unsigned port;
	bool listen_v4, listen_v6;            /* 127.0.0.1, ::1 */
	char origins[SVC_MAX_ORIGINS][SVC_NAME_MAX];
	size_t norigins;
	char readers[SVC_MAX_READERS][SVC_NAME_MAX]; /* none: every reader but the PSAM */
	size_t nreaders;
	char keystore[SVC_PATH_MAX];          /* "" none */
	char psam[SVC_NAME_MAX];              /* "" none */
	char psam_map[SVC_PATH_MAX];          /* "" the ministry's table */
	unsigned timeout_ms;                  /* per operation, and the longest wait */
	bool methods[SVC_M_COUNT];
	bool kiosk;                           /* diagnose every inserted card */
	bool vendor_shim;                     /* {"function":"iReadCardBas"} */
	unsigned max_connections, max_message, rate;
	char ui_dir[SVC_PATH_MAX];
} svc_config;

void svc_config_defaults(svc_config *c);
/* Parse config text (not NUL-terminated); 0, or -1 with the line's error in err. */
int svc_config_parse(svc_config *c, const char *text, size_t len, char *err, size_t errsz);
/* Load `path`; a missing file is fine unless `required`. */
int svc_config_load(svc_config *c, const char *path, bool required, char *err, size_t errsz);
/* After parsing: the service's own origin joins the allowlist. */
void svc_config_finish(svc_config *c);
/* Is `origin` exactly one of the allowlist? */
bool svc_origin_allowed(const svc_config *c, const char *origin);
/* Is `host` (the Host header) 127.0.0.1:PORT, localhost:PORT or [::1]:PORT? */
bool svc_host_allowed(const svc_config *c, const char *host);
/* Does the service serve the reader called `name`? */
bool svc_reader_served(const svc_config *c, const char *name);
/* Is `s` an exact scheme://host[:port] origin (no path, no wildcard)? */
bool svc_origin_valid(const char *s);

/* ---- typed errors (service/errors.c) ----------------------------------- */

typedef enum svc_err {
	SVC_OK = 0,
	SVC_E_PARSE,
	SVC_E_INVALID_REQUEST,
	SVC_E_METHOD_NOT_FOUND,
	SVC_E_METHOD_DISABLED,
	SVC_E_INVALID_PARAMS,
	SVC_E_TOO_LARGE,
	SVC_E_RATE_LIMITED,
	SVC_E_FORBIDDEN,
	SVC_E_NO_READER,
	SVC_E_NO_CARD,
	SVC_E_READER_BUSY,
	SVC_E_CARD_REMOVED,
	SVC_E_CARD_ERROR,
	SVC_E_NOT_SSC,
	SVC_E_CARD_BLOCKED,
	SVC_E_TIMEOUT,
	SVC_E_CANCELLED,
	SVC_E_NO_STEP1,
	SVC_E_NOT_GENUINE,
	SVC_E_KEYS_MISMATCH,
	SVC_E_PINPAD_UNAVAILABLE,
	SVC_E_WRONG_PIN,
	SVC_E_PIN_BLOCKED,
	SVC_E_SERVICE,
	SVC_E_COUNT
} svc_err;

const char *svc_err_code(svc_err e);
const char *svc_err_message(svc_err e);
const char *svc_err_message_zh(svc_err e);
/* The ministry interface's code for e (vendor shim), e.g. -2 no card. */
long svc_err_ministry(svc_err e);
/* A library error as the service's type. */
svc_err svc_err_from_rc(sscard_rc rc);

/* ---- requests (service/rpc.c) ------------------------------------------ */

typedef struct svc_pkey {
	uint8_t internal_result[8], internal_original[8];
	uint8_t cryptogram[8], external_original[8];
	bool external; /* the second part is present */
} svc_pkey;

typedef struct svc_request {
	svc_method_id method;
	int64_t id;
	bool has_id;
	bool vendor;                /* came through the vendor shim */
	char vendor_function[32];
	char reader[SVC_NAME_MAX];  /* "" any served reader */
	unsigned wait_ms;
	int64_t target;             /* cancel: the id to cancel, -1 every one */
	svc_pkey pkey;              /* readBasicStep2 */
} svc_request;

/* What the dispatcher needs from the server (the fuzz harness plays it). */
typedef struct svc_rpc_ops {
	/* Send `text` (the callee takes it: free()d) to the session. */
	void (*reply)(void *sess, char *text);
	/* Start the request; SVC_OK when it runs (its answer comes later). */
	svc_err (*start)(void *sess, const svc_request *req);
	/* Cancel the session's request `target` (-1: all); how many. */
	unsigned (*cancel)(void *sess, int64_t target);
} svc_rpc_ops;

/* Parse one message; SVC_OK with *req filled, or the error (req->id and
 * has_id set as far as they could be read). */
svc_err svc_rpc_parse(const svc_config *cfg, const char *msg, size_t len, svc_request *req);
/* Parse and act: every message gets exactly one answer, now or later. */
void svc_rpc_handle(const svc_config *cfg, const svc_rpc_ops *ops, void *sess,
                    const char *msg, size_t len);
/* Answers (malloc'd text, NULL only when out of memory). The result is taken. */
char *svc_reply_result(const svc_request *req, json_object *result);
char *svc_reply_error(const svc_request *req, svc_err e, const char *detail);

#endif
