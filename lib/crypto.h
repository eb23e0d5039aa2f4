/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private crypto primitives (lib/crypto.c), all through OpenSSL EVP. The
 * library's secure channel and the simulator both use exactly these, so
 * there is one implementation of every algorithm. Owner: the crypto work
 * (issue #6); signatures may grow, never silently change meaning.
 *
 * Keys are always 16 bytes: 2-key triple DES K1||K2, or an SM4 key.
 * Only the OpenSSL 3 default provider is needed: single DES (legacy
 * provider only) is computed as DES-EDE with K1||K1, which is E(K1).
 * Known answers: vectors/crypto/ (test/unit/test_crypto.c).
 */
#ifndef SSCARD_CRYPTO_H
#define SSCARD_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sscard/rc.h>
#include <sscard/sm.h>

/* sscard_alg, SSCARD_KEY_LEN, SSCARD_MAC_LEN and SSCARD_FACTOR_LEN are
 * public (include/sscard/sm.h): key providers use them. */
#define SSCARD_BLOCK_MAX 16u   /* largest block size of any sscard_alg */

/* Block size of alg (8 or 16), 0 for an unknown alg. */
size_t sscard_alg_block(sscard_alg alg);

/* ECB over whole blocks (len a multiple of the block size, may be 0).
 * in and out may be the same buffer. SSCARD_E_INVALID_ARG for an unknown
 * alg or a partial block, SSCARD_E_CRYPTO if OpenSSL fails. */
sscard_rc sscard_crypto_ecb(sscard_alg alg, const uint8_t key[SSCARD_KEY_LEN],
                            bool encrypt, const uint8_t *in, size_t len,
                            uint8_t *out);

/*
 * One diversification step, PBOC style. f is the factor (1..8 bytes,
 * right-padded with 00 to 8 bytes; longer is SSCARD_E_INVALID_ARG, never
 * truncated) and ~f its complement:
 *   3DES: out = E(K, f) || E(K, ~f)     (two 8-byte blocks: left, right)
 *   SM4:  out = E(K, f || ~f)           (one 16-byte block)
 * i.e. for both out = ECB(K, f || ~f), which is the common practice of
 * PBOC 3.0 for SM4 (one block holds the factor and its complement).
 * Multi-level diversification (province -> city -> card) is repeated
 * steps, each step's out the next step's key.
 */
sscard_rc sscard_crypto_diversify(sscard_alg alg, const uint8_t key[SSCARD_KEY_LEN],
                                  const uint8_t *factor, size_t flen,
                                  uint8_t out[SSCARD_KEY_LEN]);

/*
 * ISO 9797-1 padding method 2 (80 00 ..., always at least one byte
 * added), CBC-MAC with `iv` (the challenge, right-padded with zeros to a
 * block; ivlen 0..block size, iv may be NULL when ivlen is 0):
 *   3DES: MAC algorithm 3 (retail MAC): CBC with single DES E(K1), then
 *         the last block through D(K2) and E(K1);
 *   SM4:  CBC-MAC (MAC algorithm 1);
 * leftmost 4 bytes. len may be 0 (one block 80 00 ...).
 */
sscard_rc sscard_crypto_mac(sscard_alg alg, const uint8_t key[SSCARD_KEY_LEN],
                            const uint8_t *iv, size_t ivlen, const uint8_t *data,
                            size_t len, uint8_t mac[SSCARD_MAC_LEN]);

/*
 * The same MAC without padding and untruncated: len must be a non-zero
 * multiple of the block size; the full last block (8 or 16 bytes) is
 * written to `out` and its length to *outlen. sscard_crypto_mac() is
 * this over the padded data; published vectors without padding test it.
 */
sscard_rc sscard_crypto_mac_block(sscard_alg alg, const uint8_t key[SSCARD_KEY_LEN],
                                  const uint8_t *iv, size_t ivlen,
                                  const uint8_t *data, size_t len,
                                  uint8_t out[SSCARD_BLOCK_MAX], size_t *outlen);

/* Cryptographically strong random bytes (RAND_bytes). */
sscard_rc sscard_crypto_random(uint8_t *out, size_t len);

#endif
