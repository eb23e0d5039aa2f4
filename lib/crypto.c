/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Crypto primitives through OpenSSL 3 EVP (see crypto.h). Nothing here is
 * hand-rolled: every block operation is an EVP cipher of the default
 * provider. Single DES, which the default provider lacks, is DES-EDE with
 * the key K1||K1 (E(K1) D(K1) E(K1) = E(K1)).
 *
 * Every key copy and intermediate block is wiped with OPENSSL_cleanse and
 * every EVP object freed on every path.
 */
#include "crypto.h"

#include <limits.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

typedef struct alg_info {
	sscard_alg alg;
	size_t block;
	const char *ecb; /* EVP names in the default provider */
	const char *cbc;
} alg_info;

static const alg_info algs[] = {
	{ SSCARD_ALG_3DES, 8, "DES-EDE-ECB", "DES-EDE-CBC" },
	{ SSCARD_ALG_SM4, 16, "SM4-ECB", "SM4-CBC" },
};

static const alg_info *alg_lookup(sscard_alg alg)
{
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (algs[i].alg == alg)
			return &algs[i];
	return NULL;
}

size_t sscard_alg_block(sscard_alg alg)
{
	const alg_info *info = alg_lookup(alg);
	return info ? info->block : 0;
}

/* A cipher context that runs without padding, for ECB or a CBC chain. */
static sscard_rc cipher_open(const char *name, const uint8_t *key, bool encrypt,
                             const uint8_t *iv, EVP_CIPHER_CTX **out)
{
	EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, name, NULL);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	sscard_rc rc = SSCARD_E_CRYPTO;

	if (cipher && ctx &&
	    (size_t)EVP_CIPHER_get_key_length(cipher) == SSCARD_KEY_LEN &&
	    EVP_CipherInit_ex2(ctx, cipher, key, iv, encrypt ? 1 : 0, NULL) == 1 &&
	    EVP_CIPHER_CTX_set_padding(ctx, 0) == 1) {
		*out = ctx;
		ctx = NULL;
		rc = SSCARD_OK;
	}
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(cipher);
	return rc;
}

/* Run len bytes (whole blocks) through an open context. */
static sscard_rc cipher_update(EVP_CIPHER_CTX *ctx, const uint8_t *in, size_t len,
                               uint8_t *out)
{
	int outl = 0;

	if (len > INT_MAX)
		return SSCARD_E_INVALID_ARG;
	if (len == 0)
		return SSCARD_OK;
	if (EVP_CipherUpdate(ctx, out, &outl, in, (int)len) != 1 || outl < 0 ||
	    (size_t)outl != len)
		return SSCARD_E_CRYPTO;
	return SSCARD_OK;
}

/* Finish a context that must hold no partial block, and free it. */
static sscard_rc cipher_close(EVP_CIPHER_CTX *ctx)
{
	uint8_t tail[SSCARD_BLOCK_MAX];
	int outl = 0;
	sscard_rc rc = SSCARD_OK;

	if (EVP_CipherFinal_ex(ctx, tail, &outl) != 1 || outl != 0)
		rc = SSCARD_E_CRYPTO;
	OPENSSL_cleanse(tail, sizeof(tail));
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

/* One whole-buffer operation: open, update, close. */
static sscard_rc cipher_once(const char *name, const uint8_t *key, bool encrypt,
                             const uint8_t *iv, const uint8_t *in, size_t len,
                             uint8_t *out)
{
	EVP_CIPHER_CTX *ctx = NULL;
	sscard_rc rc = cipher_open(name, key, encrypt, iv, &ctx);
	sscard_rc rc2;

	if (rc != SSCARD_OK)
		return rc;
	rc = cipher_update(ctx, in, len, out);
	rc2 = cipher_close(ctx);
	return rc != SSCARD_OK ? rc : rc2;
}

sscard_rc sscard_crypto_ecb(sscard_alg alg, const uint8_t key[SSCARD_KEY_LEN],
                            bool encrypt, const uint8_t *in, size_t len,
                            uint8_t *out)
{
	const alg_info *info = alg_lookup(alg);

	if (!info || !key || (len && (!in || !out)) || len % info->block)
		return SSCARD_E_INVALID_ARG;
	return cipher_once(info->ecb, key, encrypt, NULL, in, len, out);
}

sscard_rc sscard_crypto_diversify(sscard_alg alg, const uint8_t key[SSCARD_KEY_LEN],
                                  const uint8_t *factor, size_t flen,
                                  uint8_t out[SSCARD_KEY_LEN])
{
	uint8_t data[2 * SSCARD_FACTOR_LEN] = { 0 };
	sscard_rc rc;

	if (!alg_lookup(alg) || !key || !factor || !out || flen == 0 ||
	    flen > SSCARD_FACTOR_LEN)
		return SSCARD_E_INVALID_ARG;
	/* f || ~f is two 3DES blocks (left, right) or one SM4 block. */
	memcpy(data, factor, flen);
	for (size_t i = 0; i < SSCARD_FACTOR_LEN; i++)
		data[SSCARD_FACTOR_LEN + i] = (uint8_t)~data[i];
	rc = sscard_crypto_ecb(alg, key, true, data, sizeof(data), out);
	OPENSSL_cleanse(data, sizeof(data));
	return rc;
}

/*
 * The single-DES key of a retail MAC as a DES-EDE key: half (0 = K1,
 * 1 = K2) of `key`, twice.
 */
static void des_single_key(const uint8_t key[SSCARD_KEY_LEN], unsigned half,
                           uint8_t out[SSCARD_KEY_LEN])
{
	memcpy(out, key + 8u * half, 8);
	memcpy(out + 8, key + 8u * half, 8);
}

/* Retail MAC output transformation: E(K1, D(K2, block)). */
static sscard_rc retail_final(const uint8_t key[SSCARD_KEY_LEN], uint8_t block[8])
{
	uint8_t k[SSCARD_KEY_LEN];
	sscard_rc rc;

	des_single_key(key, 1, k);
	rc = cipher_once("DES-EDE-ECB", k, false, NULL, block, 8, block);
	if (rc == SSCARD_OK) {
		des_single_key(key, 0, k);
		rc = cipher_once("DES-EDE-ECB", k, true, NULL, block, 8, block);
	}
	OPENSSL_cleanse(k, sizeof(k));
	return rc;
}

/*
 * CBC over the data (plus the method-2 padding block when `pad`), keeping
 * only the last cipher block in `last`. Block by block so no buffer the
 * size of the data is needed.
 */
static sscard_rc cbc_chain(const alg_info *info, const uint8_t *key,
                           const uint8_t *iv, const uint8_t *data, size_t len,
                           bool pad, uint8_t last[SSCARD_BLOCK_MAX])
{
	const size_t bs = info->block;
	uint8_t tail[SSCARD_BLOCK_MAX] = { 0 };
	EVP_CIPHER_CTX *ctx = NULL;
	sscard_rc rc = cipher_open(info->cbc, key, true, iv, &ctx);
	sscard_rc rc2;
	size_t off = 0;

	if (rc != SSCARD_OK)
		return rc;
	for (; rc == SSCARD_OK && len - off >= bs; off += bs)
		rc = cipher_update(ctx, data + off, bs, last);
	if (rc == SSCARD_OK && pad) {
		/* ISO 9797-1 padding method 2: 80 then zeros to the block. */
		if (len > off)
			memcpy(tail, data + off, len - off);
		tail[len - off] = 0x80;
		rc = cipher_update(ctx, tail, bs, last);
	}
	rc2 = cipher_close(ctx);
	OPENSSL_cleanse(tail, sizeof(tail));
	return rc != SSCARD_OK ? rc : rc2;
}

static sscard_rc mac_compute(sscard_alg alg, const uint8_t *key, const uint8_t *iv,
                             size_t ivlen, const uint8_t *data, size_t len,
                             bool pad, uint8_t out[SSCARD_BLOCK_MAX], size_t *outlen)
{
	const alg_info *info = alg_lookup(alg);
	uint8_t ivblock[SSCARD_BLOCK_MAX] = { 0 };
	uint8_t chainkey[SSCARD_KEY_LEN];
	uint8_t last[SSCARD_BLOCK_MAX] = { 0 };
	sscard_rc rc;

	if (!info || !key || !out || ivlen > info->block || (ivlen && !iv) ||
	    (len && !data))
		return SSCARD_E_INVALID_ARG;
	if (!pad && (len == 0 || len % info->block))
		return SSCARD_E_INVALID_ARG;
	if (ivlen)
		memcpy(ivblock, iv, ivlen);
	if (alg == SSCARD_ALG_3DES)
		des_single_key(key, 0, chainkey); /* the CBC steps use E(K1) */
	else
		memcpy(chainkey, key, SSCARD_KEY_LEN);

	rc = cbc_chain(info, chainkey, ivblock, data, len, pad, last);
	if (rc == SSCARD_OK && alg == SSCARD_ALG_3DES)
		rc = retail_final(key, last);
	if (rc == SSCARD_OK) {
		memcpy(out, last, info->block);
		if (outlen)
			*outlen = info->block;
	}
	OPENSSL_cleanse(chainkey, sizeof(chainkey));
	OPENSSL_cleanse(last, sizeof(last));
	OPENSSL_cleanse(ivblock, sizeof(ivblock));
	return rc;
}

sscard_rc sscard_crypto_mac_block(sscard_alg alg, const uint8_t key[SSCARD_KEY_LEN],
                                  const uint8_t *iv, size_t ivlen,
                                  const uint8_t *data, size_t len,
                                  uint8_t out[SSCARD_BLOCK_MAX], size_t *outlen)
{
	if (!outlen)
		return SSCARD_E_INVALID_ARG;
	return mac_compute(alg, key, iv, ivlen, data, len, false, out, outlen);
}

sscard_rc sscard_crypto_mac(sscard_alg alg, const uint8_t key[SSCARD_KEY_LEN],
                            const uint8_t *iv, size_t ivlen, const uint8_t *data,
                            size_t len, uint8_t mac[SSCARD_MAC_LEN])
{
	uint8_t full[SSCARD_BLOCK_MAX];
	sscard_rc rc;

	if (!mac)
		return SSCARD_E_INVALID_ARG;
	rc = mac_compute(alg, key, iv, ivlen, data, len, true, full, NULL);
	if (rc == SSCARD_OK)
		memcpy(mac, full, SSCARD_MAC_LEN);
	OPENSSL_cleanse(full, sizeof(full));
	return rc;
}

sscard_rc sscard_crypto_random(uint8_t *out, size_t len)
{
	if (len == 0)
		return SSCARD_OK;
	if (!out || len > INT_MAX)
		return SSCARD_E_INVALID_ARG;
	return RAND_bytes(out, (int)len) == 1 ? SSCARD_OK : SSCARD_E_CRYPTO;
}
