/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Status words -> sscard_rc and text: the one table (ISO 7816-4 plus the
 * social security card's own, design.md s.4). First match wins, so exact
 * entries come before masked ranges.
 */
#include <stdio.h>

#include "internal.h"

typedef struct sw_entry {
	uint16_t sw;
	uint16_t mask;
	sscard_rc rc;
	const char *en;
	const char *zh;
} sw_entry;

static const sw_entry sw_table[] = {
	{0x9000, 0xFFFF, SSCARD_OK, "success", "成功"},
	{0x6100, 0xFF00, SSCARD_OK, "more data available (GET RESPONSE)", "还有数据可取"},
	{0x6283, 0xFFFF, SSCARD_E_APP_BLOCKED, "selected application temporarily blocked", "所选应用已临时锁定"},
	{0x6281, 0xFFFF, SSCARD_E_BAD_DATA, "part of returned data may be corrupted", "返回数据可能已损坏"},
	{0x6282, 0xFFFF, SSCARD_E_RECORD_NOT_FOUND, "end of file or record reached early", "文件或记录提前结束"},
	{0x6300, 0xFFFF, SSCARD_E_AUTH_FAILED, "authentication failed", "认证失败"},
	{0x63C0, 0xFFF0, SSCARD_E_WRONG_PIN, "wrong PIN, x tries left", "密码错误，剩余 x 次"},
	{0x6400, 0xFFFF, SSCARD_E_CARD_ERROR, "execution error, state unchanged", "执行出错，状态未变"},
	{0x6581, 0xFFFF, SSCARD_E_MEMORY_FAILURE, "memory failure", "存储器故障"},
	{0x6500, 0xFF00, SSCARD_E_MEMORY_FAILURE, "execution error, memory changed", "执行出错，存储已改变"},
	{0x6700, 0xFFFF, SSCARD_E_WRONG_LENGTH, "wrong length", "长度错误"},
	{0x6881, 0xFFFF, SSCARD_E_NOT_SUPPORTED, "logical channel not supported", "不支持逻辑通道"},
	{0x6882, 0xFFFF, SSCARD_E_NOT_SUPPORTED, "secure messaging not supported", "不支持安全报文"},
	{0x6981, 0xFFFF, SSCARD_E_CONDITIONS, "command incompatible with file structure", "指令与文件结构不兼容"},
	{0x6982, 0xFFFF, SSCARD_E_SECURITY, "security status not satisfied", "安全状态不满足"},
	{0x6983, 0xFFFF, SSCARD_E_PIN_BLOCKED, "authentication method (PIN or key) blocked", "认证方法(密码或密钥)已锁定"},
	{0x6984, 0xFFFF, SSCARD_E_RANDOM_INVALID, "referenced data invalid (random number)", "引用数据无效(随机数)"},
	{0x6985, 0xFFFF, SSCARD_E_CONDITIONS, "conditions of use not satisfied", "使用条件不满足"},
	{0x6986, 0xFFFF, SSCARD_E_CONDITIONS, "command not allowed (no current EF)", "不允许的指令(无当前文件)"},
	{0x6987, 0xFFFF, SSCARD_E_MAC, "secure messaging data object missing", "安全报文数据缺失"},
	{0x6988, 0xFFFF, SSCARD_E_MAC, "secure messaging data object incorrect (MAC)", "安全报文数据错误(MAC)"},
	{0x6A80, 0xFFFF, SSCARD_E_WRONG_PARAMS, "incorrect data field", "数据域参数错误"},
	{0x6A81, 0xFFFF, SSCARD_E_NOT_SUPPORTED, "function not supported (or application locked)", "功能不支持(或应用已锁定)"},
	{0x6A82, 0xFFFF, SSCARD_E_FILE_NOT_FOUND, "file not found", "文件未找到"},
	{0x6A83, 0xFFFF, SSCARD_E_RECORD_NOT_FOUND, "record not found", "记录未找到"},
	{0x6A84, 0xFFFF, SSCARD_E_CARD_ERROR, "not enough memory space in the file", "文件存储空间不足"},
	{0x6A86, 0xFFFF, SSCARD_E_WRONG_PARAMS, "incorrect parameters P1-P2", "参数 P1 P2 错误"},
	{0x6A88, 0xFFFF, SSCARD_E_KEY_NOT_FOUND, "referenced data (key) not found", "引用数据(密钥)未找到"},
	{0x6B00, 0xFFFF, SSCARD_E_WRONG_PARAMS, "wrong parameters P1-P2", "参数错误"},
	{0x6C00, 0xFF00, SSCARD_E_WRONG_LENGTH, "wrong Le; xx bytes available", "Le 错误"},
	{0x6D00, 0xFFFF, SSCARD_E_NOT_SUPPORTED, "instruction not supported", "指令不支持"},
	{0x6E00, 0xFFFF, SSCARD_E_NOT_SUPPORTED, "class not supported", "CLA 不支持"},
	{0x6F00, 0xFFFF, SSCARD_E_CARD_ERROR, "no precise diagnosis (data invalid)", "数据无效"},
	{0x9302, 0xFFFF, SSCARD_E_MAC, "MAC wrong", "MAC 错误"},
	{0x9303, 0xFFFF, SSCARD_E_APP_LOCKED, "application permanently locked", "应用已永久锁定"},
	{0x9403, 0xFFFF, SSCARD_E_KEY_NOT_FOUND, "key index not supported", "密钥索引不支持"},
};

static const sw_entry *sw_lookup(uint16_t sw)
{
	for (size_t i = 0; i < sizeof(sw_table) / sizeof(sw_table[0]); i++)
		if ((sw & sw_table[i].mask) == sw_table[i].sw)
			return &sw_table[i];
	return NULL;
}

sscard_rc sscard_sw_rc(uint16_t sw)
{
	const sw_entry *e = sw_lookup(sw);
	return e ? e->rc : SSCARD_E_CARD_ERROR;
}

const char *sscard_sw_text(uint16_t sw)
{
	const sw_entry *e = sw_lookup(sw);
	return e ? e->en : "unknown status word";
}

const char *sscard_sw_text_zh(uint16_t sw)
{
	const sw_entry *e = sw_lookup(sw);
	return e ? e->zh : "未知状态字";
}

/* Status words that carry a count: their text says it ("2 tries left"). */
static const struct {
	uint16_t sw, mask;
	const char *before, *one, *many, *after; /* before N one|many after */
} counted[] = {
	{0x63C0, 0xFFF0, "wrong PIN, ", "try", "tries", " left"},
	{0x6C00, 0xFF00, "wrong Le; ", "byte", "bytes", " available"},
};

void sscard_sw_describe(uint16_t sw, char *out, size_t outsz)
{
	for (size_t i = 0; i < sizeof(counted) / sizeof(counted[0]); i++) {
		if ((sw & counted[i].mask) != counted[i].sw)
			continue;
		unsigned n = sw & (unsigned)~counted[i].mask & 0xFFFFu;
		snprintf(out, outsz, "%s%u %s%s", counted[i].before, n,
		         n == 1 ? counted[i].one : counted[i].many, counted[i].after);
		return;
	}
	snprintf(out, outsz, "%s", sscard_sw_text(sw));
}
