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

typedef struct rc_code {
	sscard_rc rc;
	long code;   /* the customary code, or 0: the card's status word */
	uint16_t sw; /* with code 0: the word to report when the card's last
	                word is not one that means rc (e.g. an element's
	                read failed before later reads went well) */
	long own;    /* with code 0: the code when the card did not say so
	                (the library's own verdict), 0: the row's word */
} rc_code;

/* sw: the status word itself is the code (minus its decimal value) */
#define SW(word) 0, (word), 0

static const rc_code rc_codes[] = {
	{ SSCARD_OK, SSCARD_COMPAT_OK, 0, 0 },
	/* caller and host: the customary list has no "host error"; a host
	 * that cannot run the reader is a reader connection error. */
	{ SSCARD_E_INVALID_ARG, SSCARD_COMPAT_BAD_PARAM, 0, 0 },
	{ SSCARD_E_NOMEM, SSCARD_COMPAT_READER_ERROR, 0, 0 },
	{ SSCARD_E_BUFFER_TOO_SMALL, SSCARD_COMPAT_DATA_INVALID, 0, 0 },
	{ SSCARD_E_IO, SSCARD_COMPAT_READER_ERROR, 0, 0 },
	{ SSCARD_E_NOT_IMPLEMENTED, SSCARD_COMPAT_UNSUPPORTED, 0, 0 },
	{ SSCARD_E_INTERNAL, SSCARD_COMPAT_READER_ERROR, 0, 0 },
	{ SSCARD_E_PROFILE, SSCARD_COMPAT_READER_ERROR, 0, 0 },
	{ SSCARD_E_ENCODING, SSCARD_COMPAT_DATA_INVALID, 0, 0 },
	{ SSCARD_E_KEYSTORE, SSCARD_COMPAT_NO_RKSSSE, 0, 0 },
	/* readers and transport */
	{ SSCARD_E_NO_SERVICE, SSCARD_COMPAT_READER_ERROR, 0, 0 },
	{ SSCARD_E_NO_READER, SSCARD_COMPAT_READER_ERROR, 0, 0 },
	{ SSCARD_E_READER_AMBIGUOUS, SSCARD_COMPAT_READER_ERROR, 0, 0 },
	{ SSCARD_E_NO_CARD, SSCARD_COMPAT_NO_CARD, 0, 0 },
	{ SSCARD_E_CARD_REMOVED, SSCARD_COMPAT_NO_CARD, 0, 0 },
	{ SSCARD_E_CARD_RESET, SSCARD_COMPAT_NO_RESPONSE, 0, 0 },
	{ SSCARD_E_MUTE, SSCARD_COMPAT_NO_RESPONSE, 0, 0 },
	{ SSCARD_E_TIMEOUT, SSCARD_COMPAT_NO_RESPONSE, 0, 0 },
	{ SSCARD_E_SHARING, SSCARD_COMPAT_NOT_CONNECTED, 0, 0 },
	{ SSCARD_E_TRANSPORT, SSCARD_COMPAT_READER_ERROR, 0, 0 },
	{ SSCARD_E_CANCELLED, SSCARD_COMPAT_PINPAD_CANCELLED, 0, 0 },
	{ SSCARD_E_BUSY, SSCARD_COMPAT_READER_ERROR, 0, 0 },
	/* malformed exchanges */
	{ SSCARD_E_BAD_APDU, SSCARD_COMPAT_BAD_PARAM, 0, 0 },
	{ SSCARD_E_BAD_RESPONSE, SSCARD_COMPAT_DATA_INVALID, 0, 0 },
	{ SSCARD_E_BAD_ATR, SSCARD_COMPAT_NOT_POWERED, 0, 0 },
	{ SSCARD_E_BAD_DATA, SSCARD_COMPAT_DATA_INVALID, 0, 0 },
	{ SSCARD_E_DATA_INVALID, SSCARD_COMPAT_DATA_MISMATCH, 0, 0 },
	/* status words; the two PIN outcomes HIS code tests by name */
	{ SSCARD_E_WRONG_PIN, SSCARD_COMPAT_PIN_CHECK_FAILED, 0, 0 },
	{ SSCARD_E_PIN_BLOCKED, SSCARD_COMPAT_PIN_LOCKED, 0, 0 },
	{ SSCARD_E_SECURITY, SW(0x6982) },
	{ SSCARD_E_CONDITIONS, SW(0x6985) },
	{ SSCARD_E_APP_BLOCKED, SW(0x6283) },
	{ SSCARD_E_APP_LOCKED, SW(0x9303) },
	/* SSSE or one of its files missing: not a social security card */
	{ SSCARD_E_FILE_NOT_FOUND, SSCARD_COMPAT_WRONG_CARD, 0, 0 },
	{ SSCARD_E_RECORD_NOT_FOUND, SW(0x6A83) },
	/* 6A81 from the card; from the library: an SSF33 card (sm.h) */
	{ SSCARD_E_NOT_SUPPORTED, 0, 0x6A81, SSCARD_COMPAT_ALG_UNSUPPORTED },
	{ SSCARD_E_WRONG_LENGTH, SW(0x6700) },
	{ SSCARD_E_WRONG_PARAMS, SW(0x6A86) },
	{ SSCARD_E_MEMORY_FAILURE, SW(0x6581) },
	{ SSCARD_E_CARD_ERROR, SW(0x6F00) },
	{ SSCARD_E_KEY_NOT_FOUND, SW(0x6A88) },
	{ SSCARD_E_MAC, SW(0x6988) },
	{ SSCARD_E_RANDOM_INVALID, SW(0x6984) },
	{ SSCARD_E_AUTH_FAILED, SW(0x6300) },
	/* security */
	{ SSCARD_E_CRYPTO, SSCARD_COMPAT_ALG_UNSUPPORTED, 0, 0 },
	{ SSCARD_E_NOT_GENUINE, SSCARD_COMPAT_NOT_GENUINE, 0, 0 },
	{ SSCARD_E_KEYS_MISMATCH, SSCARD_COMPAT_KEY_LEVEL, 0, 0 },
	{ SSCARD_E_TORN_WRITE, SSCARD_COMPAT_DATA_MISMATCH, 0, 0 },
	{ SSCARD_E_VERIFY_FAILED, SSCARD_COMPAT_DATA_MISMATCH, 0, 0 },
};

long compat_code_of(sscard_rc rc, uint16_t sw)
{
	for (size_t i = 0; i < COUNT(rc_codes); i++) {
		if (rc_codes[i].rc != rc)
			continue;
		if (rc_codes[i].code != 0 || rc == SSCARD_OK)
			return rc_codes[i].code;
		/* the card's own word when it is the one that means rc (CARD_ERROR
		 * covers many words: 6F00, 6400, ...), else the row's */
		if (sw != 0 && sscard_sw_rc(sw) == rc)
			return -(long)sw;
		return rc_codes[i].own ? rc_codes[i].own : -(long)rc_codes[i].sw;
	}
	/* an rc newer than this table: still an error, never success */
	return SSCARD_COMPAT_READER_ERROR;
}

/* What a PC/SC part 10 PIN pad answers for itself (not the card). */
static const struct {
	uint16_t sw;
	long code;
} pinpad_codes[] = {
	{ 0x6400, SSCARD_COMPAT_PINPAD_TIMEOUT },
	{ 0x6401, SSCARD_COMPAT_PINPAD_CANCELLED },
	{ 0x6402, SSCARD_COMPAT_PINPAD_MISMATCH },
	{ 0x6403, SSCARD_COMPAT_PINPAD_LENGTH },
};

long compat_pinpad_code(sscard_rc rc, uint16_t sw)
{
	if (rc == SSCARD_E_TIMEOUT)
		return SSCARD_COMPAT_PINPAD_TIMEOUT;
	for (size_t i = 0; i < COUNT(pinpad_codes); i++)
		if (pinpad_codes[i].sw == sw)
			return pinpad_codes[i].code;
	return 0;
}

typedef struct code_message {
	long code;
	const char *zh; /* UTF-8 here, GBK on output */
} code_message;

static const code_message messages[] = {
	{ SSCARD_COMPAT_OK, "成功" },
	{ SSCARD_COMPAT_WRONG_CARD, "卡类型不对(不是社会保障卡)" },
	{ SSCARD_COMPAT_NO_CARD, "无卡" },
	{ SSCARD_COMPAT_NOT_POWERED, "卡片上电失败(复位应答无效)" },
	{ SSCARD_COMPAT_NO_RESPONSE, "卡片无应答" },
	{ SSCARD_COMPAT_LOAD_FAILED, "加载动态库失败(GBK字符转换模块)" },
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
	{ SSCARD_COMPAT_HSM_MISMATCH, "内部认证结果与加密机不一致" },
	{ SSCARD_COMPAT_PINPAD_CANCELLED, "密码输入被取消" },
	{ SSCARD_COMPAT_PINPAD_TIMEOUT, "密码输入超时" },
	{ SSCARD_COMPAT_PINPAD_LENGTH, "密码长度错误" },
	{ SSCARD_COMPAT_PINPAD_MISMATCH, "两次输入的密码不一致" },
	{ SSCARD_COMPAT_PIN_INITIAL, "初始密码不能进行交易" },
	{ SSCARD_COMPAT_PIN_BACK_TO_INITIAL, "不能修改为初始密码" },
	{ SSCARD_COMPAT_ILLEGAL_CHARS, "数据含有非法字符" },
	{ SSCARD_COMPAT_DATA_LENGTH, "数据长度错误" },
	{ SSCARD_COMPAT_PIN_CHECK_FAILED, "密码校验失败" },
	{ SSCARD_COMPAT_PIN_LOCKED, "密码已锁定" },
	{ SSCARD_COMPAT_NO_PSAM, "无PSAM卡" },
	{ SSCARD_COMPAT_ALG_UNSUPPORTED, "算法不支持" },
	{ SSCARD_COMPAT_NO_RKSSSE, "无RKSSSE密钥" },
	{ SSCARD_COMPAT_NO_HSM_NEEDED, "无需加密机认证" },
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
		bool with = about && *about;

		n = snprintf(detailed, sizeof(detailed), "%s: %s%s%s%s", plain,
		             sscard_sw_text_zh(word), with ? "(" : "", with ? about : "",
		             with ? ")" : "");
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
