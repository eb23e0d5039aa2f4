/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Private to libsscard: the card handle, logging and the command helper. */
#ifndef SSCARD_INTERNAL_H
#define SSCARD_INTERNAL_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sscard/sscard.h>

#define SSCARD_ATR_MAX SSCARD_ATR_MAX_LEN
#define SSCARD_DETAIL_MAX 256u
/* Largest R-APDU a transport may hand back: 65536 data bytes + SW1 SW2 */
#define SSCARD_RBUF_SIZE (65536u + 2u)

struct sscard_ctx {
	sscard_log_fn log_fn;
	void *log_ud;
	sscard_log_level log_level;
	sscard_trace_fn trace_fn;
	void *trace_ud;
	void *pcsc; /* owned by transport_pcsc.c; NULL until first use */
	char detail[SSCARD_DETAIL_MAX]; /* why the last connect/list failed */
	/* Which thread is inside an operation (0: none) and how deep; see
	 * sscard_ctx_enter(). */
	_Atomic uintptr_t owner;
	unsigned depth;
};

struct sscard_card {
	sscard_ctx *ctx;
	const sscard_transport_ops *ops;
	void *impl;
	uint8_t atr[SSCARD_ATR_MAX];
	size_t atr_len;
	uint16_t last_sw;
	unsigned long apdu_count;
	unsigned txn_depth;
	char detail[SSCARD_DETAIL_MAX];
	uint8_t *rbuf; /* SSCARD_RBUF_SIZE bytes: one R-APDU from the transport */
	/* What the application layer last selected (ssc.c keeps it so a
	 * SELECT the card is already in is not sent again). */
	int selected; /* ssc.c's enum; 0 = unknown */
	/* The card accepted a PIN or an authentication: reset it on disconnect */
	bool security_granted;
	/* A command reached the card since connect or the last reset, so the
	 * card may hold state of ours (a selected file) that a reset loses. */
	bool card_state;
	/* What the secure channel learnt of the card in the reader (sm.c):
	 * its algorithm (SSSE FCI or version; a blocked SSSE shows neither)
	 * and its identification code (the diversification factors), kept
	 * while the ATR stays the same, so a second operation does not ask
	 * again. */
	struct {
		uint8_t atr[SSCARD_ATR_MAX];
		size_t atr_len;
		int alg;
		uint8_t card_id[16];
		bool have_card_id;
	} ssc_cache;
};

/* Every operation on a context or its cards runs between these: a second
 * thread arriving meanwhile gets SSCARD_E_BUSY instead of corrupting the
 * shared PC/SC state. The owner may nest. */
sscard_rc sscard_ctx_enter(sscard_ctx *ctx);
void sscard_ctx_leave(sscard_ctx *ctx);

/* Logging: formats only when the level is enabled. */
void sscard_log(const sscard_ctx *ctx, sscard_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define SSC_ERR(ctx, ...) sscard_log((ctx), SSCARD_LOG_ERROR, __VA_ARGS__)
#define SSC_WARN(ctx, ...) sscard_log((ctx), SSCARD_LOG_WARN, __VA_ARGS__)
#define SSC_INFO(ctx, ...) sscard_log((ctx), SSCARD_LOG_INFO, __VA_ARGS__)
#define SSC_DBG(ctx, ...) sscard_log((ctx), SSCARD_LOG_DEBUG, __VA_ARGS__)

/* After vsnprintf(buf, size, ...) returned `needed`: when the text did not
 * fit, cut it on a character boundary (and a word boundary when one is
 * near) and end it with "…", so a detail is never cut mid-character. */
void sscard_text_fit(char *buf, size_t size, int needed);

/* English text of a status word with its count filled in ("wrong PIN,
 * 2 tries left", "1 try left"), else sscard_sw_text(). */
void sscard_sw_describe(uint16_t sw, char *out, size_t outsz);

/* Wipe a secret (OPENSSL_cleanse: not optimised away). */
void sscard_wipe(void *p, size_t len);

/* Record a human detail for the last error on `card` and return rc. */
sscard_rc sscard_card_fail(sscard_card *card, sscard_rc rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void sscard_card_clear_detail(sscard_card *card);
/* The card was reset: nothing selected, nothing granted any more. */
void sscard_card_forget_state(sscard_card *card);
/* SELECT SSSE asking for its FCI (lib/ssc.c; the secure channel reads
 * the algorithm from it): *fcilen bytes of it in fci. */
sscard_rc sscard_ssc_select_fci(sscard_card *card, uint8_t *fci, size_t fcisz,
                                size_t *fcilen);
/* The same for failures before there is a card (connect, list): logged as
 * an error and kept for sscard_ctx_last_detail(). */
sscard_rc sscard_ctx_fail(sscard_ctx *ctx, sscard_rc rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * The command helper every module uses: sscard_exchange() and then the
 * status word mapped through the one table (lib/sw.c). Returns SSCARD_OK
 * for 9000, otherwise the mapped error with the card's detail set
 * ("READ RECORD: 6A83 record not found"). `what` names the command.
 */
sscard_rc sscard_card_cmd(sscard_card *card, const char *what,
                          const sscard_apdu *apdu, uint8_t *resp,
                          size_t respsz, size_t *resplen);

/* Transport constructors (each in its own file). */
sscard_rc sscard_pcsc_connect(sscard_ctx *ctx, const char *reader,
                              const sscard_transport_ops **ops, void **impl);
sscard_rc sscard_pcsc_list(sscard_ctx *ctx, sscard_reader_list **out);
void sscard_pcsc_ctx_free(sscard_ctx *ctx);
sscard_rc sscard_sim_transport_open(sscard_ctx *ctx, const char *profile_path,
                                    const sscard_transport_ops **ops, void **impl);

#endif
