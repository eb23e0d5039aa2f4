/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The data elements of the social security application SSSE (design.md
 * s.4). One row per element; a correction of a card fact is a one-line
 * change here. `verify` says what public material did not confirm.
 */
#include "elements.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const sscard_file_info files[] = {
	/* update keys: UKSSSE 04 for EF05/EF06, UK1SSSE 0D for EF0D (key index
	 * table; the kiosk writer CardWriteReadThirdT10 authenticates with
	 * them and writes EF0D by record number after SELECT EF0D) */
	{ SSCARD_EF_SSSE_05, "SSSE/EF05", 0xEF05, 5, "卡识别信息", "card identification",
	  "SSSE", SSCARD_KEY_UPDATE, false , 0 },
	{ SSCARD_EF_SSSE_06, "SSSE/EF06", 0xEF06, 6, "持卡人基本信息", "holder identity",
	  "SSSE", SSCARD_KEY_UPDATE, false , 0 },
	{ SSCARD_EF_SSSE_0D, "SSSE/EF0D", 0xEF0D, 13, "人员识别信息", "person identification",
	  "SSSE", SSCARD_KEY_UPDATE_EF0D, true , 0 },
	/* DF04 below SSSE, selected by FID (elements.h) */
	{ SSCARD_EF_DF04_05, "SSSE/DF04/EF05", 0xEF05, 5, "医疗保险基本信息",
	  "medical insurance basic data", "DF04", SSCARD_KEY_UPDATE, false, 0xDF04 },
	{ SSCARD_EF_DF04_06, "SSSE/DF04/EF06", 0xEF06, 6, "医疗保险脱机结算信息",
	  "medical insurance offline settlement", "DF04", SSCARD_KEY_UPDATE, false, 0xDF04 },
};

#define EF05 SSCARD_EF_SSSE_05, 5
#define EF06 SSCARD_EF_SSSE_06, 6
#define EF0D SSCARD_EF_SSSE_0D, 13
#define M05 SSCARD_EF_DF04_05, 5
#define M06 SSCARD_EF_DF04_06, 6

static const sscard_element elements[] = {
	/* tag  file  rec  key            zh              en                          format              len mand  v3 verify */
	{ 0x01, EF05, 1, "card_id",      "卡识别码",       "card identification code", SSCARD_FMT_B,       16, true,  false, NULL },
	{ 0x02, EF05, 2, "card_type",    "卡的类别",       "card type",                SSCARD_FMT_AN,       1, true,  false, "code values not public" },
	{ 0x03, EF05, 3, "spec_version", "规范版本",       "specification version",    SSCARD_FMT_AN,       4, true,  false, NULL },
	{ 0x04, EF05, 4, "issuer",       "初始化机构编号", "initialising organisation", SSCARD_FMT_CN,      12, true,  false, NULL },
	{ 0x05, EF05, 5, "issue_date",   "发卡日期",       "issue date",               SSCARD_FMT_CN_DATE,  4, true,  false, NULL },
	{ 0x06, EF05, 6, "expiry_date",  "卡有效期",       "expiry date",              SSCARD_FMT_CN_DATE,  4, true,  false, NULL },
	{ 0x07, EF05, 7, "card_number",  "卡号",           "card number",              SSCARD_FMT_AN,       9, true,  false, "character set beyond the X00000019 example" },
	{ 0x08, EF06, 1, "ssn",          "社会保障号码",   "social security number",   SSCARD_FMT_AN,      18, true,  false, NULL },
	{ 0x09, EF06, 2, "name",         "姓名",           "name",                     SSCARD_FMT_GBK,     30, true,  false, NULL },
	{ 0x4E, EF06, 3, "name_ext",     "姓名扩展",       "name extension",           SSCARD_FMT_GBK_FF,  20, false, true,  "record number; FF padding" },
	{ 0x0A, EF06, 4, "sex",          "性别",           "sex",                      SSCARD_FMT_AN,       1, true,  false, "record number (3 on 2.0 cards)" },
	{ 0x0B, EF06, 5, "ethnicity",    "民族",           "ethnicity",                SSCARD_FMT_CN,       1, true,  false, "record number" },
	{ 0x0C, EF06, 6, "birthplace",   "出生地",         "place of birth",           SSCARD_FMT_CN,       3, true,  false, "record number; mandatory" },
	{ 0x0D, EF06, 7, "birth_date",   "出生日期",       "date of birth",            SSCARD_FMT_CN_DATE,  4, true,  false, "record number" },
	{ 0xEA, EF0D, 1, "person_id",    "人员识别号",     "person identification number", SSCARD_FMT_AN, 12, false, true, "Chinese name; character set" },
	{ 0xEB, EF0D, 2, "first_region", "首次申领地",     "first-application region", SSCARD_FMT_CN,       3, false, true,  "Chinese name" },
	/*
	 * DF04 (medical insurance), specification 2.0 layout: tags, formats
	 * and lengths as design.md s.4 gives them from the ministry's file
	 * structure document, and as a public reader library's file table
	 * (CCardFileType, vecFileType_v2 "DF04EF05"/"DF04EF06") has them,
	 * in the same order. Not mandatory: a card need not be insured.
	 * Tag 92 (offline cumulative amount) is left out on purpose: cn 4 in
	 * design.md, a binary number ("dec") in that reader code.
	 */
	{ 0x81, M05,  1, "mi_scheme",    "医疗保险险种类型及标识", "insurance scheme and flags", SSCARD_FMT_AN, 8, false, false, "1.0 cards used the tag for other data" },
	{ 0x84, M05,  2, "mi_region",    "参保地行政区划代码", "insured region",         SSCARD_FMT_CN,       3, false, false, "1.0 cards used the tag for other data" },
	{ 0x87, M05,  3, "mi_health_record", "健康档案编号", "health record number",    SSCARD_FMT_AN,      17, false, false, "1.0 cards used the tag for other data" },
	{ 0x8C, M05,  4, "mi_category",  "参保人员类别",   "insured person category",  SSCARD_FMT_CN,       1, false, false, NULL },
	{ 0x80, M05,  5, "mi_account_date", "个人账户建立日期", "personal account open date", SSCARD_FMT_CN_DATE, 4, false, false, NULL },
	{ 0x8B, M05,  6, "mi_account",   "个人账号",       "personal account number",  SSCARD_FMT_AN,      29, false, false, NULL },
	{ 0x8A, M05,  7, "mi_certificate", "医疗证号",     "medical certificate number", SSCARD_FMT_AN,    15, false, false, NULL },
	{ 0x83, M05,  8, "mi_hospital1", "定点医疗机构代码1", "designated hospital 1", SSCARD_FMT_AN,       9, false, false, NULL },
	{ 0x86, M05,  9, "mi_hospital2", "定点医疗机构代码2", "designated hospital 2", SSCARD_FMT_AN,       9, false, false, NULL },
	{ 0x89, M05, 10, "mi_hospital3", "定点医疗机构代码3", "designated hospital 3", SSCARD_FMT_AN,       9, false, false, NULL },
	{ 0x7D, M05, 11, "mi_injury1",   "工伤协议医疗机构代码1", "work-injury hospital 1", SSCARD_FMT_AN,  9, false, false, NULL },
	{ 0x7E, M05, 12, "mi_injury2",   "工伤协议医疗机构代码2", "work-injury hospital 2", SSCARD_FMT_AN,  9, false, false, NULL },
	{ 0x7F, M05, 13, "mi_injury3",   "工伤协议医疗机构代码3", "work-injury hospital 3", SSCARD_FMT_AN,  9, false, false, NULL },
	{ 0x8D, M05, 14, "mi_maternity1", "生育定点医疗机构代码1", "maternity hospital 1", SSCARD_FMT_AN,   9, false, false, NULL },
	{ 0x8E, M05, 15, "mi_maternity2", "生育定点医疗机构代码2", "maternity hospital 2", SSCARD_FMT_AN,   9, false, false, NULL },
	{ 0x8F, M05, 16, "mi_card_mode", "用卡方式",       "card mode",                SSCARD_FMT_AN,       1, false, false, "1 online, 2 offline" },
	{ 0x90, M06,  1, "mi_offline",   "脱机标识",       "offline allowed",          SSCARD_FMT_AN,       1, false, false, "1.0 cards used the tag for other data" },
	{ 0x93, M06,  3, "mi_offline_count", "脱机累计次数", "offline count",          SSCARD_FMT_AN,       2, false, false, "1.0 cards used the tag for other data" },
};

/* Rows of SSSE itself: the leading rows whose file is in SSSE (the test
 * checks that no SSSE row follows an application DF's). */
static size_t ssse_rows(void)
{
	size_t n = 0;

	while (n < sizeof(elements) / sizeof(elements[0]) &&
	       sscard_file_info_of(elements[n].ef)->df_fid == 0)
		n++;
	return n;
}

size_t sscard_elem_count(void)
{
	return ssse_rows();
}

size_t sscard_elem_count_all(void)
{
	return sizeof(elements) / sizeof(elements[0]);
}

const sscard_element *sscard_elem_at(size_t i)
{
	return i < sscard_elem_count_all() ? &elements[i] : NULL;
}

size_t sscard_elem_index(const sscard_element *e)
{
	return (size_t)(e - elements);
}

const sscard_element *sscard_elem_by_tag(uint8_t tag)
{
	for (size_t i = 0; i < sscard_elem_count_all(); i++)
		if (elements[i].tag == tag)
			return &elements[i];
	return NULL;
}

const sscard_element *sscard_elem_by_key(const char *key)
{
	if (key == NULL)
		return NULL;
	for (size_t i = 0; i < sscard_elem_count_all(); i++)
		if (strcmp(elements[i].key, key) == 0)
			return &elements[i];
	return NULL;
}

/* "08", "0x08", "4e": exactly one or two hex digits after an optional 0x. */
static bool parse_tag(const char *s, uint8_t *tag)
{
	if (strncasecmp(s, "0x", 2) == 0)
		s += 2;
	size_t n = strlen(s);
	if (n == 0 || n > 2 || strspn(s, "0123456789abcdefABCDEF") != n)
		return false;
	*tag = (uint8_t)strtoul(s, NULL, 16);
	return true;
}

const sscard_element *sscard_elem_lookup(const char *name)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < sscard_elem_count_all(); i++)
		if (strcasecmp(elements[i].key, name) == 0 ||
		    strcasecmp(elements[i].label_en, name) == 0)
			return &elements[i];
	uint8_t tag;
	return parse_tag(name, &tag) ? sscard_elem_by_tag(tag) : NULL;
}

const sscard_file_info *sscard_file_info_of(sscard_ef ef)
{
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (files[i].ef == ef)
			return &files[i];
	return NULL;
}

static const char *const format_names[] = {
	[SSCARD_FMT_B] = "b",         [SSCARD_FMT_AN] = "an",
	[SSCARD_FMT_CN] = "cn",       [SSCARD_FMT_CN_DATE] = "cn-date",
	[SSCARD_FMT_GBK] = "gbk",     [SSCARD_FMT_GBK_FF] = "gbk-ff",
};

const char *sscard_format_name(sscard_format fmt)
{
	if ((size_t)fmt >= sizeof(format_names) / sizeof(format_names[0]) ||
	    format_names[fmt] == NULL)
		return "?";
	return format_names[fmt];
}
