/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sscardd's card operations, run in worker threads, through libsscard's
 * public API only. One operation per reader at a time (svc_locks), each
 * inside a PC/SC transaction (sscard_card_begin/end).
 */
#ifndef SSCARDD_OPS_H
#define SSCARDD_OPS_H

#include <pthread.h>
#include <stdatomic.h>

#include "metrics.h"
#include "svc.h"

/* Which session holds which reader. */
typedef struct svc_locks svc_locks;
svc_locks *svc_locks_new(void);
void svc_locks_free(svc_locks **l);
/* Take `reader` for `owner`; false when another owner has it. */
bool svc_locks_take(svc_locks *l, const char *reader, uint64_t owner);
void svc_locks_give(svc_locks *l, const char *reader, uint64_t owner);

/* The served readers as the event thread saw them: listReaders answers
 * from here, without PC/SC calls of its own (pcsc-lite 1.9.9's client
 * crashes when a feature query's SCardDisconnect in one thread meets
 * SCardGetStatusChange in another). */
#define SVC_MAX_SEEN 16u
typedef struct svc_readers {
	pthread_mutex_t mutex;
	struct { char name[SVC_NAME_MAX]; bool card, pinpad; } r[SVC_MAX_SEEN];
	size_t n;
} svc_readers;

/* The event thread's updates, one per event (pinpad: the reader's
 * PIN-pad feature, for READER_ADDED). */
void svc_readers_update(svc_readers *rs, const sscard_event *ev, bool pinpad);
/* {"readers": [{"name", "cardPresent", "pinPad"}]} */
json_object *svc_readers_json(svc_readers *rs);

/* What every operation shares. */
typedef struct svc_env {
	svc_readers readers;
	const svc_config *cfg;
	svc_locks *locks;
	svc_metrics *metrics;
	pthread_mutex_t psam_lock; /* one computation on the PSAM at a time */
} svc_env;

/* The reader lock's owner while the kiosk diagnoses an inserted card: a
 * page's operation waits for it (a moment) instead of failing busy. */
#define SVC_KIOSK_OWNER UINT64_MAX

/* A card held between readBasicStep1 and readBasicStep2. The library ties
 * a held card (sscard_card_begin) to its thread, so the thread of Step1
 * stays with the card: it serves Step2, or the release, and ends. */
typedef enum svc_hold_cmd { SVC_HOLD_WAIT = 0, SVC_HOLD_STEP2, SVC_HOLD_RELEASE } svc_hold_cmd;

typedef struct svc_hold {
	sscard_ctx *ctx;
	sscard_card *card;
	sscard_auth_request *req;
	char reader[SVC_NAME_MAX];
	uint64_t owner;
	long long deadline_ms;
	pthread_t thread;              /* set by the loop thread */
	pthread_mutex_t mutex;
	pthread_cond_t cond;
	svc_hold_cmd cmd;
	struct svc_job *step2;         /* SVC_HOLD_STEP2: the job to run */
} svc_hold;

typedef struct svc_job {
	svc_request req;
	uint64_t session;
	svc_env *env;
	sscard_ctx *ctx;          /* the job's own (Step2: the hold's) */
	svc_hold *hold;           /* Step2: the hold it finishes; Step1: the one it makes */
	atomic_bool cancelled;
	/* outcome */
	json_object *result;
	svc_err err;
	char detail[64];          /* the library's rc name: never personal data */
	double seconds;
	/* the server's bookkeeping */
	sscard_ctx *wait_ctx;     /* what cancel wakes (never changes) */
	void *server;
	pthread_t thread;
	struct svc_job *next;
} svc_job;

/* Run the job's operation (blocking; in a worker thread). */
void svc_job_run(svc_job *job);
/* In the hold's thread: end the transaction, disconnect, free the reader. */
void svc_hold_teardown(svc_env *env, svc_hold *hold);
/* Milliseconds of CLOCK_MONOTONIC. */
long long svc_now_ms(void);

/* Result builders (also used by the fuzz harness and the tests). */
json_object *svc_basic_json(const sscard_basic *b, const uint8_t *atr, size_t atrlen);
json_object *svc_diag_json(const sscard_diag *d);
/* The ministry iReadCardBas string of a read ("" fields where absent). */
void svc_ministry_basic(const sscard_basic *b, const char *hist_hex, char *out, size_t outsz);
/* Upper-case hex of the ATR's historical bytes ("" when unparsable). */
void svc_atr_hist_hex(const uint8_t *atr, size_t len, char *out, size_t outsz);

#endif
