/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sscard: the secure channel (design.md s.4 "Security", issue #6):
 * key providers, card/terminal authentication, protected writes,
 * application block/unblock and PIN unblock/reload.
 *
 * Keys never leave a provider: the secure channel asks it for a
 * cryptogram or a MAC computed with the card's key of a given usage in a
 * given DF, diversified from the card's factors (card = last 8 ATR bytes,
 * city = first 6 digits of the card identification code + "sx",
 * province = its first 2 digits + "0000sh"). Providers: the software
 * keystore (a file, format below), a PSAM (the terminal's security
 * module in a second reader slot) and your own (sscard_keys_new()).
 */
#ifndef SSCARD_SM_H
#define SSCARD_SM_H

#include <stddef.h>
#include <stdint.h>

#include <sscard/card.h>
#include <sscard/ssc.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sscard_keys sscard_keys;

/* Card algorithms; the values are the algorithm flag of the card's FCI
 * (86 01 xx) and of the two-step HIS interface (design.md s.8). */
typedef enum sscard_alg {
	SSCARD_ALG_3DES = 1, /* DES family: 2-key triple DES keys (2.0 cards) */
	SSCARD_ALG_SSF33 = 2, /* SSF33: not in OpenSSL, SSCARD_E_NOT_SUPPORTED */
	SSCARD_ALG_SM4 = 3   /* SM4 (3.0 cards) */
} sscard_alg;

#define SSCARD_KEY_LEN 16u   /* every key: 3DES K1||K2 or SM4 */
#define SSCARD_MAC_LEN 4u    /* line-protection MAC */
#define SSCARD_FACTOR_LEN 8u /* a diversification factor, a process factor,
                                an original, a cryptogram: 8 bytes on every card */

/*
 * The card's keys by what they are for. Each has a default card key id
 * and PSAM key (usage byte, index) from the ministry's key index table
 * (design.md s.4); a keystore or PSAM map line overrides them.
 */
typedef enum sscard_key_usage {
	SSCARD_KEY_EXTERNAL = 1,   /* RK, read key: EXTERNAL AUTHENTICATE before
	                              reading (RKSSSE 0A opens EF06 on 3.0 cards) */
	SSCARD_KEY_INTERNAL = 2,   /* IRK 00: INTERNAL AUTHENTICATE (card genuine?) */
	SSCARD_KEY_UNBLOCK = 3,    /* PUK 06: EXTERNAL AUTHENTICATE before PIN
	                              unblock / reload */
	SSCARD_KEY_LINE = 4,       /* STK 02: line MACs (block, unblock, PIN
	                              unblock / reload) and the reloaded PIN */
	SSCARD_KEY_UPDATE = 5,     /* UK 04: EXTERNAL AUTHENTICATE before
	                              writing EF05 / EF06 */
	SSCARD_KEY_UPDATE_EF0D = 6 /* 0D: EXTERNAL AUTHENTICATE before writing
	                              EF0D (3.0) */
} sscard_key_usage;

/*
 * Open the software keystore at `path` (NULL: the SSCARD_KEYSTORE
 * environment variable). Like ssh with a private key, the file is refused
 * (SSCARD_E_KEYSTORE) unless it is a regular file owned by the user (or
 * root) that neither group nor others may read or write (chmod 600).
 *
 * Format: UTF-8 text, one item per line, fields separated by blanks,
 * '#' starts a comment line. The first item is the version line
 *     sscard-keystore 1
 * then one line per key:
 *     key USAGE DF ID ALG DIVERSIFY KEY
 * USAGE     external | internal | unblock | line | update | update-ef0d
 *           (see sscard_key_usage)
 * DF        the card DF holding the key: SSSE, DF01 .. DF07
 * ID        the card's key id (P2 of EXTERNAL AUTHENTICATE), 2 hex digits
 * ALG       3DES (2.0 cards) | SM4 (3.0 cards)
 * DIVERSIFY "-" (KEY is the card's own key) or levels applied in order,
 *           comma separated, from province, city, card; e.g.
 *           "province,city,card" diversifies a provincial master key
 *           first with the province factor, then city, then card
 * KEY       32 hex digits: the (master) key
 * At most one key per (USAGE, DF); unknown items are errors. The keys
 * compute as design.md's "software keystore convention" says: process
 * key from the card's challenge, cryptogram of the original under it.
 * A PSAM map (sscard_keys_open_psam()) has the same form with "psam"
 * lines instead, naming the PSAM's key rather than holding one:
 *     psam USAGE DF ID PSAMUSAGE INDEX
 * PSAMUSAGE the PSAM key's usage byte, 2 hex digits (P1 of BF DE: high 3
 *           bits the diversification levels, low 5 bits the key type)
 * INDEX     the PSAM key index, 2 hex digits (P2 of BF DE)
 */
SSCARD_API sscard_rc sscard_keys_open_file(sscard_ctx *ctx, const char *path,
                                           sscard_keys **out);
/*
 * Use the PSAM in `reader` (as for sscard_connect(): a PC/SC reader name,
 * e.g. the second slot of the terminal's reader, or "sim:PATH") as the
 * key provider. `map_path` lists with psam lines which PSAM key serves
 * which card key, and is subject to the same file rule as a keystore;
 * NULL: $SSCARD_KEYSTORE when set, else the ministry's key index table
 * (RKSSSE 47/0A, IRK 67/08, PUK 48/10, STK 46/09, ...: sscard(3)), so a
 * terminal with a standard PSAM needs no map. Per computation the PSAM
 * gets (field code's forms, design.md s.4):
 *   00 A4 04 00 06 D15600000590          select its DES application, or
 *   00 A4 04 00 0F "sx3.sh.社会保障", 00 A4 00 00 02 DF01   its SM4 one
 *   BF DE <usage> <index> Lc <card 8><city 8>[<province 8>]<process data>
 *        (factors lowest level first, as many as the usage byte's levels;
 *        process data: the card's challenge, SM4: || 00 x8)
 *   80 FA 00 00 Lc <data>                encrypt (cryptogram: the original,
 *        SM4: || 00 x8; the 16-byte SM4 answer folded to 8 by the library)
 *   80 FA 05 00 Lc <IV 00..> <data, padded 80 00..>   the 4-byte line MAC
 * and answers through 61xx / GET RESPONSE.
 */
SSCARD_API sscard_rc sscard_keys_open_psam(sscard_ctx *ctx, const char *reader,
                                           const char *map_path, sscard_keys **out);
/* The same with a PSAM already connected (a custom transport,
 * sscard_connect_transport()): the provider owns `psam` from now on and
 * disconnects it when freed, or at once on failure. */
SSCARD_API sscard_rc sscard_keys_open_psam_card(sscard_ctx *ctx, sscard_card *psam,
                                                const char *map_path, sscard_keys **out);
/* Frees the provider (wiping every key it held); *keys becomes NULL. */
SSCARD_API void sscard_keys_free(sscard_keys **keys);
/* Provider name: "file" or "psam". */
SSCARD_API const char *sscard_keys_provider(const sscard_keys *keys);

/* ---- your own key provider (an HSM, a remote security module) ------------ */

/* The diversification factors of one card, as the library reads them. */
typedef struct sscard_div_factors {
	uint8_t card[SSCARD_FACTOR_LEN];     /* last 8 bytes of the ATR */
	uint8_t city[SSCARD_FACTOR_LEN];     /* ASCII region(6) + "sx" */
	uint8_t province[SSCARD_FACTOR_LEN]; /* ASCII region(2) + "0000sh" */
	int have_card, have_region;          /* 0 when the card did not give them */
} sscard_div_factors;

/* What a provider tells about one of its keys (no key material). */
typedef struct sscard_key_info {
	sscard_alg alg; /* 0: whichever the card uses (a PSAM with both) */
	uint8_t id;     /* the card's key id (P2 of EXTERNAL AUTHENTICATE) */
} sscard_key_info;

/* One computation with one card key: which key, on which card, under
 * which process data. */
typedef struct sscard_key_use {
	sscard_key_usage usage;
	const char *df;                    /* "SSSE", "DF01" .. "DF07" */
	sscard_alg alg;                    /* the card's algorithm */
	const sscard_div_factors *factors; /* the card's factors */
	const uint8_t *process;            /* SSCARD_FACTOR_LEN bytes: the card's
	                                      challenge or a process factor */
} sscard_key_use;

/*
 * A key provider computes with the card's keys and never hands one out.
 * Every function returns SSCARD_OK, SSCARD_E_KEY_NOT_FOUND when it has no
 * key for (usage, df), SSCARD_E_BAD_DATA when a factor its
 * diversification needs is missing (have_region 0), SSCARD_E_NOT_SUPPORTED
 * for an algorithm it cannot compute, or its own failure
 * (SSCARD_E_CRYPTO, ..._TRANSPORT).
 */
typedef struct sscard_keys_ops {
	const char *name; /* "file", "psam", "hsm", ... */
	sscard_rc (*lookup)(void *impl, sscard_key_usage usage, const char *df,
	                    sscard_key_info *info);
	/* Derive the process key from use->process, then ECB-encrypt `len`
	 * bytes (whole blocks: 8 DES, 16 SM4) under it. */
	sscard_rc (*encrypt)(void *impl, const sscard_key_use *use, const uint8_t *in,
	                     size_t len, uint8_t *out);
	/* Derive the process key from use->process, then the line MAC of
	 * `data` (unpadded): ISO 9797-1 padding method 2, IV zero, CBC under
	 * the process key; DES the first 4 bytes of the last block, SM4 the
	 * XOR of its four 4-byte words. */
	sscard_rc (*mac)(void *impl, const sscard_key_use *use, const uint8_t *data,
	                 size_t len, uint8_t mac[SSCARD_MAC_LEN]);
	/* Release everything, wiping keys. */
	void (*free)(void *impl);
} sscard_keys_ops;

/* Wrap a provider; the handle owns `impl` from now on (ops->free is
 * called on failure too). `ops` must outlive the handle. */
SSCARD_API sscard_rc sscard_keys_new(sscard_ctx *ctx, const sscard_keys_ops *ops,
                                     void *impl, sscard_keys **out);

/* ---- authentication ------------------------------------------------------ */

typedef enum sscard_auth_verdict {
	SSCARD_AUTH_NOT_RUN = 0,       /* not attempted (or a transport error) */
	SSCARD_AUTH_GENUINE = 1,       /* the card proved it holds its keys */
	SSCARD_AUTH_NOT_GENUINE = 2,   /* the card's INTERNAL AUTHENTICATE answer is
	                                  wrong: a forgery or a clone */
	SSCARD_AUTH_KEYS_MISMATCH = 3, /* our keys are not this card's */
	SSCARD_AUTH_TERMINAL_ONLY = 4  /* the card accepted our key; whether it is
	                                  genuine was not checked (the provider has
	                                  no internal-authentication key) */
} sscard_auth_verdict;

/* "NOT_RUN", "GENUINE", "NOT_GENUINE", "KEYS_MISMATCH", "TERMINAL_ONLY";
 * "UNKNOWN" for other values; never NULL. */
SSCARD_API const char *sscard_auth_verdict_name(int verdict);

/*
 * Authenticate in `df` ("SSSE", "DF04", ...; NULL: SSSE) with a key
 * provider: sscard_auth_begin(), the provider computes the two answers,
 * sscard_auth_finish() -- the same protocol as the two-step form below,
 * inside one hold on the card (sscard_card_begin()). On the card:
 *   00 88 00 <IRK id> 10 <process factor 8><original 8>   (host randoms;
 *        the first 8 bytes of the answer must be the provider's result)
 *   00 84 00 00 08                          GET CHALLENGE (process factor)
 *   00 82 00 <RK id> 10 <cryptogram 8><original 8>  (original = challenge)
 * Afterwards the card grants what the DF's read key opens (on 3.0 cards
 * RKSSSE opens EF06) until it is reset or another DF is selected.
 *
 * Returns SSCARD_OK with *verdict GENUINE when both succeed, or
 * TERMINAL_ONLY when the provider has no internal-authentication key;
 * SSCARD_E_NOT_GENUINE when the card's internal-authentication answer is
 * wrong; SSCARD_E_KEYS_MISMATCH when the card rejects our keys;
 * SSCARD_E_KEY_NOT_FOUND when the provider has no read key for df (nor
 * for SSSE); SSCARD_E_NOT_SUPPORTED for an SSF33 card; or the
 * transport/card error. *verdict (may be NULL) says which.
 */
SSCARD_API sscard_rc sscard_authenticate(sscard_card *card, sscard_keys *keys,
                                         const char *df,
                                         sscard_auth_verdict *verdict);

/* ---- authentication in two steps (a remote security module) --------------
 *
 * For a terminal that holds no keys (the ministry interface's _HSM_Step
 * forms): the back end computes the answers. sscard_auth_begin() talks to
 * the card and returns the four 8-byte values the back end needs;
 * sscard_auth_finish() takes its answers and completes.
 *
 *   begin:  SELECT SSSE (its FCI's 86 01 xx gives the algorithm; without
 *           it the specification version, EF05 tag 03: "3.xx" SM4, else
 *           DES); READ RECORD tag 01 (card identification code: the
 *           city/province factors); SELECT df;
 *           00 88 00 <IRK id> 10 <internal factor><internal original>
 *           (host randoms, or the caller's): the answer is kept, never
 *           shown; then, when external authentication is wanted,
 *           00 84 00 00 08 -> the external process factor, which is also
 *           the external original (as field code does). Nothing reaches
 *           the card from this library between that challenge and
 *           finish's EXTERNAL AUTHENTICATE.
 *   back end: internal result = cryptogram of IRK' over the internal
 *           values, external cryptogram = cryptogram of RK' over the
 *           external ones (design.md "Security"; IRK'/RK' diversified).
 *   finish: compares the internal result with the first 8 bytes of the
 *           card's answer (CRYPTO_memcmp), then
 *           00 82 00 <RK id> 10 <cryptogram><external original>.
 *
 * Each call holds the card (sscard_card_begin()) for its own APDUs only.
 * Wrap begin .. finish in sscard_card_begin()/sscard_card_end() to keep
 * other applications off the card in between (a command of theirs voids
 * the challenge); a reset in between voids it for certain.
 * A request is used once: finish (successful or not) ends it.
 */
typedef struct sscard_auth_request sscard_auth_request;

#define SSCARD_AUTH_AUTO (-1) /* sscard_auth_options.external: as the card needs */

/* What sscard_auth_begin() uses; NULL there means the defaults:
 * { 0, 0x00, 0x0A, 1, SSCARD_AUTH_AUTO, NULL, NULL }. */
typedef struct sscard_auth_options {
	sscard_alg alg;      /* 0: the card's own (see begin above) */
	uint8_t internal_id; /* the card's IRK id (P2 of 00 88; 00) */
	uint8_t external_id; /* the card's key id for 00 82 (RKSSSE 0A) */
	int internal;        /* nonzero: INTERNAL AUTHENTICATE (the card proves
	                        it is genuine); 0: not */
	int external;        /* 1: prepare EXTERNAL AUTHENTICATE; 0: not;
	                        SSCARD_AUTH_AUTO: when the card's EF06 needs it
	                        (specification 3.00 and later) */
	const uint8_t *internal_factor;   /* 8 bytes, or NULL: host random */
	const uint8_t *internal_original; /* 8 bytes, or NULL: host random */
} sscard_auth_options;

/* The four values of a request (the two-step interface's "randoms"). */
typedef enum sscard_auth_value {
	SSCARD_AUTH_INTERNAL_FACTOR = 0,   /* internal process factor */
	SSCARD_AUTH_INTERNAL_ORIGINAL = 1, /* internal original */
	SSCARD_AUTH_EXTERNAL_FACTOR = 2,   /* external process factor (the
	                                      card's challenge) */
	SSCARD_AUTH_EXTERNAL_ORIGINAL = 3  /* external original */
} sscard_auth_value;

/*
 * Begin authenticating in `df` (NULL: SSSE). On SSCARD_OK *req holds the
 * values (accessors below); free it with sscard_auth_request_free().
 * Errors: SSCARD_E_NOT_SUPPORTED for an SSF33 card, the card or transport
 * error otherwise (*req stays NULL). A card that refuses INTERNAL
 * AUTHENTICATE is not an error here: finish reports it.
 */
SSCARD_API sscard_rc sscard_auth_begin(sscard_card *card, const char *df,
                                       const sscard_auth_options *opt,
                                       sscard_auth_request **req);
/* The card's algorithm. */
SSCARD_API sscard_alg sscard_auth_request_alg(const sscard_auth_request *req);
/* One of the four values (8 bytes); NULL and *len 0 when that part was
 * not run (no internal authentication; no external one, e.g. a 2.0 card
 * with SSCARD_AUTH_AUTO). */
SSCARD_API const uint8_t *sscard_auth_request_value(const sscard_auth_request *req,
                                                    sscard_auth_value which, size_t *len);
/* The card identification code read from EF05 (16 bytes); NULL and *len
 * 0 when the card gave none (blank card: region factors missing). */
SSCARD_API const uint8_t *sscard_auth_request_card_id(const sscard_auth_request *req,
                                                      size_t *len);
/* The diversification factors (copied to *f). */
SSCARD_API void sscard_auth_request_factors(const sscard_auth_request *req,
                                            sscard_div_factors *f);
/* Wipes and frees; *req becomes NULL. NULL is fine. */
SSCARD_API void sscard_auth_request_free(sscard_auth_request **req);

/*
 * Finish the authentication begun on `card` with req: `cryptogram` the
 * external cryptogram (8 bytes; NULL/0 when the request has no external
 * part), `expected` the internal result (8 bytes; NULL/0 when the back
 * end does not check the card: verdict then TERMINAL_ONLY). A request
 * with no external part only checks the card: GENUINE, or
 * SSCARD_E_NOT_GENUINE. Return codes and verdicts as
 * sscard_authenticate(); SSCARD_E_INVALID_ARG (nothing sent) for a wrong
 * length, a request of another card handle or one already finished.
 */
SSCARD_API sscard_rc sscard_auth_finish(sscard_card *card, sscard_auth_request *req,
                                        const uint8_t *cryptogram, size_t cryptogram_len,
                                        const uint8_t *expected, size_t expected_len,
                                        sscard_auth_verdict *verdict);

/* ---- commands protected by a line MAC -------------------------------------
 * Each selects `df` (NULL = "SSSE"), asks for a challenge (00 84 00 00 08)
 * and sends the command with CLA 84 and a 4-byte MAC by the "line" key's
 * process key for that challenge (IV zero). The key is looked up for
 * `df`, else for SSSE. (verify: the forms below follow design.md s.4.) */

/* APPLICATION BLOCK 84 1E 00 <00 temporary | 01 permanent>, key "line":
 * a terminal locking a card reported lost. A permanent lock cannot be
 * undone. */
SSCARD_API sscard_rc sscard_app_block(sscard_card *card, sscard_keys *keys,
                                      const char *df, int permanent);
/* APPLICATION UNBLOCK 84 18 00 00, key "line": lifts a temporary block.
 * While SSSE itself is blocked the card will not show its identification
 * code (tag 01), which keys diversified by city or province need: pass
 * it as `card_id` (32 hex digits, from the back end or an earlier read);
 * NULL uses what this connection read from the card before the block,
 * else reads it (enough when only an application DF such as DF04 is
 * blocked, or for card-level keys). */
SSCARD_API sscard_rc sscard_app_unblock(sscard_card *card, sscard_keys *keys,
                                        const char *df, const char *card_id);
/* PIN UNBLOCK: EXTERNAL AUTHENTICATE with the "unblock" key (PUK), then
 * 84 24 00 00 04 <MAC> with the "line" key: resets the PIN try counter. */
SSCARD_API sscard_rc sscard_pin_unblock(sscard_card *card, sscard_keys *keys,
                                        const char *df);
/* PIN RELOAD: EXTERNAL AUTHENTICATE with the "unblock" key (PUK), then
 * 84 24 00 01 Lc <encrypted PIN block> <MAC>, both by the "line" key's
 * process key for one challenge: sets a new PIN (4..12 digits); the PIN
 * block is <count> <BCD, F-padded> 80 00.. to whole blocks. */
SSCARD_API sscard_rc sscard_pin_reload(sscard_card *card, sscard_keys *keys,
                                       const char *df, const char *new_pin);

/* ---- protected writes ---------------------------------------------------- */

/*
 * Write one data element of SSSE (`element`: a key such as "name", a hex
 * tag such as "09", or a label; `text`: its display form, as cardtool
 * shows it): EXTERNAL AUTHENTICATE with the file's update key ("update",
 * 04, for EF05/EF06; "update-ef0d", 0D, for EF0D), then the plain
 * UPDATE RECORD 00 DC <tag> <SFI<<3> Lc <tag len value> as field code
 * sends it. The element is read first (after authenticating with the read
 * key when the card requires it): if it already holds the value nothing
 * is written (*written = 0), so a re-run after a torn write repairs the
 * element and a re-run after success is harmless. After writing, the
 * element is read back and compared (*written = 1).
 * Errors: SSCARD_E_TORN_WRITE when the card vanished mid-write (the
 * detail names the element that may be damaged), SSCARD_E_VERIFY_FAILED
 * when the read-back differs, SSCARD_E_KEYS_MISMATCH when the card
 * refuses the update key, the codec's errors for a bad value.
 */
SSCARD_API sscard_rc sscard_write_element(sscard_card *card, sscard_keys *keys,
                                          const char *element, const char *text,
                                          int *written);
/* The same with `flags`: SSCARD_WRITE_FORCE (sscard/ssc.h) writes a value
 * that clashes with the card's other data (a deliberate repair); a value
 * that fails its own format is refused whatever the flags.
 * sscard_write_element() is this with 0: before anything is sent, the
 * card's data as it would be after the write is validated as
 * sscard_check_write() does, and a write that would make it invalid is
 * SSCARD_E_DATA_INVALID with the reason in the card's detail. */
SSCARD_API sscard_rc sscard_write_element_flags(sscard_card *card, sscard_keys *keys,
                                                const char *element, const char *text,
                                                unsigned flags, int *written);

#ifdef __cplusplus
}
#endif
#endif
