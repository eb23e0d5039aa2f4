/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sscardd's messages: the JSON-RPC-like envelope ({"id", "method",
 * "params"} -> {"id", "result"} | {"id", "error"}), the vendor shim's
 * {"function": "iReadCardBas", ...}, and the dispatcher. Untrusted input:
 * every field is checked for type and size; anything else is an error
 * answer, never a crash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svc.h"

/* ---- parameters ---------------------------------------------------------- */

enum { P_READER = 1u, P_WAIT = 2u, P_ID = 4u, P_PKEY = 8u, P_ITYPE = 16u };

typedef svc_err (*param_fn)(const svc_config *cfg, json_object *v, svc_request *req);

static svc_err p_reader(const svc_config *cfg, json_object *v, svc_request *req)
{
	const char *s = json_object_get_string(v);
	(void)cfg;
	if (!json_object_is_type(v, json_type_string) || strlen(s) >= sizeof(req->reader) ||
	    (size_t)json_object_get_string_len(v) != strlen(s))
		return SVC_E_INVALID_PARAMS;
	memcpy(req->reader, s, strlen(s) + 1);
	return SVC_OK;
}

static svc_err p_wait(const svc_config *cfg, json_object *v, svc_request *req)
{
	int64_t ms = json_object_get_int64(v);
	if (!json_object_is_type(v, json_type_int) || ms < 0 || ms > (int64_t)cfg->timeout_ms)
		return SVC_E_INVALID_PARAMS;
	req->wait_ms = (unsigned)ms;
	return SVC_OK;
}

static svc_err p_target(const svc_config *cfg, json_object *v, svc_request *req)
{
	int64_t id = json_object_get_int64(v);
	(void)cfg;
	if (!json_object_is_type(v, json_type_int) || id < 0)
		return SVC_E_INVALID_PARAMS;
	req->target = id;
	return SVC_OK;
}

static svc_err p_itype(const svc_config *cfg, json_object *v, svc_request *req)
{
	int64_t t = json_object_get_int64(v);
	(void)cfg;
	(void)req;
	return json_object_is_type(v, json_type_int) && t >= 1 && t <= 4 ? SVC_OK
	                                                                  : SVC_E_INVALID_PARAMS;
}

/* 16 hex digits at s into 8 bytes */
static bool hex16(const char *s, uint8_t out[8])
{
	char part[17];
	size_t n = 0;

	if (strspn(s, "0123456789abcdefABCDEF") < 16)
		return false;
	memcpy(part, s, 16);
	part[16] = '\0';
	return sscard_hex_decode(part, out, 8, &n) == SSCARD_OK && n == 8;
}

/* "<result 16><original 16>|<cryptogram 16><original 16>|", the second
 * part empty ("...||") when Step1 gave no external values. */
static svc_err p_pkey(const svc_config *cfg, json_object *v, svc_request *req)
{
	const char *s = json_object_get_string(v);
	svc_pkey *k = &req->pkey;
	size_t len = strlen(s);
	(void)cfg;

	if (!json_object_is_type(v, json_type_string) || (len != 34 && len != 66) ||
	    !hex16(s, k->internal_result) || !hex16(s + 16, k->internal_original) || s[32] != '|')
		return SVC_E_INVALID_PARAMS;
	k->external = len == 66;
	if (!k->external)
		return s[33] == '|' ? SVC_OK : SVC_E_INVALID_PARAMS;
	if (!hex16(s + 33, k->cryptogram) || !hex16(s + 49, k->external_original) || s[65] != '|')
		return SVC_E_INVALID_PARAMS;
	return SVC_OK;
}

static const struct { const char *name; unsigned bit; param_fn fn; } params[] = {
	{ "reader", P_READER, p_reader }, { "waitMs", P_WAIT, p_wait },
	{ "id", P_ID, p_target },         { "pKey", P_PKEY, p_pkey },
	{ "iType", P_ITYPE, p_itype },
};

/* Which parameters each method takes. */
static const unsigned method_params[SVC_M_COUNT] = {
	[SVC_M_LIST_READERS] = 0,
	[SVC_M_READ_BASIC] = P_READER | P_WAIT,
	[SVC_M_DIAGNOSE] = P_READER | P_WAIT,
	[SVC_M_STEP1] = P_READER | P_WAIT,
	[SVC_M_STEP2] = P_PKEY,
	[SVC_M_CANCEL] = P_ID,
	[SVC_M_VERIFY_PINPAD] = P_READER,
};

static svc_err one_param(const svc_config *cfg, unsigned allowed, const char *key,
                         json_object *v, svc_request *req)
{
	for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++)
		if (strcmp(params[i].name, key) == 0)
			return (allowed & params[i].bit) ? params[i].fn(cfg, v, req) : SVC_E_INVALID_PARAMS;
	return SVC_E_INVALID_PARAMS;
}

static svc_err parse_params(const svc_config *cfg, json_object *obj, unsigned allowed,
                            svc_request *req)
{
	svc_err e = SVC_OK;

	json_object_object_foreach(obj, key, v)
	{
		if (e == SVC_OK)
			e = one_param(cfg, allowed, key, v, req);
	}
	if (e == SVC_OK && (allowed & P_PKEY) && req->method == SVC_M_STEP2 &&
	    json_object_object_get_ex(obj, "pKey", NULL) == 0)
		e = SVC_E_INVALID_PARAMS;
	return e;
}

/* ---- the envelope -------------------------------------------------------- */

static svc_err method_of(const svc_config *cfg, const char *name, svc_request *req)
{
	int m = svc_method_find(name);
	if (m < 0)
		return SVC_E_METHOD_NOT_FOUND;
	req->method = (svc_method_id)m;
	return cfg->methods[m] ? SVC_OK : SVC_E_METHOD_DISABLED;
}

static svc_err parse_envelope(const svc_config *cfg, json_object *root, svc_request *req)
{
	json_object *id, *method, *p = NULL;
	svc_err e;

	if (!json_object_object_get_ex(root, "id", &id) || !json_object_is_type(id, json_type_int) ||
	    json_object_get_int64(id) < 0)
		return SVC_E_INVALID_REQUEST;
	req->id = json_object_get_int64(id);
	req->has_id = true;
	if (!json_object_object_get_ex(root, "method", &method) ||
	    !json_object_is_type(method, json_type_string))
		return SVC_E_INVALID_REQUEST;
	e = method_of(cfg, json_object_get_string(method), req);
	if (e != SVC_OK)
		return e;
	if (json_object_object_get_ex(root, "params", &p) && !json_object_is_type(p, json_type_object))
		return SVC_E_INVALID_PARAMS;
	return p != NULL ? parse_params(cfg, p, method_params[req->method], req) : 
	       req->method == SVC_M_STEP2 ? SVC_E_INVALID_PARAMS : SVC_OK;
}

/* The vendor shim: {"function": "iReadCardBas", "iType": 1} and the two
 * steps ({"function": "iReadCardBas_HSM_Step2", "pKey": "..."}). */
static const struct { const char *function; svc_method_id method; } vendor_functions[] = {
	{ "iReadCardBas", SVC_M_READ_BASIC },
	{ "iReadCardBas_HSM_Step1", SVC_M_STEP1 },
	{ "iReadCardBas_HSM_Step2", SVC_M_STEP2 },
};

static svc_err parse_vendor(const svc_config *cfg, json_object *root, json_object *fn,
                            svc_request *req)
{
	const char *name = json_object_get_string(fn);
	json_object *copy;
	svc_err e = SVC_E_METHOD_NOT_FOUND;

	req->vendor = true;
	if (!json_object_is_type(fn, json_type_string) || strlen(name) >= sizeof(req->vendor_function))
		return SVC_E_INVALID_REQUEST;
	memcpy(req->vendor_function, name, strlen(name) + 1);
	if (!cfg->vendor_shim)
		return SVC_E_METHOD_DISABLED;
	for (size_t i = 0; i < sizeof(vendor_functions) / sizeof(vendor_functions[0]); i++)
		if (strcmp(vendor_functions[i].function, name) == 0) {
			req->method = vendor_functions[i].method;
			e = cfg->methods[req->method] ? SVC_OK : SVC_E_METHOD_DISABLED;
		}
	if (e != SVC_OK)
		return e;
	copy = json_object_new_object(); /* the message minus "function" */
	if (copy == NULL)
		return SVC_E_SERVICE;
	json_object_object_foreach(root, key, v)
	{
		if (strcmp(key, "function") != 0)
			json_object_object_add(copy, key, json_object_get(v));
	}
	e = parse_params(cfg, copy, method_params[req->method] | P_ITYPE, req);
	json_object_put(copy);
	if (e == SVC_OK && req->method == SVC_M_STEP2 && !json_object_object_get_ex(root, "pKey", NULL))
		e = SVC_E_INVALID_PARAMS;
	return e;
}

svc_err svc_rpc_parse(const svc_config *cfg, const char *msg, size_t len, svc_request *req)
{
	json_tokener *tok;
	json_object *root, *fn;
	svc_err e;

	memset(req, 0, sizeof(*req));
	req->target = -1;
	if (len > cfg->max_message)
		return SVC_E_TOO_LARGE;
	if (memchr(msg, '\0', len) != NULL)
		return SVC_E_PARSE;
	tok = json_tokener_new_ex(16);
	if (tok == NULL)
		return SVC_E_SERVICE;
	root = json_tokener_parse_ex(tok, msg, (int)len);
	if (root == NULL || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len) {
		json_object_put(root);
		json_tokener_free(tok);
		return SVC_E_PARSE;
	}
	json_tokener_free(tok);
	if (!json_object_is_type(root, json_type_object))
		e = SVC_E_INVALID_REQUEST;
	else if (json_object_object_get_ex(root, "function", &fn))
		e = parse_vendor(cfg, root, fn, req);
	else
		e = parse_envelope(cfg, root, req);
	json_object_put(root);
	return e;
}

/* ---- answers ------------------------------------------------------------- */

static char *take_text(json_object *o)
{
	const char *s = o != NULL ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	                                                              JSON_C_TO_STRING_NOSLASHESCAPE)
	                          : NULL;
	char *copy = s != NULL ? strdup(s) : NULL;
	json_object_put(o);
	return copy;
}

static json_object *id_of(const svc_request *req)
{
	return req->has_id ? json_object_new_int64(req->id) : NULL;
}

char *svc_reply_result(const svc_request *req, json_object *result)
{
	json_object *o = json_object_new_object(), *ministry = NULL;

	if (o == NULL) {
		json_object_put(result);
		return NULL;
	}
	if (req->vendor) {
		json_object_object_get_ex(result, "ministry", &ministry);
		json_object_object_add(o, "function", json_object_new_string(req->vendor_function));
		json_object_object_add(o, "result", json_object_new_int(0));
		json_object_object_add(o, "pOutInfo", json_object_get(ministry));
		json_object_put(result);
		return take_text(o);
	}
	json_object_object_add(o, "id", id_of(req));
	json_object_object_add(o, "result", result);
	return take_text(o);
}

char *svc_reply_error(const svc_request *req, svc_err e, const char *detail)
{
	json_object *o = json_object_new_object(), *err;

	if (o == NULL)
		return NULL;
	if (req->vendor) {
		json_object_object_add(o, "function", json_object_new_string(req->vendor_function));
		json_object_object_add(o, "result", json_object_new_int64(svc_err_ministry(e)));
		json_object_object_add(o, "pOutInfo", json_object_new_string(svc_err_message_zh(e)));
		return take_text(o);
	}
	err = json_object_new_object();
	json_object_object_add(err, "code", json_object_new_string(svc_err_code(e)));
	json_object_object_add(err, "message", json_object_new_string(svc_err_message(e)));
	json_object_object_add(err, "message_zh", json_object_new_string(svc_err_message_zh(e)));
	if (detail != NULL && detail[0] != '\0')
		json_object_object_add(err, "detail", json_object_new_string(detail));
	json_object_object_add(o, "id", id_of(req));
	json_object_object_add(o, "error", err);
	return take_text(o);
}

/* ---- the dispatcher ------------------------------------------------------ */

static void reply_cancel(const svc_rpc_ops *ops, void *sess, const svc_request *req)
{
	json_object *r = json_object_new_object();
	unsigned n = ops->cancel(sess, req->target);

	json_object_object_add(r, "cancelled", json_object_new_int64((int64_t)n));
	ops->reply(sess, svc_reply_result(req, r));
}

void svc_rpc_handle(const svc_config *cfg, const svc_rpc_ops *ops, void *sess,
                    const char *msg, size_t len)
{
	svc_request req;
	svc_err e = svc_rpc_parse(cfg, msg, len, &req);

	if (e == SVC_OK && req.method == SVC_M_CANCEL) {
		reply_cancel(ops, sess, &req);
		return;
	}
	if (e == SVC_OK)
		e = ops->start(sess, &req);
	if (e != SVC_OK)
		ops->reply(sess, svc_reply_error(&req, e, NULL));
}
