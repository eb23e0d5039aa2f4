/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The PSAM key provider: the terminal's security module, a SAM card in
 * the reader's second slot (design.md s.4 "Security"). It holds the
 * issuer's master keys and diversifies and computes itself; the host
 * never sees a key. The commands are those field code sends to social
 * security PSAMs (sources in design.md s.4; the simulator's PSAM,
 * lib/sim/psam.c, answers exactly these):
 *   00 A4 04 00 06 D15600000590                   the DES application
 *   00 A4 04 00 0F "sx3.sh.社会保障", 00 A4 00 00 02 DF01  the SM4 one
 *   BF DE <usage> <index> Lc <card><city>[<province>]<process data>
 *   80 FA 00 00 Lc <blocks>                       encrypt under the process key
 *   80 FA 05 00 Lc <IV 00..> <data, padded>      the 4-byte line MAC
 * Which PSAM key serves which card key: a map (keystore format with
 * "psam" lines, include/sscard/sm.h), else the ministry's key index
 * table (lib/keys.c).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "internal.h"
#include "keys.h"

#define PSAM_CMD_MAX 255u
#define PSAM_LEVELS(usage) ((size_t)((usage) >> 5))

typedef struct psam_provider {
	sscard_ctx *ctx;
	sscard_card *psam;
	sscard_keystore *map; /* NULL: the key index table */
} psam_provider;

/* The PSAM key for a card key: (card id, usage byte, index). */
typedef struct psam_key {
	uint8_t id, usage, index;
} psam_key;

static bool find_key(const psam_provider *p, sscard_key_usage usage, const char *df,
                     psam_key *k)
{
	if (p->map) {
		const sscard_ks_entry *e = sscard_keystore_find(p->map, usage, df);
		if (!e)
			return false;
		*k = (psam_key){ e->id, e->psam_usage, e->psam_index };
		return true;
	}
	const sscard_key_default *d = sscard_key_default_find(usage, df);
	if (!d)
		return false;
	*k = (psam_key){ d->id, d->psam_usage, d->psam_index };
	return true;
}

static sscard_rc psam_lookup(void *impl, sscard_key_usage usage, const char *df,
                             sscard_key_info *info)
{
	psam_key k;

	if (!find_key(impl, usage, df, &k))
		return SSCARD_E_KEY_NOT_FOUND;
	info->alg = 0; /* the PSAM computes in the card's algorithm */
	info->id = k.id;
	return SSCARD_OK;
}

/* A PSAM failure is logged with the PSAM's own detail (status word). */
static sscard_rc psam_failed(psam_provider *p, sscard_rc rc)
{
	if (rc != SSCARD_OK)
		SSC_ERR(p->ctx, "PSAM: %s", sscard_card_last_detail(p->psam));
	return rc;
}

static sscard_rc psam_cmd(psam_provider *p, const char *what, const sscard_apdu *a,
                          uint8_t *resp, size_t respsz, size_t *n)
{
	return psam_failed(p, sscard_card_cmd(p->psam, what, a, resp, respsz, n));
}

/* The application of the card's algorithm, selected in every computation:
 * another program on the PSAM (or this library reading its EF16 under the
 * MF) may have left it elsewhere. */
static sscard_rc select_app(psam_provider *p, sscard_alg alg)
{
	static const uint8_t des_aid[] = { 0xD1, 0x56, 0x00, 0x00, 0x05, 0x90 };
	static const uint8_t sm4_name[] = { 's', 'x', '3', '.', 's', 'h', '.', 0xC9, 0xE7,
		                            0xBB, 0xE1, 0xB1, 0xA3, 0xD5, 0xCF };
	static const uint8_t df01[] = { 0xDF, 0x01 };
	uint8_t resp[258];
	size_t n = 0;
	sscard_rc rc;

	if (alg == SSCARD_ALG_3DES) {
		sscard_apdu a = { 0x00, 0xA4, 0x04, 0x00, des_aid, sizeof(des_aid), 0, 0 };
		rc = psam_cmd(p, "PSAM SELECT DES", &a, resp, sizeof(resp), &n);
	} else {
		sscard_apdu a = { 0x00, 0xA4, 0x04, 0x00, sm4_name, sizeof(sm4_name), 0, 0 };
		sscard_apdu b = { 0x00, 0xA4, 0x00, 0x00, df01, sizeof(df01), 0, 0 };
		rc = psam_cmd(p, "PSAM SELECT SM4", &a, resp, sizeof(resp), &n);
		if (rc == SSCARD_OK)
			rc = psam_cmd(p, "PSAM SELECT DF01", &b, resp, sizeof(resp), &n);
	}
	return rc;
}

/* BF DE: the PSAM diversifies its key with the card's factors (lowest
 * level first, as many as the usage byte says) and derives the process
 * key from the process data (SM4: || 00 x8). */
static sscard_rc psam_init(psam_provider *p, const psam_key *k, const sscard_key_use *use)
{
	static const sscard_div_level order[] = { SSCARD_LEVEL_CARD, SSCARD_LEVEL_CITY,
		                                  SSCARD_LEVEL_PROVINCE };
	uint8_t data[3 * SSCARD_FACTOR_LEN + SSCARD_BLOCK_MAX], resp[8];
	size_t levels = PSAM_LEVELS(k->usage), n = 0, rlen = 0, bs = sscard_alg_block(use->alg);
	sscard_rc rc;

	if (levels == 0 || levels > 3)
		return sscard_ctx_fail(p->ctx, SSCARD_E_KEYSTORE,
		                       "PSAM usage byte %02X names %zu diversification levels",
		                       k->usage, levels);
	for (size_t i = 0; i < levels; i++) {
		const uint8_t *factor = sscard_level_factor(use->factors, order[i]);
		if (!factor)
			return SSCARD_E_BAD_DATA; /* the card did not give it */
		memcpy(data + n, factor, SSCARD_FACTOR_LEN);
		n += SSCARD_FACTOR_LEN;
	}
	memset(data + n, 0, bs);
	memcpy(data + n, use->process, SSCARD_FACTOR_LEN);
	n += bs;
	{
		sscard_apdu a = { 0xBF, 0xDE, k->usage, k->index, data, n, 0, 0 };
		rc = psam_cmd(p, "PSAM INIT", &a, resp, sizeof(resp), &rlen);
	}
	OPENSSL_cleanse(data, sizeof(data));
	return rc;
}

/* 80 FA with P1 `mode`; the answer must be exactly `want` bytes. The data
 * may be a PIN block: the trace masks it. */
static sscard_rc psam_crypt(psam_provider *p, uint8_t mode, const uint8_t *data, size_t len,
                            uint8_t *out, size_t want)
{
	/* no Le, the answer by 61xx + GET RESPONSE, as field code sends it */
	sscard_apdu a = { 0x80, 0xFA, mode, 0x00, data, len, want,
		          SSCARD_APDU_SENSITIVE | SSCARD_APDU_CASE3 };
	uint8_t resp[PSAM_CMD_MAX + 2];
	size_t rlen = 0;
	sscard_rc rc = psam_cmd(p, "PSAM CRYPT", &a, resp, sizeof(resp), &rlen);

	if (rc == SSCARD_OK && rlen != want)
		rc = psam_failed(p, sscard_card_fail(p->psam, SSCARD_E_BAD_RESPONSE,
		                                     "PSAM 80 FA: %zu bytes, expected %zu", rlen,
		                                     want));
	if (rc == SSCARD_OK)
		memcpy(out, resp, want);
	OPENSSL_cleanse(resp, sizeof(resp));
	return rc;
}

/* Select, BF DE, 80 FA: one computation, holding the PSAM throughout. */
static sscard_rc compute(psam_provider *p, const sscard_key_use *use, uint8_t mode,
                         const uint8_t *data, size_t len, uint8_t *out, size_t want)
{
	psam_key k;
	sscard_rc rc, rc2;

	if (use->alg == SSCARD_ALG_SSF33)
		return SSCARD_E_NOT_SUPPORTED;
	if (!find_key(p, use->usage, use->df, &k))
		return SSCARD_E_KEY_NOT_FOUND;
	rc = sscard_card_begin(p->psam);
	if (rc != SSCARD_OK)
		return psam_failed(p, rc);
	rc = select_app(p, use->alg);
	if (rc == SSCARD_OK)
		rc = psam_init(p, &k, use);
	if (rc == SSCARD_OK)
		rc = psam_crypt(p, mode, data, len, out, want);
	rc2 = sscard_card_end(p->psam);
	return rc != SSCARD_OK ? rc : rc2;
}

static sscard_rc psam_encrypt(void *impl, const sscard_key_use *use, const uint8_t *in,
                              size_t len, uint8_t *out)
{
	if (len > PSAM_CMD_MAX)
		return SSCARD_E_INVALID_ARG;
	return compute(impl, use, 0x00, in, len, out, len);
}

/* 80 FA 05 00 <IV: one zero block> <data, ISO 9797-1 method 2 padded>,
 * as the PIN-reload trace of design.md s.4 sends it. */
static sscard_rc psam_mac(void *impl, const sscard_key_use *use, const uint8_t *data,
                          size_t len, uint8_t mac[SSCARD_MAC_LEN])
{
	uint8_t buf[PSAM_CMD_MAX];
	size_t bs = sscard_alg_block(use->alg), n;
	sscard_rc rc;

	n = bs + (len + 1 + bs - 1) / bs * bs;
	if (n > sizeof(buf))
		return SSCARD_E_INVALID_ARG;
	memset(buf, 0, sizeof(buf));
	if (len)
		memcpy(buf + bs, data, len);
	buf[bs + len] = 0x80;
	rc = compute(impl, use, 0x05, buf, n, mac, SSCARD_MAC_LEN);
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}

static void psam_free(void *impl)
{
	psam_provider *p = impl;

	if (!p)
		return;
	sscard_disconnect(&p->psam);
	sscard_keystore_free(p->map);
	free(p);
}

static const sscard_keys_ops psam_ops = {
	.name = "psam",
	.lookup = psam_lookup,
	.encrypt = psam_encrypt,
	.mac = psam_mac,
	.free = psam_free,
};

/* A PSAM map has psam lines only: a key line would put a key on the host
 * beside the module meant to keep keys off it. */
static sscard_rc check_map(sscard_ctx *ctx, const sscard_keystore *map)
{
	for (size_t i = 0; i < map->nkeys; i++)
		if (!map->keys[i].psam)
			return sscard_ctx_fail(ctx, SSCARD_E_KEYSTORE,
			                       "the PSAM map has key lines: keys belong in the PSAM, "
			                       "or in a keystore opened without --psam");
	return SSCARD_OK;
}

/* The map named, else $SSCARD_KEYSTORE, else none (the key index table). */
static sscard_rc load_map(sscard_ctx *ctx, const char *map_path, sscard_keystore **map)
{
	const char *env = getenv("SSCARD_KEYSTORE");
	sscard_rc rc;

	*map = NULL;
	if (!map_path && (!env || !env[0]))
		return SSCARD_OK;
	rc = sscard_keystore_load(ctx, map_path, map);
	if (rc == SSCARD_OK)
		rc = check_map(ctx, *map);
	if (rc != SSCARD_OK) {
		sscard_keystore_free(*map);
		*map = NULL;
	}
	return rc;
}

/* The provider from a connected PSAM and a loaded map (NULL: the key
 * index table); owns both from here, on failure too. */
static sscard_rc provider_new(sscard_ctx *ctx, sscard_card *psam, sscard_keystore *map,
                              sscard_keys **out)
{
	psam_provider *p = calloc(1, sizeof(*p));

	if (!p) {
		sscard_disconnect(&psam);
		sscard_keystore_free(map);
		return SSCARD_E_NOMEM;
	}
	p->ctx = ctx;
	p->psam = psam;
	p->map = map;
	return sscard_keys_new(ctx, &psam_ops, p, out);
}

SSCARD_API sscard_rc sscard_keys_open_psam_card(sscard_ctx *ctx, sscard_card *psam,
                                                const char *map_path, sscard_keys **out)
{
	sscard_keystore *map = NULL;
	sscard_rc rc;

	if (out)
		*out = NULL;
	rc = !out || !psam ? SSCARD_E_INVALID_ARG : load_map(ctx, map_path, &map);
	if (rc != SSCARD_OK) {
		sscard_disconnect(&psam);
		return rc;
	}
	return provider_new(ctx, psam, map, out);
}

SSCARD_API sscard_rc sscard_keys_open_psam(sscard_ctx *ctx, const char *reader,
                                           const char *map_path, sscard_keys **out)
{
	sscard_keystore *map = NULL;
	sscard_card *psam = NULL;
	sscard_rc rc;

	if (!out || !reader)
		return SSCARD_E_INVALID_ARG;
	*out = NULL;
	/* the map first: a wrong one is named before any PSAM is touched */
	rc = load_map(ctx, map_path, &map);
	if (rc != SSCARD_OK)
		return rc;
	rc = sscard_connect(ctx, reader, &psam);
	if (rc != SSCARD_OK) {
		char why[SSCARD_DETAIL_MAX];

		sscard_keystore_free(map);
		snprintf(why, sizeof(why), "%s", sscard_ctx_last_detail(ctx));
		return sscard_ctx_fail(ctx, rc, "PSAM reader \"%s\": %s%s%s", reader,
		                       sscard_strerror(rc), why[0] ? ": " : "", why);
	}
	return provider_new(ctx, psam, map, out);
}
