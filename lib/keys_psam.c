/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The PSAM key provider: the terminal's security module, a SAM card in
 * the reader's second slot (design.md s.4). It holds the issuer's master
 * keys and diversifies and computes itself; the host never sees a key.
 * Commands, PBOC PSAM style (verify against a real social security PSAM;
 * the simulator's PSAM, lib/sim/psam.c, answers exactly these):
 *   80 1A <usage> <index> Lc <factors, 8 bytes per level>   DES INIT
 *   80 FA 00 00 Lc <whole blocks>                 DES CRYPT: ECB-encrypt
 *   80 FA 05 00 Lc <IV, one block> <data>         DES CRYPT: 4-byte MAC
 * <usage> is the sscard_key_usage value (1 external .. 4 line); which
 * PSAM key index serves which card key comes from a map file: keystore
 * format with "psam" lines (include/sscard/sm.h).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "internal.h"
#include "keys.h"

#define PSAM_CMD_MAX 255u

typedef struct psam_provider {
	sscard_ctx *ctx;
	sscard_card *psam;
	sscard_keystore *map;
} psam_provider;

static sscard_rc psam_lookup(void *impl, sscard_key_usage usage, const char *df,
                             sscard_key_info *info)
{
	const sscard_ks_entry *e = sscard_keystore_find(((psam_provider *)impl)->map, usage, df);

	if (!e)
		return SSCARD_E_KEY_NOT_FOUND;
	info->alg = e->alg;
	info->id = e->id;
	return SSCARD_OK;
}

/* A PSAM failure is logged with the PSAM's own detail (status word). */
static sscard_rc psam_failed(psam_provider *p, sscard_rc rc)
{
	if (rc != SSCARD_OK)
		SSC_ERR(p->ctx, "PSAM: %s", sscard_card_last_detail(p->psam));
	return rc;
}

/* DES INIT: the PSAM diversifies the master key with the card's factors,
 * in the order of the map line's levels. */
static sscard_rc des_init(psam_provider *p, const sscard_ks_entry *e,
                          const sscard_div_factors *f)
{
	uint8_t factors[SSCARD_KS_MAX_LEVELS * SSCARD_FACTOR_LEN], resp[8];
	size_t n = 0, rlen = 0;

	for (size_t i = 0; i < e->nlevels; i++) {
		const uint8_t *factor = sscard_level_factor(f, e->levels[i]);
		if (!factor)
			return SSCARD_E_BAD_DATA; /* the card did not give it */
		memcpy(factors + n, factor, SSCARD_FACTOR_LEN);
		n += SSCARD_FACTOR_LEN;
	}
	{
		sscard_apdu a = { 0x80, 0x1A, (uint8_t)e->usage, e->psam_index,
		                  n ? factors : NULL, n, 0, 0 };
		return psam_failed(p, sscard_card_cmd(p->psam, "PSAM DES INIT", &a, resp,
		                                      sizeof(resp), &rlen));
	}
}

/* DES CRYPT with P1 `mode`; the answer must be exactly `want` bytes. The
 * data may be a PIN block: the trace masks it. */
static sscard_rc des_crypt(psam_provider *p, uint8_t mode, const uint8_t *data, size_t len,
                           uint8_t *out, size_t want)
{
	sscard_apdu a = { 0x80, 0xFA, mode, 0x00, data, len, want, SSCARD_APDU_SENSITIVE };
	uint8_t resp[PSAM_CMD_MAX + 2];
	size_t rlen = 0;
	sscard_rc rc = sscard_card_cmd(p->psam, "PSAM DES CRYPT", &a, resp, sizeof(resp), &rlen);

	if (rc == SSCARD_OK && rlen != want)
		rc = sscard_card_fail(p->psam, SSCARD_E_BAD_RESPONSE,
		                      "PSAM DES CRYPT: %zu bytes, expected %zu", rlen, want);
	if (rc == SSCARD_OK)
		memcpy(out, resp, want);
	OPENSSL_cleanse(resp, sizeof(resp));
	return psam_failed(p, rc);
}

/* INIT then CRYPT, holding the PSAM in between. */
static sscard_rc init_and_crypt(psam_provider *p, sscard_key_usage usage, const char *df,
                                const sscard_div_factors *f, uint8_t mode,
                                const uint8_t *data, size_t len, uint8_t *out, size_t want)
{
	const sscard_ks_entry *e = sscard_keystore_find(p->map, usage, df);
	sscard_rc rc, rc2;

	if (!e)
		return SSCARD_E_KEY_NOT_FOUND;
	rc = sscard_card_begin(p->psam);
	if (rc != SSCARD_OK)
		return psam_failed(p, rc);
	rc = des_init(p, e, f);
	if (rc == SSCARD_OK)
		rc = des_crypt(p, mode, data, len, out, want);
	rc2 = sscard_card_end(p->psam);
	return rc != SSCARD_OK ? rc : rc2;
}

static sscard_rc psam_encrypt(void *impl, sscard_key_usage usage, const char *df,
                              const sscard_div_factors *f, const uint8_t *in, size_t len,
                              uint8_t *out)
{
	if (len > PSAM_CMD_MAX)
		return SSCARD_E_INVALID_ARG;
	return init_and_crypt(impl, usage, df, f, 0x00, in, len, out, len);
}

static sscard_rc psam_mac(void *impl, sscard_key_usage usage, const char *df,
                          const sscard_div_factors *f, const uint8_t *iv, size_t ivlen,
                          const uint8_t *data, size_t len, uint8_t mac[SSCARD_MAC_LEN])
{
	psam_provider *p = impl;
	const sscard_ks_entry *e = sscard_keystore_find(p->map, usage, df);
	uint8_t buf[PSAM_CMD_MAX];
	size_t bs;
	sscard_rc rc;

	if (!e)
		return SSCARD_E_KEY_NOT_FOUND;
	bs = sscard_alg_block(e->alg);
	if (ivlen > bs || (ivlen && !iv) || (len && !data) || bs + len > sizeof(buf))
		return SSCARD_E_INVALID_ARG;
	/* the IV block (the challenge, zero padded), then the data */
	memset(buf, 0, bs);
	if (ivlen)
		memcpy(buf, iv, ivlen);
	if (len)
		memcpy(buf + bs, data, len);
	rc = init_and_crypt(p, usage, df, f, 0x05, buf, bs + len, mac, SSCARD_MAC_LEN);
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

SSCARD_API sscard_rc sscard_keys_open_psam(sscard_ctx *ctx, const char *reader,
                                           const char *map_path, sscard_keys **out)
{
	psam_provider *p;
	sscard_rc rc;

	if (!out || !reader)
		return SSCARD_E_INVALID_ARG;
	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return SSCARD_E_NOMEM;
	p->ctx = ctx;
	rc = sscard_keystore_load(ctx, map_path, &p->map);
	if (rc == SSCARD_OK)
		rc = check_map(ctx, p->map);
	if (rc == SSCARD_OK) {
		rc = sscard_connect(ctx, reader, &p->psam);
		if (rc != SSCARD_OK) {
			char why[SSCARD_DETAIL_MAX];

			snprintf(why, sizeof(why), "%s", sscard_ctx_last_detail(ctx));
			sscard_ctx_fail(ctx, rc, "PSAM reader \"%s\": %s%s%s", reader,
			                sscard_strerror(rc), why[0] ? ": " : "", why);
		}
	}
	if (rc != SSCARD_OK) {
		psam_free(p);
		return rc;
	}
	return sscard_keys_new(ctx, &psam_ops, p, out);
}
