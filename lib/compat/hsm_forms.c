/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The security-module forms of iReadCard, iWriteCard (Step1/2) and of
 * iReloadPIN, iUnblockPIN (Step1/2/3), design.md s.8. The operation
 * between the steps is kept as hsm.c describes.
 *
 *   Step1   -> "algorithm flag|key address|process factor|original|": the
 *              card's challenge for EXTERNAL AUTHENTICATE with the key the
 *              form needs (the read key of the file's DF, the file's
 *              update key, the PIN unblock key PUK), the original the same
 *              challenge (as field code does, sscard_auth_begin()).
 *   Step2   <- pKey "<cryptogram><original>" (32 hex digits): EXTERNAL
 *              AUTHENTICATE `00 82 00 <key id> 10 <cryptogram><original>`,
 *              then the read, the write (pWriteData), or for the PIN forms
 *              GET CHALLENGE -> "flag|key address|challenge|APDU header|PIN|"
 *              (the line key STK computes the MAC; reload: the new PIN of
 *              SSCARD_COMPAT_NEW_PIN, which the back end encrypts).
 *   Step3   <- the whole protected APDU in hex, sent as it is:
 *              84 24 00 01 Lc <enc PIN><MAC> (reload, 34 hex digits DES,
 *              50 SM4) or 84 24 00 00 04 <MAC> (unblock, 18).
 *
 * The key address is "<PSAM usage byte><PSAM key index>" of the key the
 * back end must use, from the ministry's key index table (design.md s.4):
 * it ends in the PSAM key index, as the interface text says.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include <sscard/sm.h>
#include <sscard/ssc.h>

#include "compat_int.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define BLOCK COMPAT_HSM_VALUE_LEN

/* The keys these forms name (card key id, PSAM usage byte and index:
 * the key index table of design.md s.4). */
typedef struct hsm_key {
	const char *file;  /* pFileAddr file, or "" for the DF's read key */
	const char *df;
	uint8_t id, psam_usage, psam_index;
} hsm_key;

static const hsm_key read_keys[] = {
	{ "", "SSSE", 0x0A, 0x47, 0x0A }, /* RKSSSE */
	{ "", "DF04", 0x84, 0x67, 0x2D }, /* RK1DF04 */
};
static const hsm_key update_keys[] = {
	{ "SSSEEF05", "SSSE", 0x04, 0x48, 0x12 }, /* UKSSSE (PSAM: verify) */
	{ "SSSEEF06", "SSSE", 0x04, 0x48, 0x12 },
	{ "SSSEEF0D", "SSSE", 0x0D, 0x48, 0x13 }, /* UK1SSSE (PSAM: verify) */
};
static const hsm_key puk = { "", "SSSE", 0x06, 0x48, 0x10 }; /* PUK */
static const hsm_key stk = { "", "SSSE", 0x02, 0x46, 0x09 }; /* STK */

static const hsm_key *read_key(const char *df)
{
	for (size_t i = 0; i < COUNT(read_keys); i++)
		if (strcmp(read_keys[i].df, df) == 0)
			return &read_keys[i];
	return NULL;
}

static const hsm_key *update_key(const char *file)
{
	for (size_t i = 0; i < COUNT(update_keys); i++)
		if (strcmp(update_keys[i].file, file) == 0)
			return &update_keys[i];
	return NULL;
}

static void key_address(compat_out *o, const hsm_key *k)
{
	char addr[5];

	snprintf(addr, sizeof(addr), "%02X%02X", k->psam_usage, k->psam_index);
	compat_out_field(o, addr, 4);
}

/* Begin EXTERNAL AUTHENTICATE with key k (no INTERNAL AUTHENTICATE) and
 * write "flag|key address|process factor|original|". */
static long begin_external(compat_hsm *h, const hsm_key *k, char *out)
{
	const sscard_auth_options opt = { 0, 0x00, k->id, 0, 1, NULL, NULL };
	size_t flen = 0, olen = 0;
	const uint8_t *factor, *original;
	compat_out o;
	sscard_rc rc = sscard_auth_begin(h->s.card, k->df, &opt, &h->req);

	if (rc != SSCARD_OK)
		return compat_fail_rc(out, &h->s, rc);
	factor = sscard_auth_request_value(h->req, SSCARD_AUTH_EXTERNAL_FACTOR, &flen);
	original = sscard_auth_request_value(h->req, SSCARD_AUTH_EXTERNAL_ORIGINAL, &olen);
	compat_out_init(&o, out, SSCARD_COMPAT_HSM_STEP_MAX);
	compat_hsm_alg_field(&o, h);
	key_address(&o, k);
	compat_hsm_hex_field(&o, factor, flen);
	compat_hsm_hex_field(&o, original, olen);
	if (o.failed || flen != BLOCK || olen != BLOCK) {
		memset(out, 0, SSCARD_COMPAT_HSM_STEP_MAX);
		return compat_fail(out, SSCARD_COMPAT_DATA_INVALID, 0);
	}
	return SSCARD_COMPAT_OK;
}

/* Step1 common: pCardInfo parsed, the session opened, the card held and
 * checked. */
static compat_hsm *start_on_card(compat_hsm_op op, int iType, const char *pCardInfo,
                                 char *out, long *code)
{
	compat_card_info ci;
	compat_hsm *h;

	*code = compat_parse_card_info(pCardInfo, &ci, out);
	if (*code != SSCARD_COMPAT_OK)
		return NULL;
	h = compat_hsm_start(op, iType, out, code);
	if (!h)
		return NULL;
	*code = compat_hsm_hold(h, out);
	if (*code == SSCARD_COMPAT_OK)
		*code = compat_check_card(&h->s, &ci, out);
	if (*code == SSCARD_COMPAT_OK)
		memcpy(h->card_id, ci.card_id, sizeof(h->card_id));
	return h;
}

/* Step2 common: the pKey checked, the card held, EXTERNAL AUTHENTICATE. */
static long external_step2(compat_hsm *h, const char *pKey, char *out)
{
	uint8_t cryptogram[BLOCK];
	long code = compat_hsm_external_key(h, pKey, cryptogram, out);

	if (code == SSCARD_COMPAT_OK)
		code = compat_hsm_hold(h, out);
	if (code == SSCARD_COMPAT_OK)
		code = compat_hsm_finish(h, cryptogram, NULL, out);
	OPENSSL_cleanse(cryptogram, sizeof(cryptogram));
	return code;
}

/* ---- iReadCard_HSM ------------------------------------------------------------ */

/* Files free to read need no security module: SSSE EF05 and EF0D, and
 * EF06 on cards below specification 3.00 (design.md s.4). */
static bool free_to_read(const compat_group *g, const char *version)
{
	if (strcmp(g->name, "SSSEEF05") == 0 || strcmp(g->name, "SSSEEF0D") == 0)
		return true;
	return strcmp(g->name, "SSSEEF06") == 0 && version[0] >= '0' && version[0] < '3';
}

static long read_step1(compat_hsm *h, char *out)
{
	char version[128];
	const hsm_key *k = read_key(h->fa.group[0].df);
	bool all_free = true;
	sscard_rc rc = sscard_read_element(h->s.card, "spec_version", version, sizeof(version));

	if (rc != SSCARD_OK)
		return compat_fail_rc(out, &h->s, rc);
	for (size_t g = 0; g < h->fa.ngroups; g++) {
		all_free = all_free && free_to_read(&h->fa.group[g], version);
		if (strcmp(h->fa.group[g].df, h->fa.group[0].df) != 0)
			return compat_fail_about(out, SSCARD_COMPAT_UNSUPPORTED, 0,
			                         "一次只能认证一个应用目录");
	}
	if (all_free)
		return compat_fail(out, SSCARD_COMPAT_NO_HSM_NEEDED, 0);
	if (!k)
		return compat_fail_about(out, SSCARD_COMPAT_UNSUPPORTED, 0, h->fa.group[0].df);
	return begin_external(h, k, out);
}

SSCARD_COMPAT_API long iReadCard_HSM_Step1(int iType, char *pCardInfo, char *pFileAddr,
                                           char *pOutInfo)
{
	compat_fileaddr fa;
	compat_hsm *h;
	long code;

	if (!pOutInfo)
		return SSCARD_COMPAT_BAD_PARAM;
	code = compat_fileaddr_parse(pFileAddr, &fa, pOutInfo);
	if (code == SSCARD_COMPAT_OK && compat_fileaddr_output_max(&fa) > SSCARD_COMPAT_READCARD_MAX)
		code = compat_fail_about(pOutInfo, SSCARD_COMPAT_DATA_LENGTH, 0, "pFileAddr");
	if (code != SSCARD_COMPAT_OK)
		return code;
	h = start_on_card(HSM_READ_CARD, iType, pCardInfo, pOutInfo, &code);
	if (!h)
		return code;
	h->fa = fa;
	if (code == SSCARD_COMPAT_OK)
		code = read_step1(h, pOutInfo);
	return compat_hsm_park(h, 2, code, pOutInfo);
}

SSCARD_COMPAT_API long iReadCard_HSM_Step2(char *pKey, char *pOutInfo)
{
	compat_hsm *h;
	long code;

	if (!pOutInfo)
		return SSCARD_COMPAT_BAD_PARAM;
	h = compat_hsm_resume(HSM_READ_CARD, 2, "iReadCard_HSM_Step1", pOutInfo, &code);
	if (!h)
		return code;
	code = external_step2(h, pKey, pOutInfo);
	if (code == SSCARD_COMPAT_OK)
		code = compat_read_groups(&h->s, &h->fa, pOutInfo);
	compat_hsm_end(h);
	return code;
}

/* ---- iWriteCard_HSM ------------------------------------------------------------ */

SSCARD_COMPAT_API long iWriteCard_HSM_Step1(int iType, char *pCardInfo, char *pFileAddr,
                                            char *pOutInfo)
{
	const hsm_key *k;
	compat_fileaddr fa;
	compat_hsm *h;
	long code;

	if (!pOutInfo)
		return SSCARD_COMPAT_BAD_PARAM;
	code = compat_fileaddr_parse(pFileAddr, &fa, pOutInfo);
	if (code != SSCARD_COMPAT_OK)
		return code;
	k = update_key(fa.group[0].name);
	if (!k) /* DF04: its update keys have no two-step form here */
		return compat_fail_about(pOutInfo, SSCARD_COMPAT_UNSUPPORTED, 0,
		                         "写应用目录(如DF04)下的数据项尚不支持");
	h = start_on_card(HSM_WRITE_CARD, iType, pCardInfo, pOutInfo, &code);
	if (!h)
		return code;
	h->fa = fa;
	if (code == SSCARD_COMPAT_OK)
		code = begin_external(h, k, pOutInfo);
	return compat_hsm_park(h, 2, code, pOutInfo);
}

SSCARD_COMPAT_API long iWriteCard_HSM_Step2(char *pKey, char *pWriteData, char *pOutInfo)
{
	char values[3 * SSCARD_COMPAT_WRITEDATA_MAX + 1];
	compat_hsm *h;
	long code;

	if (!pOutInfo)
		return SSCARD_COMPAT_BAD_PARAM;
	h = compat_hsm_resume(HSM_WRITE_CARD, 2, "iWriteCard_HSM_Step1", pOutInfo, &code);
	if (!h)
		return code;
	/* the values first: a bad one sends nothing */
	code = compat_parse_write_data(pWriteData, &h->fa.group[0], values, sizeof(values),
	                               pOutInfo);
	if (code == SSCARD_COMPAT_OK)
		code = external_step2(h, pKey, pOutInfo);
	if (code == SSCARD_COMPAT_OK)
		code = compat_write_values(&h->s, NULL, &h->fa, values, pOutInfo);
	OPENSSL_cleanse(values, sizeof(values));
	compat_hsm_end(h);
	return code;
}

/* ---- iReloadPIN_HSM / iUnblockPIN_HSM ------------------------------------------ */

static long pin_step1(compat_hsm_op op, int iType, char *pCardInfo, char *out)
{
	compat_hsm *h;
	long code = SSCARD_COMPAT_OK;

	if (!out)
		return SSCARD_COMPAT_BAD_PARAM;
	h = start_on_card(op, iType, pCardInfo, out, &code);
	if (!h)
		return code;
	if (code == SSCARD_COMPAT_OK && op == HSM_RELOAD_PIN)
		code = compat_pin_from_env(SSCARD_COMPAT_ENV_NEW_PIN, h->pin, out);
	if (code == SSCARD_COMPAT_OK)
		code = begin_external(h, &puk, out);
	return compat_hsm_park(h, 2, code, out);
}

/* GET CHALLENGE: the process factor of the line key's MAC. */
static long challenge(compat_hsm *h, uint8_t chal[BLOCK], char *out)
{
	static const sscard_apdu get = { 0x00, 0x84, 0x00, 0x00, NULL, 0, BLOCK, 0 };
	size_t n = 0;
	uint16_t sw = 0;
	sscard_rc rc = sscard_exchange(h->s.card, &get, chal, BLOCK, &n, &sw);

	if (rc == SSCARD_OK)
		rc = sscard_sw_rc(sw);
	if (rc == SSCARD_OK && n != BLOCK)
		rc = SSCARD_E_BAD_RESPONSE;
	return rc == SSCARD_OK ? SSCARD_COMPAT_OK : compat_fail_rc(out, &h->s, rc);
}

/* "flag|key address|challenge|APDU header|PIN|": the header of the
 * command Step3 must send, Lc counting the MAC (reload: the PIN block of
 * whole blocks of the card's algorithm and the MAC). */
static long pin_step2_output(compat_hsm *h, const uint8_t chal[BLOCK], char *out)
{
	bool reload = h->op == HSM_RELOAD_PIN;
	size_t bs = sscard_auth_request_alg(h->req) == SSCARD_ALG_SM4 ? 16u : 8u;
	char header[11];
	compat_out o;

	h->header[0] = 0x84;
	h->header[1] = 0x24;
	h->header[2] = 0x00;
	h->header[3] = reload ? 0x01 : 0x00;
	h->header[4] = (uint8_t)((reload ? bs : 0u) + SSCARD_MAC_LEN);
	sscard_hex_encode(h->header, sizeof(h->header), header, sizeof(header));
	compat_out_init(&o, out, SSCARD_COMPAT_HSM_STEP_MAX);
	compat_hsm_alg_field(&o, h);
	key_address(&o, &stk);
	compat_hsm_hex_field(&o, chal, BLOCK);
	compat_out_field(&o, header, 10);
	compat_out_field(&o, reload ? h->pin : "", SSCARD_PIN_LEN);
	if (o.failed) {
		memset(out, 0, SSCARD_COMPAT_HSM_STEP_MAX);
		return compat_fail(out, SSCARD_COMPAT_DATA_INVALID, 0);
	}
	return SSCARD_COMPAT_OK;
}

static long pin_step2(compat_hsm_op op, const char *step1, char *pKey, char *out)
{
	uint8_t chal[BLOCK];
	compat_hsm *h;
	long code;

	if (!out)
		return SSCARD_COMPAT_BAD_PARAM;
	h = compat_hsm_resume(op, 2, step1, out, &code);
	if (!h)
		return code;
	code = external_step2(h, pKey, out);
	if (code == SSCARD_COMPAT_OK)
		code = challenge(h, chal, out);
	if (code == SSCARD_COMPAT_OK)
		code = pin_step2_output(h, chal, out);
	/* nothing reaches the card between the challenge and Step3 */
	return compat_hsm_park(h, 3, code, out);
}

/* pKey of Step3: the whole command in hex, the header Step2 announced. */
static long parse_apdu(const compat_hsm *h, const char *pKey, uint8_t *apdu, size_t *len,
                       char *out)
{
	size_t want = 5u + h->header[4], n = 0;
	bool ok = pKey && strnlen(pKey, 2 * want + 1) == 2 * want &&
	          sscard_hex_decode(pKey, apdu, want, &n) == SSCARD_OK && n == want &&
	          memcmp(apdu, h->header, sizeof(h->header)) == 0;

	*len = n;
	return ok ? SSCARD_COMPAT_OK : compat_fail_about(out, SSCARD_COMPAT_BAD_PARAM, 0, "pKey");
}

static long pin_step3(compat_hsm_op op, const char *step1, char *pKey, char *out)
{
	uint8_t apdu[5 + 16 + SSCARD_MAC_LEN], resp[2];
	sscard_apdu cmd;
	size_t len = 0, n = 0;
	uint16_t sw = 0;
	compat_hsm *h;
	sscard_rc rc;
	long code;

	if (!out)
		return SSCARD_COMPAT_BAD_PARAM;
	h = compat_hsm_resume(op, 3, step1, out, &code);
	if (!h)
		return code;
	code = parse_apdu(h, pKey, apdu, &len, out);
	if (code == SSCARD_COMPAT_OK)
		code = compat_hsm_hold(h, out);
	if (code == SSCARD_COMPAT_OK) {
		memset(&cmd, 0, sizeof(cmd));
		cmd.cla = apdu[0];
		cmd.ins = apdu[1];
		cmd.p1 = apdu[2];
		cmd.p2 = apdu[3];
		cmd.data = apdu + 5;
		cmd.nc = apdu[4];
		cmd.flags = SSCARD_APDU_SENSITIVE;
		rc = sscard_exchange(h->s.card, &cmd, resp, sizeof(resp), &n, &sw);
		if (rc == SSCARD_OK)
			rc = sscard_sw_rc(sw);
		code = rc == SSCARD_OK ? SSCARD_COMPAT_OK : compat_fail_rc(out, &h->s, rc);
	}
	if (code == SSCARD_COMPAT_OK)
		out[0] = '\0';
	OPENSSL_cleanse(apdu, sizeof(apdu));
	compat_hsm_end(h);
	return code;
}

SSCARD_COMPAT_API long iReloadPIN_HSM_Step1(int iType, char *pCardInfo, char *pOutInfo)
{
	return pin_step1(HSM_RELOAD_PIN, iType, pCardInfo, pOutInfo);
}

SSCARD_COMPAT_API long iReloadPIN_HSM_Step2(char *pKey, char *pOutInfo)
{
	return pin_step2(HSM_RELOAD_PIN, "iReloadPIN_HSM_Step1", pKey, pOutInfo);
}

SSCARD_COMPAT_API long iReloadPIN_HSM_Step3(char *pKey, char *pOutInfo)
{
	return pin_step3(HSM_RELOAD_PIN, "iReloadPIN_HSM_Step1", pKey, pOutInfo);
}

SSCARD_COMPAT_API long iUnblockPIN_HSM_Step1(int iType, char *pCardInfo, char *pOutInfo)
{
	return pin_step1(HSM_UNBLOCK_PIN, iType, pCardInfo, pOutInfo);
}

SSCARD_COMPAT_API long iUnblockPIN_HSM_Step2(char *pKey, char *pOutInfo)
{
	return pin_step2(HSM_UNBLOCK_PIN, "iUnblockPIN_HSM_Step1", pKey, pOutInfo);
}

SSCARD_COMPAT_API long iUnblockPIN_HSM_Step3(char *pKey, char *pOutInfo)
{
	return pin_step3(HSM_UNBLOCK_PIN, "iUnblockPIN_HSM_Step1", pKey, pOutInfo);
}
