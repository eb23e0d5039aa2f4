/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sscardd's typed errors: one table of code, English and Chinese text and
 * the ministry interface's code (for the vendor shim). */
#include "svc.h"

typedef struct err_row {
	const char *code, *en, *zh;
	long ministry;
} err_row;

static const err_row rows[SVC_E_COUNT] = {
	[SVC_OK] = { "OK", "Success", "成功", 0 },
	[SVC_E_PARSE] = { "PARSE_ERROR", "The message is not valid JSON", "消息不是有效的 JSON", -14 },
	[SVC_E_INVALID_REQUEST] = { "INVALID_REQUEST", "The message is not a request (id and method are required)",
	                            "消息不是有效的请求(需要 id 和 method)", -14 },
	[SVC_E_METHOD_NOT_FOUND] = { "METHOD_NOT_FOUND", "No such method", "没有这个方法", -13 },
	[SVC_E_METHOD_DISABLED] = { "METHOD_DISABLED", "This method is disabled in the service's configuration",
	                            "服务配置已禁用此方法", -13 },
	[SVC_E_INVALID_PARAMS] = { "INVALID_PARAMS", "The parameters are invalid", "参数无效", -14 },
	[SVC_E_TOO_LARGE] = { "TOO_LARGE", "The message is too large", "消息过长", -14 },
	[SVC_E_RATE_LIMITED] = { "RATE_LIMITED", "Too many requests; slow down", "请求过于频繁,请稍后再试", -13 },
	[SVC_E_FORBIDDEN] = { "FORBIDDEN", "This page may not use the card service", "此网页无权使用读卡服务", -13 },
	[SVC_E_NO_READER] = { "NO_READER", "No card reader is connected", "未连接读卡器", -11 },
	[SVC_E_NO_CARD] = { "NO_CARD", "No card in the reader", "读卡器中没有卡", -2 },
	[SVC_E_READER_BUSY] = { "READER_BUSY", "The reader is busy with another page's operation",
	                        "读卡器正被其他页面使用", -12 },
	[SVC_E_CARD_REMOVED] = { "CARD_REMOVED", "The card was removed during the operation",
	                         "操作过程中卡被拔出", -2 },
	[SVC_E_CARD_ERROR] = { "CARD_ERROR", "The card could not be read", "无法读取此卡", -4 },
	[SVC_E_NOT_SSC] = { "NOT_SSC", "This is not a social security card", "这不是社会保障卡", -1 },
	[SVC_E_CARD_BLOCKED] = { "CARD_BLOCKED", "The card's application is blocked or locked",
	                         "卡片应用已锁定", -27011 },
	[SVC_E_TIMEOUT] = { "TIMEOUT", "The operation timed out", "操作超时", -32 },
	[SVC_E_CANCELLED] = { "CANCELLED", "The operation was cancelled", "操作已取消", -31 },
	[SVC_E_NO_STEP1] = { "NO_STEP1", "readBasicStep1 was not called on this connection, or it expired",
	                     "本连接未调用 readBasicStep1 或已超时", -12 },
	[SVC_E_NOT_GENUINE] = { "NOT_GENUINE", "The card's internal authentication disagrees with the security module",
	                        "卡片内部认证与安全模块不一致", -25 },
	[SVC_E_KEYS_MISMATCH] = { "KEYS_MISMATCH", "The card refused the security module's answer",
	                          "卡片拒绝了安全模块的认证数据", -24 },
	[SVC_E_PINPAD_UNAVAILABLE] = { "PINPAD_UNAVAILABLE", "The reader has no PIN pad", "读卡器没有密码键盘", -13 },
	[SVC_E_WRONG_PIN] = { "WRONG_PIN", "Wrong PIN", "密码错误", -51 },
	[SVC_E_PIN_BLOCKED] = { "PIN_BLOCKED", "The PIN is blocked", "密码已锁定", -52 },
	[SVC_E_SERVICE] = { "SERVICE_ERROR", "The card service failed (PC/SC or memory)",
	                    "读卡服务出错(PC/SC 或内存)", -11 },
};

const char *svc_err_code(svc_err e)
{
	return (unsigned)e < SVC_E_COUNT ? rows[e].code : "SERVICE_ERROR";
}

const char *svc_err_message(svc_err e)
{
	return (unsigned)e < SVC_E_COUNT ? rows[e].en : rows[SVC_E_SERVICE].en;
}

const char *svc_err_message_zh(svc_err e)
{
	return (unsigned)e < SVC_E_COUNT ? rows[e].zh : rows[SVC_E_SERVICE].zh;
}

long svc_err_ministry(svc_err e)
{
	return (unsigned)e < SVC_E_COUNT ? rows[e].ministry : -11;
}

static const struct { sscard_rc rc; svc_err err; } from_rc[] = {
	{ SSCARD_OK, SVC_OK },
	{ SSCARD_E_INVALID_ARG, SVC_E_INVALID_PARAMS },
	{ SSCARD_E_NOMEM, SVC_E_SERVICE },
	{ SSCARD_E_INTERNAL, SVC_E_SERVICE },
	{ SSCARD_E_KEYSTORE, SVC_E_SERVICE },
	{ SSCARD_E_NO_SERVICE, SVC_E_NO_READER },
	{ SSCARD_E_NO_READER, SVC_E_NO_READER },
	{ SSCARD_E_READER_AMBIGUOUS, SVC_E_NO_READER },
	{ SSCARD_E_NO_CARD, SVC_E_NO_CARD },
	{ SSCARD_E_CARD_REMOVED, SVC_E_CARD_REMOVED },
	{ SSCARD_E_CARD_RESET, SVC_E_CARD_ERROR },
	{ SSCARD_E_TIMEOUT, SVC_E_TIMEOUT },
	{ SSCARD_E_SHARING, SVC_E_READER_BUSY },
	{ SSCARD_E_BUSY, SVC_E_READER_BUSY },
	{ SSCARD_E_CANCELLED, SVC_E_CANCELLED },
	{ SSCARD_E_FILE_NOT_FOUND, SVC_E_NOT_SSC },
	{ SSCARD_E_APP_BLOCKED, SVC_E_CARD_BLOCKED },
	{ SSCARD_E_APP_LOCKED, SVC_E_CARD_BLOCKED },
	{ SSCARD_E_WRONG_PIN, SVC_E_WRONG_PIN },
	{ SSCARD_E_PIN_BLOCKED, SVC_E_PIN_BLOCKED },
	{ SSCARD_E_NOT_GENUINE, SVC_E_NOT_GENUINE },
	{ SSCARD_E_KEYS_MISMATCH, SVC_E_KEYS_MISMATCH },
	{ SSCARD_E_NOT_IMPLEMENTED, SVC_E_PINPAD_UNAVAILABLE },
};

svc_err svc_err_from_rc(sscard_rc rc)
{
	for (size_t i = 0; i < sizeof(from_rc) / sizeof(from_rc[0]); i++)
		if (from_rc[i].rc == rc)
			return from_rc[i].err;
	return SVC_E_CARD_ERROR;
}
