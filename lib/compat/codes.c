/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sscard_rc -> customary return code (design.md s.8): one table, and one
 * table of the customary messages. Status-word errors keep the card's
 * own word (minus its decimal value) because HIS vendors look those up in
 * the card specification; the two PIN outcomes HIS code tests by name
 * (-51, -52) win over that rule.
 */
#include <stdio.h>
#include <string.h>

#include "compat_int.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Marker in rc_codes: minus the card's status word (fallback: `code`). */
#define FROM_SW 1

typedef struct rc_code {
	sscard_rc rc;
	int how;   /* 0: `code`; FROM_SW: minus the decimal status word */
	long code; /* the code, or the fallback when no status word is known */
} rc_code;

static const rc_code rc_codes[] = {
	{ SSCARD_OK, 0, SSCARD_COMPAT_OK },
	/* caller and host: the customary list has no "host error"; a host
	 * that cannot run the reader is a reader connection error. */
	{ SSCARD_E_INVALID_ARG, 0, SSCARD_COMPAT_BAD_PARAM },
	{ SSCARD_E_NOMEM, 0, SSCARD_COMPAT_READER_ERROR },
	{ SSCARD_E_BUFFER_TOO_SMALL, 0, SSCARD_COMPAT_DATA_INVALID },
	{ SSCARD_E_IO, 0, SSCARD_COMPAT_READER_ERROR },
	{ SSCARD_E_NOT_IMPLEMENTED, 0, SSCARD_COMPAT_UNSUPPORTED },
	{ SSCARD_E_INTERNAL, 0, SSCARD_COMPAT_READER_ERROR },
	{ SSCARD_E_PROFILE, 0, SSCARD_COMPAT_READER_ERROR },
	{ SSCARD_E_ENCODING, 0, SSCARD_COMPAT_DATA_INVALID },
	{ SSCARD_E_KEYSTORE, 0, SSCARD_COMPAT_NO_RKSSSE },
	/* readers and transport */
	{ SSCARD_E_NO_SERVICE, 0, SSCARD_COMPAT_READER_ERROR },
	{ SSCARD_E_NO_READER, 0, SSCARD_COMPAT_READER_ERROR },
	{ SSCARD_E_READER_AMBIGUOUS, 0, SSCARD_COMPAT_READER_ERROR },
	{ SSCARD_E_NO_CARD, 0, SSCARD_COMPAT_NO_CARD },
	{ SSCARD_E_CARD_REMOVED, 0, SSCARD_COMPAT_NO_CARD },
	{ SSCARD_E_CARD_RESET, 0, SSCARD_COMPAT_NO_RESPONSE },
	{ SSCARD_E_MUTE, 0, SSCARD_COMPAT_NO_RESPONSE },
	{ SSCARD_E_TIMEOUT, 0, SSCARD_COMPAT_NO_RESPONSE },
	{ SSCARD_E_SHARING, 0, SSCARD_COMPAT_NOT_CONNECTED },
	{ SSCARD_E_TRANSPORT, 0, SSCARD_COMPAT_READER_ERROR },
	{ SSCARD_E_CANCELLED, 0, SSCARD_COMPAT_PINPAD_CANCELLED },
	/* malformed exchanges */
	{ SSCARD_E_BAD_APDU, 0, SSCARD_COMPAT_BAD_PARAM },
	{ SSCARD_E_BAD_RESPONSE, 0, SSCARD_COMPAT_DATA_INVALID },
	{ SSCARD_E_BAD_ATR, 0, SSCARD_COMPAT_NOT_POWERED },
	{ SSCARD_E_BAD_DATA, 0, SSCARD_COMPAT_DATA_INVALID },
	{ SSCARD_E_DATA_INVALID, 0, SSCARD_COMPAT_DATA_MISMATCH },
	/* status words */
	{ SSCARD_E_WRONG_PIN, 0, SSCARD_COMPAT_PIN_CHECK_FAILED },
	{ SSCARD_E_PIN_BLOCKED, 0, SSCARD_COMPAT_PIN_LOCKED },
	{ SSCARD_E_SECURITY, FROM_SW, SSCARD_COMPAT_KEY_LEVEL },
	{ SSCARD_E_CONDITIONS, FROM_SW, SSCARD_COMPAT_KEY_LEVEL },
	{ SSCARD_E_APP_BLOCKED, FROM_SW, SSCARD_COMPAT_WRONG_CARD },
	{ SSCARD_E_APP_LOCKED, FROM_SW, SSCARD_COMPAT_WRONG_CARD },
	/* SSSE or one of its files missing: not a social security card */
	{ SSCARD_E_FILE_NOT_FOUND, 0, SSCARD_COMPAT_WRONG_CARD },
	{ SSCARD_E_RECORD_NOT_FOUND, FROM_SW, SSCARD_COMPAT_DATA_INVALID },
	{ SSCARD_E_NOT_SUPPORTED, FROM_SW, SSCARD_COMPAT_UNSUPPORTED },
	{ SSCARD_E_WRONG_LENGTH, FROM_SW, SSCARD_COMPAT_DATA_INVALID },
	{ SSCARD_E_WRONG_PARAMS, FROM_SW, SSCARD_COMPAT_DATA_INVALID },
	{ SSCARD_E_MEMORY_FAILURE, FROM_SW, SSCARD_COMPAT_DATA_INVALID },
	{ SSCARD_E_CARD_ERROR, FROM_SW, SSCARD_COMPAT_DATA_INVALID },
	{ SSCARD_E_KEY_NOT_FOUND, FROM_SW, SSCARD_COMPAT_NO_RKSSSE },
	{ SSCARD_E_MAC, FROM_SW, SSCARD_COMPAT_KEY_LEVEL },
	{ SSCARD_E_RANDOM_INVALID, FROM_SW, SSCARD_COMPAT_KEY_LEVEL },
	{ SSCARD_E_AUTH_FAILED, FROM_SW, SSCARD_COMPAT_KEY_LEVEL },
	/* security */
	{ SSCARD_E_CRYPTO, 0, SSCARD_COMPAT_ALG_UNSUPPORTED },
	{ SSCARD_E_NOT_GENUINE, 0, SSCARD_COMPAT_NOT_GENUINE },
	{ SSCARD_E_KEYS_MISMATCH, FROM_SW, SSCARD_COMPAT_KEY_LEVEL },
	{ SSCARD_E_TORN_WRITE, 0, SSCARD_COMPAT_DATA_MISMATCH },
	{ SSCARD_E_VERIFY_FAILED, 0, SSCARD_COMPAT_DATA_MISMATCH },
};

/* A status word a card can fail with: not 9000, not 61xx (more data). */
static bool is_failing_sw(uint16_t sw)
{
	return sw != 0 && sw != 0x9000 && (sw >> 8) != 0x61;
}

long compat_code_of(sscard_rc rc, uint16_t sw)
{
	for (size_t i = 0; i < COUNT(rc_codes); i++) {
		if (rc_codes[i].rc != rc)
			continue;
		if (rc_codes[i].how == FROM_SW && is_failing_sw(sw))
			return -(long)sw;
		return rc_codes[i].code;
	}
	/* an rc newer than this table: still an error, never success */
	return SSCARD_COMPAT_READER_ERROR;
}

typedef struct code_message {
	long code;
	const char *zh; /* UTF-8 here, GBK on output */
} code_message;

static const code_message messages[] = {
	{ SSCARD_COMPAT_OK, "成功" },
	{ SSCARD_COMPAT_WRONG_CARD, "卡类型不对(不是社会保障卡或应用已锁定)" },
	{ SSCARD_COMPAT_NO_CARD, "无卡" },
	{ SSCARD_COMPAT_NOT_POWERED, "卡片上电失败(复位应答无效)" },
	{ SSCARD_COMPAT_NO_RESPONSE, "卡片无应答" },
	{ SSCARD_COMPAT_READER_ERROR, "连接读卡器失败" },
	{ SSCARD_COMPAT_NOT_CONNECTED, "未建立连接(卡被其他程序占用)" },
	{ SSCARD_COMPAT_UNSUPPORTED, "不支持该操作" },
	{ SSCARD_COMPAT_BAD_PARAM, "参数错误" },
	{ SSCARD_COMPAT_CHECKSUM, "校验错误" },
	{ SSCARD_COMPAT_BAD_CARD_ID, "卡识别码错误" },
	{ SSCARD_COMPAT_NOT_GENUINE, "内部认证失败(卡片非法)" },
	{ SSCARD_COMPAT_DATA_MISMATCH, "数据不一致" },
	{ SSCARD_COMPAT_DATA_INVALID, "数据无效" },
	{ SSCARD_COMPAT_KEY_LEVEL, "密钥权限不足或认证失败" },
	{ SSCARD_COMPAT_PINPAD_CANCELLED, "密码输入被取消" },
	{ SSCARD_COMPAT_PIN_CHECK_FAILED, "密码校验失败" },
	{ SSCARD_COMPAT_PIN_LOCKED, "密码已锁定" },
	{ SSCARD_COMPAT_NO_PSAM, "无PSAM卡" },
	{ SSCARD_COMPAT_ALG_UNSUPPORTED, "算法不支持" },
	{ SSCARD_COMPAT_NO_RKSSSE, "无RKSSSE密钥" },
};

const char *compat_message_utf8(long code)
{
	for (size_t i = 0; i < COUNT(messages); i++)
		if (messages[i].code == code)
			return messages[i].zh;
	return NULL;
}

size_t compat_message_count(void)
{
	return COUNT(messages);
}

long compat_message_code(size_t i)
{
	return i < COUNT(messages) ? messages[i].code : 0;
}

/* Write the first of the candidate texts that converts and fits: the
 * detailed one, then the plain one. Never a cut-off message. */
static void write_message(char *out, const char *detailed, const char *plain)
{
	if (detailed && compat_utf8_to_gbk(detailed, out, SSCARD_COMPAT_MESSAGE_MAX) >= 0)
		return;
	if (compat_utf8_to_gbk(plain, out, SSCARD_COMPAT_MESSAGE_MAX) >= 0)
		return;
	out[0] = '\0'; /* unreachable with the table above (checked by a test) */
}

long compat_fail_about(char *out, long code, uint16_t sw, const char *about)
{
	char detailed[SSCARD_COMPAT_MESSAGE_MAX], plain[64];
	const char *zh = compat_message_utf8(code);
	int n = 0;

	if (!out)
		return code;
	if (zh == NULL) {
		/* a status-word code: the word, then its meaning if it fits */
		uint16_t word = (uint16_t)(-code);

		snprintf(plain, sizeof(plain), "卡片返回状态字%04X", (unsigned)word);
		n = snprintf(detailed, sizeof(detailed), "%s: %s", plain, sscard_sw_text_zh(word));
		zh = plain;
	} else if (code == SSCARD_COMPAT_PIN_CHECK_FAILED && (sw & 0xFFF0u) == 0x63C0u) {
		n = snprintf(detailed, sizeof(detailed), "%s,还可尝试%u次", zh, sw & 0x0Fu);
	} else if (about && *about) {
		n = snprintf(detailed, sizeof(detailed), "%s(%s)", zh, about);
	} else {
		detailed[0] = '\0';
	}
	/* a detailed text that snprintf had to cut is not used */
	write_message(out, n > 0 && (size_t)n < sizeof(detailed) ? detailed : NULL, zh);
	return code;
}

long compat_fail(char *out, long code, uint16_t sw)
{
	return compat_fail_about(out, code, sw, NULL);
}
