/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private crypto primitives (lib/crypto.c), all through OpenSSL EVP. The
 * library's secure channel and the simulator both use exactly these, so
 * there is one implementation of every algorithm. Owner: the crypto work
 * (issue #6); signatures may grow, never silently change meaning.
 */
#ifndef SSCARD_CRYPTO_H
#define SSCARD_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sscard/rc.h>

typedef enum sscard_alg {
	SSCARD_ALG_3DES = 1, /* 2-key triple DES, 8-byte blocks (2.0 cards) */
	SSCARD_ALG_SM4 = 2   /* SM4, 16-byte blocks (3.0 cards) */
} sscard_alg;

#define SSCARD_KEY_LEN 16u
#define SSCARD_MAC_LEN 4u

/* Block size of alg (8 or 16), 0 for an unknown alg. */
size_t sscard_alg_block(sscard_alg alg);

/* ECB over whole blocks (len a multiple of the block size). */
sscard_rc sscard_crypto_ecb(sscard_alg alg, const uint8_t key[SSCARD_KEY_LEN],
                            bool encrypt, const uint8_t *in, size_t len,
                            uint8_t *out);

/* One diversification step, PBOC style: left = E(K, f), right = E(K, ~f),
 * with f the factor padded/truncated to one 8-byte block. */
sscard_rc sscard_crypto_diversify(sscard_alg alg, const uint8_t key[SSCARD_KEY_LEN],
                                  const uint8_t *factor, size_t flen,
                                  uint8_t out[SSCARD_KEY_LEN]);

/* ISO 9797-1 padding method 2, CBC-MAC with `iv` (the challenge, padded
 * with zeros to a block), retail MAC (alg. 3) for 3DES, SM4 CBC-MAC;
 * leftmost 4 bytes. */
sscard_rc sscard_crypto_mac(sscard_alg alg, const uint8_t key[SSCARD_KEY_LEN],
                            const uint8_t *iv, size_t ivlen, const uint8_t *data,
                            size_t len, uint8_t mac[SSCARD_MAC_LEN]);

/* Cryptographically strong random bytes (RAND_bytes). */
sscard_rc sscard_crypto_random(uint8_t *out, size_t len);

#endif
