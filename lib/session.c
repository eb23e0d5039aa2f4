/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The software keystore convention (see session.h): process keys,
 * cryptograms and line MACs from the card's keys, all through
 * lib/crypto.c (OpenSSL EVP). Every intermediate is wiped.
 */
#include "session.h"

#include <string.h>

#include <openssl/crypto.h>

sscard_rc sscard_session_key_block(sscard_alg alg, const uint8_t key[SSCARD_KEY_LEN],
                                   const uint8_t *block, uint8_t pk[SSCARD_KEY_LEN])
{
	size_t bs = sscard_alg_block(alg);
	sscard_rc rc;

	if (bs == 0 || !key || !block || !pk)
		return SSCARD_E_INVALID_ARG;
	rc = sscard_crypto_ecb(alg, key, true, block, bs, pk);
	if (rc == SSCARD_OK && bs == 8)
		memcpy(pk + 8, pk, 8); /* single DES as DES-EDE with K1 = K2 */
	return rc;
}

sscard_rc sscard_session_key(sscard_alg alg, const uint8_t key[SSCARD_KEY_LEN],
                             const uint8_t process[SSCARD_PROCESS_LEN],
                             uint8_t pk[SSCARD_KEY_LEN])
{
	uint8_t in[SSCARD_BLOCK_MAX] = { 0 };
	sscard_rc rc;

	if (!process)
		return SSCARD_E_INVALID_ARG;
	memcpy(in, process, SSCARD_PROCESS_LEN); /* SM4: || 00 x8 */
	rc = sscard_session_key_block(alg, key, in, pk);
	OPENSSL_cleanse(in, sizeof(in));
	return rc;
}

/* Process keys are used by the block size of their algorithm: single DES
 * is DES-EDE with the doubled key, i.e. SSCARD_ALG_3DES's ciphers. */
sscard_rc sscard_session_encrypt(sscard_alg alg, const uint8_t pk[SSCARD_KEY_LEN],
                                 const uint8_t *in, size_t len, uint8_t *out)
{
	return sscard_crypto_ecb(alg, pk, true, in, len, out);
}

sscard_rc sscard_session_decrypt(sscard_alg alg, const uint8_t pk[SSCARD_KEY_LEN],
                                 const uint8_t *in, size_t len, uint8_t *out)
{
	return sscard_crypto_ecb(alg, pk, false, in, len, out);
}

void sscard_mac_fold(sscard_alg alg, const uint8_t *last, uint8_t mac[SSCARD_MAC_LEN])
{
	memcpy(mac, last, SSCARD_MAC_LEN);
	if (alg == SSCARD_ALG_SM4)
		for (size_t w = 1; w < 4; w++)
			for (size_t i = 0; i < SSCARD_MAC_LEN; i++)
				mac[i] ^= last[w * SSCARD_MAC_LEN + i];
}

sscard_rc sscard_session_mac(sscard_alg alg, const uint8_t pk[SSCARD_KEY_LEN],
                             const uint8_t *data, size_t len, uint8_t mac[SSCARD_MAC_LEN])
{
	uint8_t padded[SSCARD_APDU_PADDED_MAX], last[SSCARD_BLOCK_MAX];
	size_t bs = sscard_alg_block(alg), n, outlen = 0;
	sscard_rc rc;

	if (bs == 0 || !mac || (len && !data) || len >= sizeof(padded))
		return SSCARD_E_INVALID_ARG;
	/* ISO 9797-1 method 2; the DES process key's K1 = K2 makes the
	 * "retail" final step of sscard_crypto_mac_block() an identity, so
	 * this is plain single-DES CBC-MAC */
	memset(padded, 0, sizeof(padded));
	if (len)
		memcpy(padded, data, len);
	padded[len] = 0x80;
	n = (len + 1 + bs - 1) / bs * bs;
	rc = sscard_crypto_mac_block(alg, pk, NULL, 0, padded, n, last, &outlen);
	if (rc == SSCARD_OK)
		sscard_mac_fold(alg, last, mac);
	OPENSSL_cleanse(padded, sizeof(padded));
	OPENSSL_cleanse(last, sizeof(last));
	return rc;
}

size_t sscard_cryptogram_input(sscard_alg alg, const uint8_t original[SSCARD_CRYPTOGRAM_LEN],
                               uint8_t in[SSCARD_BLOCK_MAX])
{
	size_t bs = sscard_alg_block(alg);

	memset(in, 0, SSCARD_BLOCK_MAX);
	memcpy(in, original, SSCARD_CRYPTOGRAM_LEN);
	return bs;
}

void sscard_cryptogram_fold(sscard_alg alg, const uint8_t *enc,
                            uint8_t out[SSCARD_CRYPTOGRAM_LEN])
{
	memcpy(out, enc, SSCARD_CRYPTOGRAM_LEN);
	if (alg == SSCARD_ALG_SM4)
		for (size_t i = 0; i < SSCARD_CRYPTOGRAM_LEN; i++)
			out[i] ^= enc[SSCARD_CRYPTOGRAM_LEN + i];
}

sscard_rc sscard_session_cryptogram(sscard_alg alg, const uint8_t key[SSCARD_KEY_LEN],
                                    const uint8_t process[SSCARD_PROCESS_LEN],
                                    const uint8_t original[SSCARD_CRYPTOGRAM_LEN],
                                    uint8_t out[SSCARD_CRYPTOGRAM_LEN])
{
	uint8_t pk[SSCARD_KEY_LEN], in[SSCARD_BLOCK_MAX], enc[SSCARD_BLOCK_MAX];
	size_t n;
	sscard_rc rc = sscard_session_key(alg, key, process, pk);

	if (rc == SSCARD_OK) {
		n = sscard_cryptogram_input(alg, original, in);
		rc = sscard_session_encrypt(alg, pk, in, n, enc);
	}
	if (rc == SSCARD_OK)
		sscard_cryptogram_fold(alg, enc, out);
	OPENSSL_cleanse(pk, sizeof(pk));
	OPENSSL_cleanse(in, sizeof(in));
	OPENSSL_cleanse(enc, sizeof(enc));
	return rc;
}
