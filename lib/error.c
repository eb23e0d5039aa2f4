/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sscard_rc -> stable name, English and Chinese text: one table. */
#include <stddef.h>

#include <string.h>

#include "internal.h"

typedef struct rc_text {
	int rc;
	const char *name;
	const char *en;
	const char *zh;
} rc_text;

static const rc_text rc_table[] = {
	{SSCARD_OK, "OK", "success", "成功"},
	{SSCARD_E_INVALID_ARG, "INVALID_ARG", "invalid argument", "参数无效"},
	{SSCARD_E_NOMEM, "NOMEM", "out of memory", "内存不足"},
	{SSCARD_E_BUFFER_TOO_SMALL, "BUFFER_TOO_SMALL", "buffer too small", "缓冲区太小"},
	{SSCARD_E_IO, "IO", "input/output error", "输入输出错误"},
	{SSCARD_E_NOT_IMPLEMENTED, "NOT_IMPLEMENTED", "not available with this transport or build", "此传输方式或版本不支持"},
	{SSCARD_E_INTERNAL, "INTERNAL", "internal error (a bug in libsscard)", "内部错误"},
	{SSCARD_E_PROFILE, "PROFILE", "malformed card profile", "卡配置文件格式错误"},
	{SSCARD_E_ENCODING, "ENCODING", "text is not valid GBK or UTF-8", "字符编码无效"},
	{SSCARD_E_KEYSTORE, "KEYSTORE", "keystore missing, malformed or unsafe", "密钥库缺失、格式错误或不安全"},
	{SSCARD_E_BUSY, "BUSY", "context in use by another thread (one context per thread, or lock it)", "上下文正被其他线程使用"},
	{SSCARD_E_NO_SERVICE, "NO_SERVICE", "PC/SC service (pcscd) not running", "PC/SC 服务未运行"},
	{SSCARD_E_NO_READER, "NO_READER", "no matching card reader", "未找到读卡器"},
	{SSCARD_E_READER_AMBIGUOUS, "READER_AMBIGUOUS", "reader name matches several readers", "读卡器名称不唯一"},
	{SSCARD_E_NO_CARD, "NO_CARD", "no card in the reader", "读卡器中无卡"},
	{SSCARD_E_CARD_REMOVED, "CARD_REMOVED", "card removed", "卡已被移除"},
	{SSCARD_E_CARD_RESET, "CARD_RESET", "card was reset; selected state lost", "卡已被复位"},
	{SSCARD_E_MUTE, "MUTE", "card does not respond", "卡无响应"},
	{SSCARD_E_TIMEOUT, "TIMEOUT", "timed out", "超时"},
	{SSCARD_E_SHARING, "SHARING", "card in use by another application", "卡被其他程序占用"},
	{SSCARD_E_TRANSPORT, "TRANSPORT", "reader or link failure", "读卡器通信失败"},
	{SSCARD_E_CANCELLED, "CANCELLED", "cancelled", "已取消"},
	{SSCARD_E_BAD_APDU, "BAD_APDU", "command cannot be encoded", "指令格式无效"},
	{SSCARD_E_BAD_RESPONSE, "BAD_RESPONSE", "malformed answer from card", "卡应答格式错误"},
	{SSCARD_E_BAD_ATR, "BAD_ATR", "malformed ATR", "复位应答(ATR)无效"},
	{SSCARD_E_BAD_DATA, "BAD_DATA", "bad data from card", "卡内数据格式错误"},
	{SSCARD_E_DATA_INVALID, "DATA_INVALID", "card data fails validation", "卡内数据校验不通过"},
	{SSCARD_E_WRONG_PIN, "WRONG_PIN", "wrong PIN", "密码错误"},
	{SSCARD_E_PIN_BLOCKED, "PIN_BLOCKED", "PIN or key blocked", "密码已锁定"},
	{SSCARD_E_SECURITY, "SECURITY", "security status not satisfied", "安全状态不满足"},
	{SSCARD_E_CONDITIONS, "CONDITIONS", "conditions of use not satisfied", "使用条件不满足"},
	{SSCARD_E_APP_BLOCKED, "APP_BLOCKED", "application temporarily blocked", "应用已临时锁定"},
	{SSCARD_E_APP_LOCKED, "APP_LOCKED", "application permanently locked", "应用已永久锁定"},
	{SSCARD_E_FILE_NOT_FOUND, "FILE_NOT_FOUND", "file not found", "文件未找到"},
	{SSCARD_E_RECORD_NOT_FOUND, "RECORD_NOT_FOUND", "record not found", "记录未找到"},
	{SSCARD_E_NOT_SUPPORTED, "NOT_SUPPORTED", "function not supported by the card", "卡不支持此功能"},
	{SSCARD_E_WRONG_LENGTH, "WRONG_LENGTH", "wrong length", "长度错误"},
	{SSCARD_E_WRONG_PARAMS, "WRONG_PARAMS", "wrong parameters", "参数错误"},
	{SSCARD_E_MEMORY_FAILURE, "MEMORY_FAILURE", "card memory failure", "卡存储器故障"},
	{SSCARD_E_CARD_ERROR, "CARD_ERROR", "card reported an error", "卡返回错误"},
	{SSCARD_E_KEY_NOT_FOUND, "KEY_NOT_FOUND", "key not found on the card", "密钥未找到"},
	{SSCARD_E_MAC, "MAC", "MAC wrong", "MAC 错误"},
	{SSCARD_E_RANDOM_INVALID, "RANDOM_INVALID", "challenge missing or invalid", "随机数无效"},
	{SSCARD_E_AUTH_FAILED, "AUTH_FAILED", "authentication failed", "认证失败"},
	{SSCARD_E_CRYPTO, "CRYPTO", "cryptographic operation failed", "密码运算失败"},
	{SSCARD_E_NOT_GENUINE, "NOT_GENUINE", "card is not genuine", "卡片非法(内部认证失败)"},
	{SSCARD_E_KEYS_MISMATCH, "KEYS_MISMATCH", "keys do not match this card", "密钥与此卡不匹配"},
	{SSCARD_E_TORN_WRITE, "TORN_WRITE", "write interrupted; data may be damaged", "写卡中断，数据可能损坏"},
	{SSCARD_E_VERIFY_FAILED, "VERIFY_FAILED", "written data did not read back", "写后校验失败"},
};

static const rc_text *rc_lookup(int rc)
{
	for (size_t i = 0; i < sizeof(rc_table) / sizeof(rc_table[0]); i++)
		if (rc_table[i].rc == rc)
			return &rc_table[i];
	return NULL;
}

const char *sscard_strerror(int rc)
{
	const rc_text *t = rc_lookup(rc);
	return t ? t->en : "unknown error";
}

const char *sscard_strerror_zh(int rc)
{
	const rc_text *t = rc_lookup(rc);
	return t ? t->zh : "未知错误";
}

const char *sscard_rc_name(int rc)
{
	const rc_text *t = rc_lookup(rc);
	return t ? t->name : "UNKNOWN";
}

/* How far back a cut looks for a space, so words stay whole. */
#define WORD_LOOKBACK 24u

void sscard_text_fit(char *buf, size_t size, int needed)
{
	static const char ellipsis[] = "\xE2\x80\xA6"; /* U+2026 */
	size_t end, word;

	if (buf == NULL || needed < 0 || (size_t)needed < size || size < sizeof(ellipsis))
		return;
	end = size - sizeof(ellipsis); /* room for the ellipsis and the NUL */
	while (end > 0 && ((unsigned char)buf[end] & 0xC0) == 0x80)
		end--; /* buf[end] is the first byte dropped: never a continuation */
	for (word = end; word > 0 && end - word < WORD_LOOKBACK && buf[word - 1] != ' '; word--)
		;
	if (word > 0 && end - word < WORD_LOOKBACK)
		end = word - 1; /* drop the space before the cut word too */
	memcpy(buf + end, ellipsis, sizeof(ellipsis));
}
