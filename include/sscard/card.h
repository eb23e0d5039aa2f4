/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sscard: readers, card connections, transports and APDU exchange. */
#ifndef SSCARD_CARD_H
#define SSCARD_CARD_H

#include <stddef.h>
#include <stdint.h>

#include <sscard/context.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sscard_card sscard_card;
typedef struct sscard_reader_list sscard_reader_list;

/* ---- readers ---------------------------------------------------------- */

/* Reader features (bit mask) */
#define SSCARD_FEATURE_PINPAD_VERIFY 0x1u  /* FEATURE_VERIFY_PIN_DIRECT */
#define SSCARD_FEATURE_PINPAD_MODIFY 0x2u  /* FEATURE_MODIFY_PIN_DIRECT */

SSCARD_API sscard_rc sscard_list_readers(sscard_ctx *ctx,
                                         sscard_reader_list **out);
SSCARD_API void sscard_reader_list_free(sscard_reader_list **list);
SSCARD_API size_t sscard_reader_list_count(const sscard_reader_list *list);
SSCARD_API const char *sscard_reader_list_name(const sscard_reader_list *list,
                                               size_t i);
SSCARD_API int sscard_reader_list_card_present(const sscard_reader_list *list,
                                               size_t i);
/* The ATR of the card in reader i; *len is 0 when there is no card. */
SSCARD_API sscard_rc sscard_reader_list_atr(const sscard_reader_list *list,
                                            size_t i, const uint8_t **atr,
                                            size_t *len);
SSCARD_API unsigned sscard_reader_list_features(const sscard_reader_list *list,
                                                size_t i);

/* How a reader name a user gave designates a reader: the rule
 * sscard_connect(3) picks by (the best level wins; several readers at the
 * best level below EXACT are ambiguous). */
#define SSCARD_MATCH_NONE 0
#define SSCARD_MATCH_NOCASE 1    /* a part of the name when case is ignored */
#define SSCARD_MATCH_SUBSTRING 2 /* a part of the name */
#define SSCARD_MATCH_EXACT 3     /* the name itself */
SSCARD_API int sscard_reader_match(const char *name, const char *wanted);

/* ---- transports ------------------------------------------------------- */

/*
 * A transport moves encoded APDUs to a card and back. The library ships
 * two (PC/SC and the in-process simulator); tests, fuzzers and
 * integrators may plug in their own with sscard_connect_transport().
 * Only `transmit` and `close` are mandatory.
 */
typedef struct sscard_transport_ops {
	const char *name;
	/* Exchange one APDU. `rapdu` has room for `*rlen` bytes; on success
	 * *rlen holds the answer's length (data + SW1 SW2). */
	sscard_rc (*transmit)(void *impl, const uint8_t *capdu, size_t clen,
	                      uint8_t *rapdu, size_t *rlen);
	/* Reset the card (cold = power cycle) and return its new ATR in `atr`
	 * (room for *atrlen bytes). */
	sscard_rc (*reset)(void *impl, int cold, uint8_t *atr, size_t *atrlen);
	/* Current ATR. */
	sscard_rc (*get_atr)(void *impl, uint8_t *atr, size_t *atrlen);
	/* Transmission protocol in use: 0 (T=0) or 1 (T=1). */
	int (*protocol)(void *impl);
	/* Hold the card for a multi-APDU operation (SCardBeginTransaction). */
	sscard_rc (*begin)(void *impl);
	sscard_rc (*end)(void *impl);
	/* Reader features, SSCARD_FEATURE_* */
	unsigned (*features)(void *impl);
	/* Release everything; called once by sscard_disconnect(). */
	void (*close)(void *impl);
} sscard_transport_ops;

/*
 * Connect to a card. `reader` is:
 *   NULL          the SSCARD_READER environment variable, else the first
 *                 reader holding a card;
 *   "sim:PATH"    the in-process simulator serving the profile at PATH;
 *   anything else a PC/SC reader name, exact or a unique substring.
 */
SSCARD_API sscard_rc sscard_connect(sscard_ctx *ctx, const char *reader,
                                    sscard_card **out);
/* Connect through a caller's transport; the card owns `impl` from now on
 * (ops->close is called on failure too). */
SSCARD_API sscard_rc sscard_connect_transport(sscard_ctx *ctx,
                                              const sscard_transport_ops *ops,
                                              void *impl, sscard_card **out);
SSCARD_API void sscard_disconnect(sscard_card **card);

SSCARD_API sscard_rc sscard_card_atr(const sscard_card *card,
                                     const uint8_t **atr, size_t *len);
SSCARD_API int sscard_card_protocol(const sscard_card *card);
SSCARD_API unsigned sscard_card_features(const sscard_card *card);
SSCARD_API const char *sscard_card_transport(const sscard_card *card);
/* Last status word the card answered (0 if none yet). */
SSCARD_API uint16_t sscard_card_last_sw(const sscard_card *card);
/* Human detail of the last error on this card ("" if none). */
SSCARD_API const char *sscard_card_last_detail(const sscard_card *card);
/* APDUs exchanged with the card since connect (GET RESPONSE included). */
SSCARD_API unsigned long sscard_card_apdu_count(const sscard_card *card);
/* Reset the card; the selected application is lost. */
SSCARD_API sscard_rc sscard_card_reset(sscard_card *card, int cold);
/* Hold the card across several calls (nestable). */
SSCARD_API sscard_rc sscard_card_begin(sscard_card *card);
SSCARD_API sscard_rc sscard_card_end(sscard_card *card);

/* ---- APDUs ------------------------------------------------------------ */

#define SSCARD_APDU_SENSITIVE 0x1u /* data is a PIN or key: masked in traces */
#define SSCARD_APDU_EXTENDED 0x2u  /* use extended length fields */
#define SSCARD_APDU_CHAIN 0x4u     /* send data over 255 bytes by command chaining */
#define SSCARD_APDU_CASE3 0x8u     /* send without Le (ISO case 3, as field code
                                      sends e.g. a PSAM's 80 FA) and collect up
                                      to ne bytes the card announces with 61xx */

#define SSCARD_APDU_MAX_SHORT_NC 255u
#define SSCARD_APDU_MAX_NC 65535u
#define SSCARD_APDU_MAX_NE 65536u
/* Largest encoded C-APDU: header, 3-byte Lc, 65535 data, 2-byte Le */
#define SSCARD_APDU_MAX_ENCODED (4u + 3u + 65535u + 2u)

typedef struct sscard_apdu {
	uint8_t cla, ins, p1, p2;
	const uint8_t *data; /* Nc bytes of command data, or NULL */
	size_t nc;           /* 0..65535 */
	size_t ne;           /* 0 = no Le field; 1..256 short, up to 65536 extended */
	unsigned flags;      /* SSCARD_APDU_* */
} sscard_apdu;

/* 1 if the command's data is secret, so traces mask it (and the library
 * wipes its copies): SSCARD_APDU_SENSITIVE is set, or the instruction is
 * VERIFY (20), CHANGE REFERENCE DATA / PIN RELOAD / UNBLOCK (24), RESET
 * RETRY COUNTER (2C), CHANGE PIN (5E), EXTERNAL (82) or INTERNAL (88)
 * AUTHENTICATE, whatever the class. 0 otherwise (and for NULL). */
SSCARD_API int sscard_apdu_sensitive(const sscard_apdu *apdu);

/* Encode per ISO 7816-4 (case 1, 2, 3 or 4; short or extended). */
SSCARD_API sscard_rc sscard_apdu_encode(const sscard_apdu *apdu, uint8_t *out,
                                        size_t outsz, size_t *outlen);
/* Parse an encoded C-APDU; apdu->data points into `buf`. */
SSCARD_API sscard_rc sscard_apdu_parse(const uint8_t *buf, size_t len,
                                       sscard_apdu *apdu);

/*
 * Send one command through the single exchange path: T=0 61xx answered
 * with GET RESPONSE (bounded), 6Cxx resent once with the right Le, long
 * data chained when SSCARD_APDU_CHAIN is set. Returns SSCARD_OK when the
 * card answered (whatever the status word, found in *sw), or the transport
 * error. Answers longer than `respsz` or than Ne are SSCARD_E_BAD_RESPONSE.
 */
SSCARD_API sscard_rc sscard_exchange(sscard_card *card, const sscard_apdu *apdu,
                                     uint8_t *resp, size_t respsz,
                                     size_t *resplen, uint16_t *sw);
/* Raw form of sscard_exchange(): `rapdu` receives data + SW1 SW2. */
SSCARD_API sscard_rc sscard_transmit(sscard_card *card, const uint8_t *capdu,
                                     size_t clen, uint8_t *rapdu, size_t rsz,
                                     size_t *rlen);

/* ---- status words ----------------------------------------------------- */

/* Map a status word to an sscard_rc (9000 and 61xx -> SSCARD_OK). */
SSCARD_API sscard_rc sscard_sw_rc(uint16_t sw);
/* English / Chinese meaning of a status word; never NULL. */
SSCARD_API const char *sscard_sw_text(uint16_t sw);
SSCARD_API const char *sscard_sw_text_zh(uint16_t sw);

/* ---- hex (the one codec the library and cardtool share) -------------- */

/* Upper-case hex of `in` into `out` (NUL-terminated, truncated to fit
 * outsz: give 2*len+1); returns the number of characters written. */
SSCARD_API size_t sscard_hex_encode(const uint8_t *in, size_t len, char *out,
                                    size_t outsz);
/* Hex to bytes; spaces and colons may separate bytes. An odd digit count
 * or a non-hex character is SSCARD_E_INVALID_ARG; more bytes than outsz is
 * SSCARD_E_BUFFER_TOO_SMALL. */
SSCARD_API sscard_rc sscard_hex_decode(const char *in, uint8_t *out,
                                       size_t outsz, size_t *outlen);

#ifdef __cplusplus
}
#endif
#endif
