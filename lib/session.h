/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private: the software keystore convention (design.md s.4 "Security",
 * "Software keystore convention"), in one place for the software keystore
 * (lib/keys_file.c) and the simulated card and PSAM (lib/sim/). A real
 * card's and a real PSAM's internals are not public; this is our
 * assumption of them, shaped by the command forms field code sends
 * (verify against a real card):
 *
 *   process key  DES: E3(K', process data) (one block, used as a
 *                single-DES key); SM4: E(K', process data || 00 x8)
 *   encrypt      ECB under the process key (DES single DES, SM4)
 *   cryptogram   encrypt(original) (SM4: original || 00 x8, the 16-byte
 *                result folded to 8 by XOR of its halves)
 *   line MAC     ISO 9797-1 padding method 2, IV zero, CBC under the
 *                process key; DES: the first 4 bytes of the last block;
 *                SM4: the XOR of its four 4-byte words (verify)
 *
 * K' is the card's key (the master diversified with the card's factors,
 * sscard_card_key()). A process key is 16 bytes: SM4's key, or the DES
 * key twice (DES-EDE with K1 = K2 is single DES).
 */
#ifndef SSCARD_SESSION_H
#define SSCARD_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"

#define SSCARD_PROCESS_LEN 8u    /* process data: the card's challenge */
#define SSCARD_CRYPTOGRAM_LEN 8u /* every authentication value, SM4 too */
/* the longest MAC input: a short APDU header and data, and its padding */
#define SSCARD_APDU_PADDED_MAX (5u + SSCARD_APDU_MAX_SHORT_NC + SSCARD_BLOCK_MAX)

/* The process key of `key` (the card's key) for `process` (8 bytes). */
sscard_rc sscard_session_key(sscard_alg alg, const uint8_t key[SSCARD_KEY_LEN],
                             const uint8_t process[SSCARD_PROCESS_LEN],
                             uint8_t pk[SSCARD_KEY_LEN]);
/* The same from a whole process block (8 bytes DES, 16 SM4) as a PSAM
 * receives it in BF DE. */
sscard_rc sscard_session_key_block(sscard_alg alg, const uint8_t key[SSCARD_KEY_LEN],
                                   const uint8_t *block, uint8_t pk[SSCARD_KEY_LEN]);
/* ECB over whole blocks of alg (8 DES, 16 SM4) under a process key. */
sscard_rc sscard_session_encrypt(sscard_alg alg, const uint8_t pk[SSCARD_KEY_LEN],
                                 const uint8_t *in, size_t len, uint8_t *out);
/* The same, decrypting (the simulated card reading a reloaded PIN). */
sscard_rc sscard_session_decrypt(sscard_alg alg, const uint8_t pk[SSCARD_KEY_LEN],
                                 const uint8_t *in, size_t len, uint8_t *out);
/* The line MAC of `data` (unpadded) under a process key. */
sscard_rc sscard_session_mac(sscard_alg alg, const uint8_t pk[SSCARD_KEY_LEN],
                             const uint8_t *data, size_t len, uint8_t mac[SSCARD_MAC_LEN]);

/*
 * The cryptogram's input and output as every party forms them, the PSAM
 * included: the original as whole blocks (DES: itself; SM4: || 00 x8),
 * and the encrypted block(s) down to 8 bytes (SM4: XOR of the halves).
 * *len / the input length is the alg's block size.
 */
size_t sscard_cryptogram_input(sscard_alg alg, const uint8_t original[SSCARD_CRYPTOGRAM_LEN],
                               uint8_t in[SSCARD_BLOCK_MAX]);
void sscard_cryptogram_fold(sscard_alg alg, const uint8_t *enc,
                            uint8_t out[SSCARD_CRYPTOGRAM_LEN]);
/* The MAC from the last CBC block: DES first 4 bytes, SM4 XOR of words. */
void sscard_mac_fold(sscard_alg alg, const uint8_t *last, uint8_t mac[SSCARD_MAC_LEN]);

/* process key, then the cryptogram of `original`, in one call. */
sscard_rc sscard_session_cryptogram(sscard_alg alg, const uint8_t key[SSCARD_KEY_LEN],
                                    const uint8_t process[SSCARD_PROCESS_LEN],
                                    const uint8_t original[SSCARD_CRYPTOGRAM_LEN],
                                    uint8_t out[SSCARD_CRYPTOGRAM_LEN]);

#endif
