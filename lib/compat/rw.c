/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * iReadCard, iWriteCard and iGetCardType (design.md s.8): any data
 * element libsscard's table knows, addressed as pFileAddr names it, on
 * the card that pCardInfo ("card identification code|card number|")
 * describes. The card is held (sscard_card_begin) from the pCardInfo check
 * to the last element, so no other program comes in between.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include <sscard/sm.h>
#include <sscard/ssc.h>

#include "compat_int.h"

/* Element display text as libsscard gives it (UTF-8; 128 bytes suffice). */
#define TEXT_MAX 128u

typedef compat_card_info card_info;

long compat_parse_card_info(const char *in, card_info *ci, char *out)
{
	const char *bar = in ? strchr(in, '|') : NULL;
	size_t idlen = bar ? (size_t)(bar - in) : 0, nolen = 0;

	memset(ci, 0, sizeof(*ci));
	if (bar) {
		const char *end = strchr(bar + 1, '|');

		nolen = end ? (size_t)(end - bar - 1) : 0;
		if (!end || end[1] != '\0')
			bar = NULL;
	}
	if (!bar || idlen != SSCARD_COMPAT_CARDID_LEN || nolen == 0 ||
	    nolen > SSCARD_COMPAT_CARDNO_LEN || strspn(in, "0123456789abcdefABCDEF") != idlen)
		return compat_fail_about(out, SSCARD_COMPAT_BAD_PARAM, 0, "pCardInfo");
	memcpy(ci->card_id, in, idlen);
	memcpy(ci->card_number, bar + 1, nolen);
	return SSCARD_COMPAT_OK;
}

/* Read one element by key into text; a compat code naming the element
 * (its Chinese label) on failure. */
static long read_one(compat_session *s, size_t i, char *text, char *out)
{
	sscard_rc rc = sscard_read_element(s->card, sscard_element_key(i), text, TEXT_MAX);
	uint16_t sw = sscard_card_last_sw(s->card);

	if (rc == SSCARD_OK)
		return SSCARD_COMPAT_OK;
	s->last_rc = rc;
	return compat_fail_about(out, compat_code_of(rc, sw), sw, sscard_element_label(i));
}

/* The card in the reader must be the one pCardInfo names. */
long compat_check_card(compat_session *s, const card_info *ci, char *out)
{
	char id[TEXT_MAX], number[TEXT_MAX];
	size_t iid = (size_t)sscard_element_find("card_id");
	size_t ino = (size_t)sscard_element_find("card_number");
	long code = read_one(s, iid, id, out);

	if (code == SSCARD_COMPAT_OK)
		code = read_one(s, ino, number, out);
	if (code != SSCARD_COMPAT_OK)
		return code;
	if (strcasecmp(id, ci->card_id) != 0)
		return compat_fail_about(out, SSCARD_COMPAT_DATA_MISMATCH, 0, "卡识别码与卡片不符");
	if (strcmp(number, ci->card_number) != 0)
		return compat_fail_about(out, SSCARD_COMPAT_DATA_MISMATCH, 0, "卡号与卡片不符");
	return SSCARD_COMPAT_OK;
}

/* The key provider a function needs: -2201 when none is configured (the
 * HIS then turns to the security-module forms). */
static long need_keys(compat_session *s, sscard_keys **keys, char *out)
{
	long code = compat_open_keys(s, keys, out);

	if (code == SSCARD_COMPAT_OK && !*keys)
		code = compat_fail_about(out, SSCARD_COMPAT_NO_PSAM, 0,
		                         "未设置SSCARD_COMPAT_PSAM或SSCARD_COMPAT_KEYSTORE");
	if (code == SSCARD_COMPAT_OK)
		code = compat_terminal_number(s, out); /* the PSAM slot holds a PSAM */
	if (code != SSCARD_COMPAT_OK)
		sscard_keys_free(keys);
	return code;
}

long compat_card_session_start(compat_session *s, const card_info *ci, sscard_keys **keys,
                               char *out)
{
	sscard_rc rc;
	long code = need_keys(s, keys, out);

	if (code != SSCARD_COMPAT_OK)
		return code;
	rc = sscard_card_begin(s->card);
	if (rc != SSCARD_OK)
		return compat_fail_rc(out, s, rc);
	s->held = true;
	return compat_check_card(s, ci, out);
}

void compat_card_session_end(compat_session *s, sscard_keys **keys)
{
	if (s->held)
		sscard_card_end(s->card);
	s->held = false;
	sscard_keys_free(keys);
	compat_session_close(s);
}

/* ---- iReadCard ----------------------------------------------------------------- */

typedef struct read_job {
	compat_session *s;
	const compat_fileaddr *fa;
	int auth;           /* 0 none (the security module's forms), 1 PIN, 2 key */
	sscard_keys *keys;  /* auth 2 */
	char authed[COMPAT_GROUPS_MAX][5]; /* DFs authenticated in (auth 2) */
	size_t nauthed;
} read_job;

/* With the key (iAuthType 2): EXTERNAL AUTHENTICATE in the group's DF,
 * once per DF. */
static long auth_df(read_job *j, const compat_group *g, char *out)
{
	sscard_rc rc;

	if (j->auth != 2)
		return SSCARD_COMPAT_OK;
	for (size_t k = 0; k < j->nauthed; k++)
		if (strcmp(j->authed[k], g->df) == 0)
			return SSCARD_COMPAT_OK;
	rc = sscard_authenticate(j->s->card, j->keys, g->df, NULL);
	if (rc != SSCARD_OK)
		return compat_fail_rc(out, j->s, rc);
	memcpy(j->authed[j->nauthed++], g->df, sizeof(g->df));
	return SSCARD_COMPAT_OK;
}

/* One value as the interface shows it: dates YYYYMMDD. */
static void show(size_t i, const char *text, compat_out *o)
{
	char date[SSCARD_COMPAT_DATE_LEN + 1];

	if (strcmp(sscard_element_format(i), "cn-date") == 0 && compat_date(text, date) == 0)
		text = date;
	compat_out_field(o, text, compat_item_max(i));
}

static long read_group(read_job *j, const compat_group *g, compat_out *o, char *out)
{
	char text[TEXT_MAX];
	long code = auth_df(j, g, out);

	compat_out_field(o, g->name, COMPAT_FILENAME_LEN);
	for (size_t k = 0; code == SSCARD_COMPAT_OK && k < g->count; k++) {
		size_t i = j->fa->item[g->first + k];

		code = read_one(j->s, i, text, out);
		if (code == SSCARD_COMPAT_OK)
			show(i, text, o);
	}
	compat_out_raw(o, "$");
	if (code == SSCARD_COMPAT_OK && o->failed)
		code = compat_fail(out, SSCARD_COMPAT_DATA_INVALID, 0);
	return code;
}

static long read_groups(read_job *j, char *out)
{
	char result[SSCARD_COMPAT_READCARD_MAX];
	compat_out o;
	long code = SSCARD_COMPAT_OK;

	compat_out_init(&o, result, sizeof(result));
	for (size_t g = 0; code == SSCARD_COMPAT_OK && g < j->fa->ngroups; g++)
		code = read_group(j, &j->fa->group[g], &o, out);
	if (code == SSCARD_COMPAT_OK)
		memcpy(out, result, o.len + 1);
	OPENSSL_cleanse(result, sizeof(result));
	return code;
}

long compat_read_groups(compat_session *s, const compat_fileaddr *fa, char *out)
{
	read_job j;

	memset(&j, 0, sizeof(j));
	j.s = s;
	j.fa = fa;
	return read_groups(&j, out);
}

static long read_all(read_job *j, const card_info *ci, char *out)
{
	long code = compat_check_card(j->s, ci, out);

	if (code == SSCARD_COMPAT_OK && j->auth == 1)
		code = compat_pin_verify(j->s, out);
	return code == SSCARD_COMPAT_OK ? read_groups(j, out) : code;
}

static long read_card(read_job *j, int iType, const card_info *ci, char *out)
{
	compat_session s;
	sscard_rc rc;
	long code = compat_session_open(&s, iType, out);

	if (code != SSCARD_COMPAT_OK)
		return code;
	j->s = &s;
	if (j->auth == 2)
		code = need_keys(&s, &j->keys, out);
	if (code == SSCARD_COMPAT_OK) {
		rc = sscard_card_begin(s.card);
		code = rc == SSCARD_OK ? read_all(j, ci, out) : compat_fail_rc(out, &s, rc);
		if (rc == SSCARD_OK)
			sscard_card_end(s.card);
	}
	sscard_keys_free(&j->keys);
	compat_session_close(&s);
	return code;
}

SSCARD_COMPAT_API long iReadCard(int iType, int iAuthType, char *pCardInfo, char *pFileAddr,
                                 char *pOutInfo)
{
	compat_fileaddr fa;
	card_info ci;
	read_job j;
	long code;

	if (!pOutInfo)
		return SSCARD_COMPAT_BAD_PARAM;
	if (iAuthType != 1 && iAuthType != 2)
		return compat_fail_about(pOutInfo, SSCARD_COMPAT_BAD_PARAM, 0, "iAuthType");
	code = compat_parse_card_info(pCardInfo, &ci, pOutInfo);
	if (code == SSCARD_COMPAT_OK)
		code = compat_fileaddr_parse(pFileAddr, &fa, pOutInfo);
	if (code == SSCARD_COMPAT_OK && compat_fileaddr_output_max(&fa) > SSCARD_COMPAT_READCARD_MAX)
		code = compat_fail_about(pOutInfo, SSCARD_COMPAT_DATA_LENGTH, 0, "pFileAddr");
	if (code != SSCARD_COMPAT_OK)
		return code;
	memset(&j, 0, sizeof(j));
	j.fa = &fa;
	j.auth = iAuthType;
	return read_card(&j, iType, &ci, pOutInfo);
}

/* ---- iWriteCard ------------------------------------------------------------------ */

/* pWriteData: the values of the first file of pFileAddr in its order,
 * each followed by '|', GBK; optionally framed as iReadCard shows them
 * ("FILE|...|$"). Converted to UTF-8 into values (NUL-separated). */
long compat_parse_write_data(const char *in, const compat_group *g, char *values,
                             size_t valuessz, char *out)
{
	char gbk[SSCARD_COMPAT_WRITEDATA_MAX + 1];
	size_t n = in ? strnlen(in, SSCARD_COMPAT_WRITEDATA_MAX + 1) : 0, used = 0;
	char *p = gbk, *bar;
	long code = SSCARD_COMPAT_OK;

	if (!in || n > SSCARD_COMPAT_WRITEDATA_MAX)
		return compat_fail_about(out, SSCARD_COMPAT_BAD_PARAM, 0, "pWriteData");
	memcpy(gbk, in, n + 1);
	if (strncasecmp(p, g->name, COMPAT_FILENAME_LEN) == 0 && p[COMPAT_FILENAME_LEN] == '|') {
		p += COMPAT_FILENAME_LEN + 1;
		if (n > 0 && gbk[n - 1] == '$')
			gbk[--n] = '\0';
	}
	for (size_t k = 0; code == SSCARD_COMPAT_OK && k < g->count; k++) {
		long len;

		bar = strchr(p, '|');
		if (!bar) {
			code = compat_fail_about(out, SSCARD_COMPAT_BAD_PARAM, 0, "pWriteData");
			break;
		}
		*bar = '\0';
		len = compat_gbk_to_utf8(p, values + used, valuessz - used);
		if (len < 0)
			code = compat_fail_about(out, SSCARD_COMPAT_ILLEGAL_CHARS, 0, "pWriteData");
		else
			used += (size_t)len + 1;
		p = bar + 1;
	}
	if (code == SSCARD_COMPAT_OK && *p != '\0')
		code = compat_fail_about(out, SSCARD_COMPAT_BAD_PARAM, 0, "pWriteData");
	OPENSSL_cleanse(gbk, sizeof(gbk));
	return code;
}

/* Write each value with the file's update key; the library reads every
 * element back. Stops at the first failure, which names the element
 * (the ones before it are written). */
long compat_write_values(compat_session *s, sscard_keys *keys, const compat_fileaddr *fa,
                         const char *values, char *out)
{
	const compat_group *g = &fa->group[0];
	const char *v = values;

	for (size_t k = 0; k < g->count; k++, v += strlen(v) + 1) {
		size_t i = fa->item[g->first + k];
		int written = 0;
		sscard_rc rc = keys ? sscard_write_element(s->card, keys, sscard_element_key(i), v,
		                                           &written)
		                    : sscard_update_element(s->card, sscard_element_key(i), v, &written);

		if (rc != SSCARD_OK) {
			uint16_t sw = sscard_card_last_sw(s->card);

			s->last_rc = rc;
			return compat_fail_about(out, compat_code_of(rc, sw), sw,
			                         sscard_element_label(i));
		}
	}
	out[0] = '\0';
	return SSCARD_COMPAT_OK;
}

static long write_card(int iType, const card_info *ci, const compat_fileaddr *fa,
                       const char *values, char *out)
{
	compat_session s;
	sscard_keys *keys = NULL;
	long code = compat_session_open(&s, iType, out);

	if (code != SSCARD_COMPAT_OK)
		return code;
	code = compat_card_session_start(&s, ci, &keys, out);
	if (code == SSCARD_COMPAT_OK)
		code = compat_write_values(&s, keys, fa, values, out);
	compat_card_session_end(&s, &keys);
	return code;
}

SSCARD_COMPAT_API long iWriteCard(int iType, char *pCardInfo, char *pFileAddr, char *pWriteData,
                                  char *pOutInfo)
{
	char values[3 * SSCARD_COMPAT_WRITEDATA_MAX + 1];
	compat_fileaddr fa;
	card_info ci;
	long code;

	if (!pOutInfo)
		return SSCARD_COMPAT_BAD_PARAM;
	code = compat_parse_card_info(pCardInfo, &ci, pOutInfo);
	if (code == SSCARD_COMPAT_OK)
		code = compat_fileaddr_parse(pFileAddr, &fa, pOutInfo);
	/* libsscard writes the elements of SSSE; below an application DF the
	 * update keys (UK1DF04/UK2DF04) are the secure channel's to add */
	if (code == SSCARD_COMPAT_OK && strcmp(fa.group[0].df, "SSSE") != 0)
		code = compat_fail_about(pOutInfo, SSCARD_COMPAT_UNSUPPORTED, 0,
		                         "写应用目录(如DF04)下的数据项尚不支持");
	if (code == SSCARD_COMPAT_OK)
		code = compat_parse_write_data(pWriteData, &fa.group[0], values, sizeof(values), pOutInfo);
	if (code == SSCARD_COMPAT_OK)
		code = write_card(iType, &ci, &fa, values, pOutInfo);
	OPENSSL_cleanse(values, sizeof(values));
	return code;
}

/* ---- iGetCardType ------------------------------------------------------------------ */

/*
 * Only the signature is public. What we return, and why: the card in the
 * contact reader (else the contactless one, iType 3) is asked for its one
 * "type" datum, the card type element (SSSE/EF05 tag 02, 卡的类别, one
 * character; its code values are not public, so it is passed on as the
 * card has it) into pCardType, NUL-terminated; pOutInfo gets
 * "<card type>|<specification version>|".
 */
SSCARD_COMPAT_API long iGetCardType(unsigned char *pCardType, char *pOutInfo)
{
	char type[TEXT_MAX], version[TEXT_MAX];
	compat_session s;
	compat_out o;
	long code;

	if (!pCardType || !pOutInfo)
		return SSCARD_COMPAT_BAD_PARAM;
	pCardType[0] = '\0';
	code = compat_session_open(&s, SSCARD_COMPAT_AUTO_CONTACT, pOutInfo);
	if (code != SSCARD_COMPAT_OK)
		return code;
	code = read_one(&s, (size_t)sscard_element_find("card_type"), type, pOutInfo);
	if (code == SSCARD_COMPAT_OK)
		code = read_one(&s, (size_t)sscard_element_find("spec_version"), version, pOutInfo);
	compat_session_close(&s);
	if (code != SSCARD_COMPAT_OK)
		return code;
	if (strlen(type) + 1 > SSCARD_COMPAT_CARDTYPE_MAX)
		return compat_fail(pOutInfo, SSCARD_COMPAT_DATA_INVALID, 0);
	compat_out_init(&o, pOutInfo, SSCARD_COMPAT_MESSAGE_MAX);
	compat_out_field(&o, type, 1);
	compat_out_field(&o, version, SSCARD_COMPAT_VERSION_LEN);
	if (o.failed)
		return compat_fail(pOutInfo, SSCARD_COMPAT_DATA_INVALID, 0);
	memcpy(pCardType, type, strlen(type) + 1);
	return SSCARD_COMPAT_OK;
}
