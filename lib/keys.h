/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private: the calls the secure channel makes on a key provider
 * (lib/keys.c; the provider interface itself is public, sscard_keys_ops
 * in include/sscard/sm.h) and the software keystore's parser
 * (lib/keys_file.c). Owner: the crypto work (issue #6).
 */
#ifndef SSCARD_KEYS_H
#define SSCARD_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sscard/sscard.h>
#include <sscard/sm.h>

#include "crypto.h"
#include "session.h"

#define SSCARD_DF_NAME_MAX 8u /* "SSSE", "DF04" and a NUL */

struct sscard_keys {
	sscard_ctx *ctx;
	const sscard_keys_ops *ops;
	void *impl;
};

sscard_rc sscard_keys_lookup(sscard_keys *keys, sscard_key_usage usage,
                             const char *df, sscard_key_info *info);
/* ECB under the process key of use->process (sscard_keys_ops.encrypt). */
sscard_rc sscard_keys_encrypt(sscard_keys *keys, const sscard_key_use *use,
                              const uint8_t *in, size_t len, uint8_t *out);
/* The line MAC under the process key (sscard_keys_ops.mac). */
sscard_rc sscard_keys_mac(sscard_keys *keys, const sscard_key_use *use,
                          const uint8_t *data, size_t len, uint8_t mac[SSCARD_MAC_LEN]);
/* The 8-byte cryptogram of `original` under the process key of
 * use->process: the provider encrypts sscard_cryptogram_input(), the
 * library folds (lib/session.h), so a PSAM's SM4 answer and the
 * keystore's agree by construction. */
sscard_rc sscard_keys_cryptogram(sscard_keys *keys, const sscard_key_use *use,
                                 const uint8_t original[SSCARD_FACTOR_LEN],
                                 uint8_t out[SSCARD_FACTOR_LEN]);

/* The ministry's key index table (design.md s.4): per card key, its
 * default card key id and PSAM key (usage byte, index). Regional tables
 * differ: a keystore or PSAM map line overrides a row. */
typedef struct sscard_key_default {
	sscard_key_usage usage;
	const char *df;
	uint8_t id;         /* card key id */
	uint8_t psam_usage; /* P1 of BF DE: levels << 5 | key type */
	uint8_t psam_index; /* P2 of BF DE */
	const char *verify; /* NULL, or what public material did not confirm */
} sscard_key_default;
/* The row for (usage, df), NULL when the table has none. */
const sscard_key_default *sscard_key_default_find(sscard_key_usage usage, const char *df);
const sscard_key_default *sscard_key_default_at(size_t i);

/*
 * Factors from the ATR (its last 8 bytes) and, when `card_id` is not
 * NULL, the card identification code (tag 01: its first 3 bytes are the
 * region as BCD digits). SSCARD_E_BAD_DATA for an ATR shorter than 8
 * bytes or a region that is not 6 decimal digits.
 */
sscard_rc sscard_div_factors_make(const uint8_t *atr, size_t atrlen,
                                  const uint8_t *card_id, size_t idlen,
                                  sscard_div_factors *f);

/* ---- the keystore file (lib/keys_file.c): format in sscard/sm.h ------ */

#define SSCARD_KS_MAX_KEYS 64u
#define SSCARD_KS_MAX_LEVELS 3u

typedef enum sscard_div_level {
	SSCARD_LEVEL_PROVINCE,
	SSCARD_LEVEL_CITY,
	SSCARD_LEVEL_CARD
} sscard_div_level;

/* One line: a key (software keystore) or where a PSAM keeps it. */
typedef struct sscard_ks_entry {
	sscard_key_usage usage;
	char df[SSCARD_DF_NAME_MAX];
	uint8_t id; /* the card's key id */
	sscard_alg alg; /* 0 on psam lines: the PSAM follows the card */
	sscard_div_level levels[SSCARD_KS_MAX_LEVELS];
	size_t nlevels;
	bool psam;
	uint8_t psam_usage;          /* psam lines: P1 of BF DE */
	uint8_t psam_index;          /* psam lines: P2 of BF DE */
	uint8_t key[SSCARD_KEY_LEN]; /* key lines: the (master) key */
} sscard_ks_entry;

typedef struct sscard_keystore {
	sscard_ks_entry keys[SSCARD_KS_MAX_KEYS];
	size_t nkeys;
} sscard_keystore;

/* Load a keystore file (NULL: $SSCARD_KEYSTORE), refusing one that group
 * or others may access; errors are logged on ctx. */
sscard_rc sscard_keystore_load(sscard_ctx *ctx, const char *path, sscard_keystore **out);
/* Parse `len` bytes of text (need not be NUL-terminated); errors name the
 * line in `err`. */
sscard_rc sscard_keystore_parse(const char *text, size_t len, sscard_keystore **out,
                                char *err, size_t errsz);
/* Wipes and frees; NULL is fine. */
void sscard_keystore_free(sscard_keystore *ks);
const sscard_ks_entry *sscard_keystore_find(const sscard_keystore *ks,
                                            sscard_key_usage usage, const char *df);
/* The factor of one level, NULL if the card did not give it. */
const uint8_t *sscard_level_factor(const sscard_div_factors *f, sscard_div_level level);
/* "province" / "city" / "card" -> level; false for anything else. */
/* Keystore names of the usages ("external", ..., "update-ef0d"); NULL
 * for an unknown value / false for an unknown name. */
const char *sscard_key_usage_name(sscard_key_usage usage);
bool sscard_key_usage_parse(const char *name, sscard_key_usage *usage);
bool sscard_div_level_parse(const char *name, sscard_div_level *level);
/* The card's key: `master` diversified level by level, in the order given
 * (the one derivation the keystore, the PSAM map and the simulator share).
 * SSCARD_E_BAD_DATA when the card did not give a level's factor. */
sscard_rc sscard_card_key(sscard_alg alg, const uint8_t master[SSCARD_KEY_LEN],
                          const sscard_div_level *levels, size_t nlevels,
                          const sscard_div_factors *f, uint8_t out[SSCARD_KEY_LEN]);

/* The software keystore from text, for tests and fuzzers (psam lines are
 * refused: they need the PSAM provider). */
sscard_rc sscard_keys_parse_text(sscard_ctx *ctx, const char *text, size_t len,
                                 sscard_keys **out, char *err, size_t errsz);

#endif
