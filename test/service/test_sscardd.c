/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of sscardd's core (service/): the configuration and its
 * security checks (loopback only, exact origins, Host), the message
 * parser and dispatcher, the typed errors, the metrics text and the
 * result builders on simulated cards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metrics.h"
#include "ops.h"
#include "svc.h"

static svc_config cfg_of(const char *text)
{
	svc_config c;
	char err[256] = "";

	svc_config_defaults(&c);
	assert_int_equal(svc_config_parse(&c, text, strlen(text), err, sizeof(err)), 0);
	svc_config_finish(&c);
	return c;
}

static void expect_config_error(const char *text, const char *want)
{
	svc_config c;
	char err[256] = "";

	svc_config_defaults(&c);
	assert_int_equal(svc_config_parse(&c, text, strlen(text), err, sizeof(err)), -1);
	if (strstr(err, want) == NULL)
		fail_msg("config '%s': error '%s' lacks '%s'", text, err, want);
}

/* ---- configuration -------------------------------------------------------- */

static void test_config_defaults(void **state)
{
	svc_config c = cfg_of("");
	(void)state;
	assert_int_equal(c.port, 28620);
	assert_true(c.listen_v4 && c.listen_v6);
	assert_int_equal(c.norigins, 1); /* only its own */
	assert_true(svc_origin_allowed(&c, "http://127.0.0.1:28620"));
	assert_false(svc_origin_allowed(&c, "http://localhost:28620"));
	assert_false(c.vendor_shim);
	for (int m = 0; m < (int)SVC_M_COUNT; m++)
		assert_true(c.methods[m]);
}

static void test_config_file(void **state)
{
	svc_config c = cfg_of("# comment\n port = 30000 \norigin = https://his.example.cn\n"
	                      "origin = http://10.1.2.3:8080\nreader = Virtual PCD 00 00\n"
	                      "methods = readBasic, cancel\nkiosk = no\nvendor_shim = yes\n"
	                      "timeout_ms = 5000\nlisten = 127.0.0.1\n");
	(void)state;
	assert_int_equal(c.port, 30000);
	assert_true(c.listen_v4);
	assert_false(c.listen_v6);
	assert_int_equal(c.norigins, 3);
	assert_true(svc_origin_allowed(&c, "https://his.example.cn"));
	assert_true(svc_origin_allowed(&c, "http://10.1.2.3:8080"));
	assert_true(svc_origin_allowed(&c, "http://127.0.0.1:30000"));
	assert_false(svc_origin_allowed(&c, "https://his.example.cn:443"));
	assert_false(svc_origin_allowed(&c, "https://his.example.cn.evil.com"));
	assert_false(svc_origin_allowed(&c, "null"));
	assert_true(c.methods[SVC_M_READ_BASIC] && c.methods[SVC_M_CANCEL]);
	assert_false(c.methods[SVC_M_DIAGNOSE]);
	assert_false(c.kiosk);
	assert_true(c.vendor_shim);
	assert_int_equal(c.timeout_ms, 5000);
	assert_true(svc_reader_served(&c, "Virtual PCD 00 00"));
	assert_false(svc_reader_served(&c, "Virtual PCD 00 01"));
}

static void test_config_refusals(void **state)
{
	(void)state;
	expect_config_error("listen = 0.0.0.0\n", "127.0.0.1 and ::1 only");
	expect_config_error("listen = 192.168.1.5\n", "refused");
	expect_config_error("listen = ::\n", "refused");
	expect_config_error("origin = https://*.example.cn\n", "exact");
	expect_config_error("origin = *\n", "exact");
	expect_config_error("origin = https://his.example.cn/\n", "exact");
	expect_config_error("origin = https://his.example.cn/path\n", "exact");
	expect_config_error("origin = ftp://his.example.cn\n", "exact");
	expect_config_error("origin = https://his.example.cn:99999\n", "exact");
	expect_config_error("port = 0\n", "1 to 65535");
	expect_config_error("port = 12x\n", "1 to 65535");
	expect_config_error("kiosk = maybe\n", "yes or no");
	expect_config_error("methods = readBasic, rawApdu\n", "unknown method 'rawApdu'");
	expect_config_error("colour = blue\n", "unknown key");
	expect_config_error("just words\n", "key = value");
	expect_config_error("port = 1\nport = x\n", "line 2");
}

static void test_host_header(void **state)
{
	svc_config c = cfg_of("port = 28620\n");
	(void)state;
	assert_true(svc_host_allowed(&c, "127.0.0.1:28620"));
	assert_true(svc_host_allowed(&c, "localhost:28620"));
	assert_true(svc_host_allowed(&c, "[::1]:28620"));
	assert_false(svc_host_allowed(&c, "127.0.0.1"));
	assert_false(svc_host_allowed(&c, "127.0.0.1:28621"));
	assert_false(svc_host_allowed(&c, "attacker.example:28620")); /* DNS rebinding */
	assert_false(svc_host_allowed(&c, "localhost.attacker.example:28620"));
	assert_false(svc_host_allowed(&c, NULL));
}

static void test_psam_not_served(void **state)
{
	svc_config c = cfg_of("psam = Virtual PCD 00 01\n");
	(void)state;
	assert_true(svc_reader_served(&c, "Virtual PCD 00 00"));
	assert_false(svc_reader_served(&c, "Virtual PCD 00 01"));
}

/* ---- messages --------------------------------------------------------------- */

static svc_err parse(const svc_config *c, const char *msg, svc_request *req)
{
	return svc_rpc_parse(c, msg, strlen(msg), req);
}

static void test_rpc_requests(void **state)
{
	svc_config c = cfg_of("");
	svc_request r;
	(void)state;

	assert_int_equal(parse(&c, "{\"id\":7,\"method\":\"listReaders\"}", &r), SVC_OK);
	assert_int_equal(r.method, SVC_M_LIST_READERS);
	assert_true(r.has_id);
	assert_int_equal(r.id, 7);
	assert_int_equal(parse(&c, "{\"id\":1,\"method\":\"readBasic\",\"params\":{\"reader\":\"R 00\","
	                            "\"waitMs\":3000}}", &r), SVC_OK);
	assert_string_equal(r.reader, "R 00");
	assert_int_equal(r.wait_ms, 3000);
	assert_int_equal(parse(&c, "{\"id\":2,\"method\":\"cancel\",\"params\":{\"id\":1}}", &r), SVC_OK);
	assert_int_equal(r.target, 1);
	assert_int_equal(parse(&c, "{\"id\":2,\"method\":\"cancel\"}", &r), SVC_OK);
	assert_int_equal(r.target, -1);
	assert_int_equal(parse(&c, "{\"id\":3,\"method\":\"readBasicStep2\",\"params\":{\"pKey\":"
	                            "\"0011223344556677aabbccddeeff0011|8899AABBCCDDEEFF0123456789ABCDEF|\"}}", &r), SVC_OK);
	assert_true(r.pkey.external);
	assert_int_equal(r.pkey.internal_result[1], 0x11);
	assert_int_equal(r.pkey.external_original[7], 0xEF);
	assert_int_equal(parse(&c, "{\"id\":4,\"method\":\"readBasicStep2\",\"params\":{\"pKey\":"
	                            "\"0011223344556677AABBCCDDEEFF0011||\"}}", &r), SVC_OK);
	assert_false(r.pkey.external);
}

static void test_rpc_refusals(void **state)
{
	svc_config c = cfg_of("methods = listReaders\ntimeout_ms = 5000\n");
	svc_request r;
	static const struct { const char *msg; svc_err want; } cases[] = {
		{ "", SVC_E_PARSE },
		{ "{", SVC_E_PARSE },
		{ "{\"id\":1,\"method\":\"listReaders\"} trailing", SVC_E_PARSE },
		{ "[1,2]", SVC_E_INVALID_REQUEST },
		{ "\"listReaders\"", SVC_E_INVALID_REQUEST },
		{ "{\"method\":\"listReaders\"}", SVC_E_INVALID_REQUEST },
		{ "{\"id\":\"1\",\"method\":\"listReaders\"}", SVC_E_INVALID_REQUEST },
		{ "{\"id\":-1,\"method\":\"listReaders\"}", SVC_E_INVALID_REQUEST },
		{ "{\"id\":1.5,\"method\":\"listReaders\"}", SVC_E_INVALID_REQUEST },
		{ "{\"id\":1,\"method\":7}", SVC_E_INVALID_REQUEST },
		{ "{\"id\":1,\"method\":\"transmitApdu\"}", SVC_E_METHOD_NOT_FOUND },
		{ "{\"id\":1,\"method\":\"readBasic\"}", SVC_E_METHOD_DISABLED },
		{ "{\"id\":1,\"method\":\"listReaders\",\"params\":[]}", SVC_E_INVALID_PARAMS },
		{ "{\"id\":1,\"method\":\"listReaders\",\"params\":{\"pin\":\"123456\"}}", SVC_E_INVALID_PARAMS },
		{ "{\"function\":\"iReadCardBas\",\"iType\":1}", SVC_E_METHOD_DISABLED },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (parse(&c, cases[i].msg, &r) != cases[i].want)
			fail_msg("'%s' gave %s", cases[i].msg, svc_err_code(parse(&c, cases[i].msg, &r)));
}

static void test_rpc_params(void **state)
{
	svc_config c = cfg_of("timeout_ms = 5000\n");
	svc_request r;
	static const char *const bad[] = {
		"{\"id\":1,\"method\":\"readBasic\",\"params\":{\"waitMs\":5001}}",
		"{\"id\":1,\"method\":\"readBasic\",\"params\":{\"waitMs\":-1}}",
		"{\"id\":1,\"method\":\"readBasic\",\"params\":{\"waitMs\":\"10\"}}",
		"{\"id\":1,\"method\":\"readBasic\",\"params\":{\"reader\":5}}",
		"{\"id\":1,\"method\":\"readBasic\",\"params\":{\"apdu\":\"00A40000\"}}",
		"{\"id\":1,\"method\":\"verifyPinPad\",\"params\":{\"pin\":\"123456\"}}",
		"{\"id\":1,\"method\":\"readBasicStep2\"}",
		"{\"id\":1,\"method\":\"readBasicStep2\",\"params\":{}}",
		"{\"id\":1,\"method\":\"readBasicStep2\",\"params\":{\"pKey\":\"00|\"}}",
		"{\"id\":1,\"method\":\"readBasicStep2\",\"params\":{\"pKey\":"
		"\"0011223344556677AABBCCDDEEFF001G||\"}}",
		"{\"id\":1,\"method\":\"readBasicStep2\",\"params\":{\"pKey\":"
		"\"0011223344556677AABBCCDDEEFF0011|x\"}}",
		"{\"id\":1,\"method\":\"readBasicStep2\",\"params\":{\"pKey\":"
		"\"0011223344556677AABBCCDDEEFF0011|8899AABBCCDDEEFF0123456789ABCDEF;\"}}",
		"{\"id\":1,\"method\":\"cancel\",\"params\":{\"id\":\"all\"}}",
	};
	char big[300];
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse(&c, bad[i], &r) != SVC_E_INVALID_PARAMS)
			fail_msg("'%s' gave %s", bad[i], svc_err_code(parse(&c, bad[i], &r)));
	memset(big, 'A', sizeof(big));
	snprintf(big, sizeof(big), "{\"id\":1,\"method\":\"readBasic\",\"params\":{\"reader\":\"%0200d\"}}", 0);
	assert_int_equal(parse(&c, big, &r), SVC_E_INVALID_PARAMS);
	assert_int_equal(svc_rpc_parse(&c, "{\"id\":1}\0xx", 11, &r), SVC_E_PARSE);
}

static void test_rpc_too_large(void **state)
{
	svc_config c = cfg_of("max_message = 256\n");
	char msg[300];
	svc_request r;
	(void)state;
	memset(msg, ' ', sizeof(msg));
	memcpy(msg, "{\"id\":1,\"method\":\"listReaders\"}", 31);
	assert_int_equal(svc_rpc_parse(&c, msg, 256, &r), SVC_OK);
	assert_int_equal(svc_rpc_parse(&c, msg, 257, &r), SVC_E_TOO_LARGE);
}

static void test_vendor_shim(void **state)
{
	svc_config c = cfg_of("vendor_shim = yes\n");
	svc_request r;
	char *text;
	(void)state;
	assert_int_equal(parse(&c, "{\"function\":\"iReadCardBas\",\"iType\":1}", &r), SVC_OK);
	assert_true(r.vendor);
	assert_int_equal(r.method, SVC_M_READ_BASIC);
	assert_int_equal(parse(&c, "{\"function\":\"iReadCardBas\",\"iType\":9}", &r), SVC_E_INVALID_PARAMS);
	assert_int_equal(parse(&c, "{\"function\":\"iWriteCard\"}", &r), SVC_E_METHOD_NOT_FOUND);
	assert_int_equal(parse(&c, "{\"function\":\"iReadCardBas_HSM_Step2\"}", &r), SVC_E_INVALID_PARAMS);
	assert_int_equal(parse(&c, "{\"function\":\"iReadCardBas_HSM_Step1\",\"iType\":3}", &r), SVC_OK);
	text = svc_reply_error(&r, SVC_E_NO_CARD, NULL);
	assert_string_equal(text, "{\"function\":\"iReadCardBas_HSM_Step1\",\"result\":-2,\"pOutInfo\":\"读卡器中没有卡\"}");
	free(text);
}

/* ---- the dispatcher: every message gets exactly one answer --------------- */

typedef struct fake {
	int replies, starts;
	char last[512];
} fake;

static void fake_reply(void *sess, char *text)
{
	fake *f = sess;
	f->replies++;
	snprintf(f->last, sizeof(f->last), "%s", text != NULL ? text : "");
	free(text);
}

static svc_err fake_start(void *sess, const svc_request *req)
{
	fake *f = sess;
	f->starts++;
	return req->method == SVC_M_DIAGNOSE ? SVC_E_READER_BUSY : SVC_OK;
}

static unsigned fake_cancel(void *sess, int64_t target)
{
	(void)sess;
	return target < 0 ? 2u : 1u;
}

static const svc_rpc_ops fake_ops = { fake_reply, fake_start, fake_cancel };

static void handle(const svc_config *c, fake *f, const char *msg)
{
	svc_rpc_handle(c, &fake_ops, f, msg, strlen(msg));
}

static void test_dispatcher(void **state)
{
	svc_config c = cfg_of("");
	fake f = { 0 };
	(void)state;

	handle(&c, &f, "{\"id\":1,\"method\":\"readBasic\"}");
	assert_int_equal(f.starts, 1);
	assert_int_equal(f.replies, 0); /* its answer comes from the job */
	handle(&c, &f, "{\"id\":2,\"method\":\"diagnose\"}");
	assert_int_equal(f.replies, 1);
	assert_non_null(strstr(f.last, "\"id\":2,\"error\":{\"code\":\"READER_BUSY\""));
	assert_non_null(strstr(f.last, "\"message_zh\":\"读卡器正被其他页面使用\""));
	handle(&c, &f, "{\"id\":3,\"method\":\"cancel\"}");
	assert_string_equal(f.last, "{\"id\":3,\"result\":{\"cancelled\":2}}");
	handle(&c, &f, "not json");
	assert_string_equal(f.last, "{\"id\":null,\"error\":{\"code\":\"PARSE_ERROR\",\"message\":"
	                            "\"The message is not valid JSON\",\"message_zh\":\"消息不是有效的 JSON\"}}");
	handle(&c, &f, "{\"id\":9,\"method\":\"nope\"}");
	assert_non_null(strstr(f.last, "\"id\":9,\"error\":{\"code\":\"METHOD_NOT_FOUND\""));
	assert_int_equal(f.replies, 4);
	assert_int_equal(f.starts, 2);
}

/* ---- errors --------------------------------------------------------------------- */

static void test_errors_table(void **state)
{
	(void)state;
	for (int i = 1; i < (int)SVC_E_COUNT; i++) {
		assert_true(strlen(svc_err_code((svc_err)i)) > 2);
		assert_true(strlen(svc_err_message((svc_err)i)) > 5);
		assert_true(strlen(svc_err_message_zh((svc_err)i)) > 3);
		assert_true(svc_err_ministry((svc_err)i) < 0);
		for (int j = 1; j < i; j++)
			assert_string_not_equal(svc_err_code((svc_err)i), svc_err_code((svc_err)j));
	}
	assert_int_equal(svc_err_from_rc(SSCARD_E_NO_CARD), SVC_E_NO_CARD);
	assert_int_equal(svc_err_from_rc(SSCARD_E_NO_READER), SVC_E_NO_READER);
	assert_int_equal(svc_err_from_rc(SSCARD_E_SHARING), SVC_E_READER_BUSY);
	assert_int_equal(svc_err_from_rc(SSCARD_E_TIMEOUT), SVC_E_TIMEOUT);
	assert_int_equal(svc_err_from_rc(SSCARD_E_CANCELLED), SVC_E_CANCELLED);
	assert_int_equal(svc_err_from_rc(SSCARD_E_MEMORY_FAILURE), SVC_E_CARD_ERROR);
	assert_int_equal(svc_err_from_rc(SSCARD_E_KEYS_MISMATCH), SVC_E_KEYS_MISMATCH);
	assert_string_equal(svc_err_code((svc_err)999), "SERVICE_ERROR");
}

/* ---- metrics ------------------------------------------------------------------- */

static void test_metrics(void **state)
{
	svc_metrics *m = svc_metrics_new();
	char *text;
	(void)state;

	svc_metrics_op(m, SVC_M_READ_BASIC, SVC_OK, 0.02);
	svc_metrics_op(m, SVC_M_READ_BASIC, SVC_E_NO_CARD, 0.3);
	svc_metrics_verdict(m, "REPLACE", "EXPIRED");
	svc_metrics_verdict(m, "REPLACE", "EXPIRED");
	svc_metrics_readers(m, 1);
	svc_metrics_reject(m, SVC_REJ_ORIGIN);
	text = svc_metrics_render(m);
	assert_non_null(text);
	assert_non_null(strstr(text, "sscardd_reads_total{result=\"ok\"} 1\n"));
	assert_non_null(strstr(text, "sscardd_reads_total{result=\"error\"} 1\n"));
	assert_non_null(strstr(text, "sscardd_errors_total{code=\"NO_CARD\"} 1\n"));
	assert_non_null(strstr(text, "sscardd_verdicts_total{verdict=\"REPLACE\",reason=\"EXPIRED\"} 2\n"));
	assert_non_null(strstr(text, "sscardd_readers_present 1\n"));
	assert_non_null(strstr(text, "sscardd_rejected_total{reason=\"origin\"} 1\n"));
	assert_non_null(strstr(text, "sscardd_operation_seconds_bucket{method=\"readBasic\",le=\"0.025\"} 1\n"));
	assert_non_null(strstr(text, "sscardd_operation_seconds_bucket{method=\"readBasic\",le=\"0.5\"} 2\n"));
	assert_non_null(strstr(text, "sscardd_operation_seconds_bucket{method=\"readBasic\",le=\"+Inf\"} 2\n"));
	assert_non_null(strstr(text, "# TYPE sscardd_operation_seconds histogram\n"));
	free(text);
	svc_metrics_free(&m);
	assert_null(m);
}

/* ---- result builders on simulated cards ------------------------------------------ */

static void connect_sim(const char *profile, sscard_ctx **ctx, sscard_card **card)
{
	char reader[512];
	snprintf(reader, sizeof(reader), "sim:%s/cards/%s", getenv("SSCARD_VECTORS"), profile);
	assert_int_equal(sscard_ctx_new(ctx), SSCARD_OK);
	assert_int_equal(sscard_connect(*ctx, reader, card), SSCARD_OK);
}

static void test_basic_json(void **state)
{
	sscard_ctx *ctx = NULL;
	sscard_card *card = NULL;
	sscard_basic *b = NULL;
	const uint8_t *atr;
	size_t atrlen;
	json_object *o, *v;
	(void)state;

	connect_sim("healthy-v2.json", &ctx, &card);
	assert_int_equal(sscard_basic_new(&b), SSCARD_OK);
	assert_int_equal(sscard_read_basic(card, b), SSCARD_OK);
	assert_int_equal(sscard_card_atr(card, &atr, &atrlen), SSCARD_OK);
	o = svc_basic_json(b, atr, atrlen);
	assert_true(json_object_object_get_ex(o, "ministry", &v));
	/* the compat library's iReadCardBas for this card, terminal number empty */
	assert_string_equal(json_object_get_string(v),
	                    "630100|630102197503150025|X00000019|630100D1560000050087CF2001864961|李四|"
	                    "0087CF20018649618C009773F5|2.00|20180620|20280620|||");
	for (size_t i = 0; i < sscard_element_count(); i++)
		if (sscard_basic_value(b, i) != NULL)
			assert_true(json_object_object_get_ex(o, sscard_element_key(i), NULL));
	assert_true(json_object_object_get_ex(o, "valid", &v));
	assert_true(json_object_get_boolean(v));
	json_object_put(o);
	sscard_basic_free(&b);
	sscard_disconnect(&card);
	sscard_ctx_free(&ctx);
}

static void test_withheld_json(void **state)
{
	sscard_ctx *ctx = NULL;
	sscard_card *card = NULL;
	sscard_basic *b = NULL;
	json_object *o, *v;
	(void)state;

	connect_sim("healthy-v3.json", &ctx, &card);
	assert_int_equal(sscard_basic_new(&b), SSCARD_OK);
	assert_int_equal(sscard_read_basic(card, b), SSCARD_OK);
	o = svc_basic_json(b, NULL, 0);
	assert_false(json_object_object_get_ex(o, "name", NULL)); /* never shown empty */
	assert_true(json_object_object_get_ex(o, "unavailable", &v));
	assert_true(json_object_array_length(v) > 0);
	assert_non_null(strstr(json_object_to_json_string(v), "\"WITHHELD\""));
	json_object_put(o);
	sscard_basic_free(&b);
	sscard_disconnect(&card);
	sscard_ctx_free(&ctx);
}

static void test_diag_json(void **state)
{
	sscard_ctx *ctx = NULL;
	sscard_card *card = NULL;
	sscard_diag *d = NULL;
	json_object *o, *v, *r0;
	(void)state;

	connect_sim("expired.json", &ctx, &card);
	assert_int_equal(sscard_diag_new(&d), SSCARD_OK);
	assert_int_equal(sscard_diagnose(card, d), SSCARD_OK);
	o = svc_diag_json(d);
	assert_true(json_object_object_get_ex(o, "verdict", &v));
	assert_string_equal(json_object_get_string(v), "REPLACE");
	assert_true(json_object_object_get_ex(o, "reasons", &v));
	r0 = json_object_array_get_idx(v, 0);
	assert_non_null(r0);
	assert_true(json_object_object_get_ex(r0, "action_zh", &v));
	assert_true(strlen(json_object_get_string(v)) > 0);
	assert_non_null(strstr(json_object_to_json_string(o), "\"EXPIRED\""));
	json_object_put(o);
	sscard_diag_free(&d);
	sscard_disconnect(&card);
	sscard_ctx_free(&ctx);
}

static void test_reader_locks(void **state)
{
	svc_locks *l = svc_locks_new();
	(void)state;
	assert_true(svc_locks_take(l, "R 00", 1));
	assert_false(svc_locks_take(l, "R 00", 2)); /* READER_BUSY */
	assert_false(svc_locks_take(l, "R 00", 1)); /* one operation at a time, even its own */
	assert_true(svc_locks_take(l, "R 01", 2));
	svc_locks_give(l, "R 00", 2); /* not its owner: nothing */
	assert_false(svc_locks_take(l, "R 00", 3));
	svc_locks_give(l, "R 00", 1);
	assert_true(svc_locks_take(l, "R 00", 3));
	svc_locks_free(&l);
	assert_null(l);
}

static void test_seen_readers(void **state)
{
	static svc_readers rs; /* zeroed */
	sscard_event ev = { .type = SSCARD_EVENT_READER_ADDED, .reader = "R 00" };
	json_object *o;
	(void)state;

	pthread_mutex_init(&rs.mutex, NULL);
	svc_readers_update(&rs, &ev, true);
	ev.type = SSCARD_EVENT_CARD_INSERTED;
	svc_readers_update(&rs, &ev, false);
	snprintf(ev.reader, sizeof(ev.reader), "R 01");
	ev.type = SSCARD_EVENT_READER_ADDED;
	svc_readers_update(&rs, &ev, false);
	o = svc_readers_json(&rs);
	assert_string_equal(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
	                    "{\"readers\":[{\"name\":\"R 00\",\"cardPresent\":true,\"pinPad\":true},"
	                    "{\"name\":\"R 01\",\"cardPresent\":false,\"pinPad\":false}]}");
	json_object_put(o);
	snprintf(ev.reader, sizeof(ev.reader), "R 00");
	ev.type = SSCARD_EVENT_CARD_REMOVED;
	svc_readers_update(&rs, &ev, false);
	ev.type = SSCARD_EVENT_READER_REMOVED;
	svc_readers_update(&rs, &ev, false);
	o = svc_readers_json(&rs);
	assert_string_equal(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
	                    "{\"readers\":[{\"name\":\"R 01\",\"cardPresent\":false,\"pinPad\":false}]}");
	json_object_put(o);
	pthread_mutex_destroy(&rs.mutex);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_defaults), cmocka_unit_test(test_config_file),
		cmocka_unit_test(test_config_refusals), cmocka_unit_test(test_host_header),
		cmocka_unit_test(test_psam_not_served), cmocka_unit_test(test_rpc_requests),
		cmocka_unit_test(test_rpc_refusals),    cmocka_unit_test(test_rpc_params),
		cmocka_unit_test(test_rpc_too_large),   cmocka_unit_test(test_vendor_shim),
		cmocka_unit_test(test_dispatcher),      cmocka_unit_test(test_errors_table),
		cmocka_unit_test(test_metrics),         cmocka_unit_test(test_basic_json),
		cmocka_unit_test(test_withheld_json),   cmocka_unit_test(test_diag_json),
		cmocka_unit_test(test_reader_locks),    cmocka_unit_test(test_seen_readers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
