/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Concurrency (issue #9). The library keeps no global mutable state, so
 * threads that each own a context (and their cards) need no lock: two
 * threads hammer two in-process simulated cards at once and every answer
 * must be exactly what the same calls give single-threaded, with each
 * context's trace seeing only its own card's APDUs.
 *
 * A context shared by two threads is NOT safe without a lock: the
 * contract (include/sscard/context.h, "one context per thread, or guard a
 * shared context with your own lock") is exercised here in its documented
 * form: one context, two threads, every library call under the caller's
 * mutex. Run under ThreadSanitizer or helgrind to check the claim:
 *   meson setup build-tsan -Db_sanitize=thread -Db_lundef=false
 *   meson test -C build-tsan threads
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <sscard/sscard.h>

#define ROUNDS 2000
#define VALUE_MAX 128

typedef struct expected {
	size_t n;
	char value[32][VALUE_MAX];
	int present[32];
	unsigned long apdus_per_round; /* read_basic + pin_tries on a warm card */
} expected;

typedef struct worker {
	char reader[4200];
	sscard_ctx *ctx;       /* own context, or the shared one */
	pthread_mutex_t *lock; /* the caller's lock around a shared context */
	const expected *want;
	unsigned long traced;  /* C-APDUs seen by this worker's trace callback */
	unsigned long apdus;   /* sscard_card_apdu_count at the end */
	int failures;
	char why[256];
} worker;

static const char *profile_path(char *buf, size_t sz, const char *name)
{
	const char *dir = getenv("SSCARD_VECTORS");

	if (dir == NULL)
		fail_msg("SSCARD_VECTORS is not set (run through meson test)");
	snprintf(buf, sz, "sim:%s/cards/%s", dir, name);
	return buf;
}

static void count_commands(void *ud, sscard_trace_dir dir, const char *hex)
{
	(void)hex;
	if (dir == SSCARD_TRACE_COMMAND)
		((worker *)ud)->traced++;
}

/* What one read_basic returns, single-threaded: the reference. */
static void reference(const char *reader, expected *e)
{
	sscard_ctx *ctx = NULL;
	sscard_card *card = NULL;
	sscard_basic *b = NULL;
	unsigned long before;
	int tries;

	assert_int_equal(sscard_ctx_new(&ctx), SSCARD_OK);
	assert_int_equal(sscard_connect(ctx, reader, &card), SSCARD_OK);
	assert_int_equal(sscard_basic_new(&b), SSCARD_OK);
	assert_int_equal(sscard_read_basic(card, b), SSCARD_OK);
	before = sscard_card_apdu_count(card);
	assert_int_equal(sscard_read_basic(card, b), SSCARD_OK);
	assert_int_equal(sscard_pin_tries(card, &tries), SSCARD_OK);
	e->apdus_per_round = sscard_card_apdu_count(card) - before;
	e->n = sscard_element_count();
	assert_true(e->n <= 32);
	for (size_t i = 0; i < e->n; i++) {
		const char *v = sscard_basic_value(b, i);
		e->present[i] = v != NULL;
		snprintf(e->value[i], VALUE_MAX, "%s", v ? v : "");
	}
	assert_true(e->present[sscard_element_find("card_number")]);
	sscard_basic_free(&b);
	sscard_disconnect(&card);
	sscard_ctx_free(&ctx);
}

static void lock(worker *w)
{
	if (w->lock != NULL)
		pthread_mutex_lock(w->lock);
}

static void unlock(worker *w)
{
	if (w->lock != NULL)
		pthread_mutex_unlock(w->lock);
}

static void fail_worker(worker *w, const char *what, size_t round)
{
	if (w->failures++ == 0)
		snprintf(w->why, sizeof(w->why), "%s at round %zu", what, round);
}

/* One round: read everything, check it, ask the PIN tries. */
static void round_trip(worker *w, sscard_card *card, sscard_basic *b, size_t r)
{
	int tries = -1;
	sscard_rc rc;

	lock(w);
	rc = sscard_read_basic(card, b);
	unlock(w);
	if (rc != SSCARD_OK)
		fail_worker(w, "read_basic failed", r);
	for (size_t i = 0; i < w->want->n && rc == SSCARD_OK; i++) {
		const char *v = sscard_basic_value(b, i);
		if ((v != NULL) != w->want->present[i] || (v && strcmp(v, w->want->value[i]) != 0))
			fail_worker(w, "a value differs from the single-threaded read", r);
	}
	lock(w);
	rc = sscard_pin_tries(card, &tries);
	unlock(w);
	if (rc != SSCARD_OK || tries != 3)
		fail_worker(w, "pin_tries failed", r);
}

static void *hammer(void *arg)
{
	worker *w = arg;
	sscard_card *card = NULL;
	sscard_basic *b = NULL;
	sscard_rc rc;

	lock(w);
	rc = sscard_connect(w->ctx, w->reader, &card);
	unlock(w);
	if (rc != SSCARD_OK || sscard_basic_new(&b) != SSCARD_OK) {
		fail_worker(w, "connect failed", 0);
		return NULL;
	}
	for (size_t r = 0; r < ROUNDS; r++)
		round_trip(w, card, b, r);
	w->apdus = sscard_card_apdu_count(card);
	sscard_basic_free(&b);
	lock(w);
	sscard_disconnect(&card);
	unlock(w);
	return NULL;
}

static void run_two(worker *w)
{
	pthread_t t[2];

	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer, &w[i]), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	for (int i = 0; i < 2; i++)
		if (w[i].failures != 0)
			fail_msg("thread %d: %d failures, first: %s", i, w[i].failures, w[i].why);
}

/* Two threads, a context each, two cards: no lock, exact answers, and
 * each context's trace saw exactly its own card's APDUs. */
static void test_context_per_thread(void **state)
{
	static worker w[2];
	static expected want;
	(void)state;
	memset(w, 0, sizeof(w));
	profile_path(w[0].reader, sizeof(w[0].reader), "healthy-v3.json");
	profile_path(w[1].reader, sizeof(w[1].reader), "healthy-v3.json");
	reference(w[0].reader, &want);
	for (int i = 0; i < 2; i++) {
		w[i].want = &want;
		assert_int_equal(sscard_ctx_new(&w[i].ctx), SSCARD_OK);
		assert_int_equal(sscard_ctx_set_trace(w[i].ctx, count_commands, &w[i]), SSCARD_OK);
	}
	run_two(w);
	for (int i = 0; i < 2; i++) {
		/* first round selects SSSE once, then apdus_per_round each */
		assert_int_equal(w[i].apdus, 1 + ROUNDS * want.apdus_per_round);
		assert_int_equal(w[i].traced, w[i].apdus);
		sscard_ctx_free(&w[i].ctx);
	}
}

/* The documented way to share a context: the caller's lock around every
 * call on it (and on its cards). */
static void test_shared_context_with_callers_lock(void **state)
{
	static worker w[2];
	static expected want;
	pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
	sscard_ctx *shared = NULL;
	(void)state;
	memset(w, 0, sizeof(w));
	profile_path(w[0].reader, sizeof(w[0].reader), "healthy-v3.json");
	profile_path(w[1].reader, sizeof(w[1].reader), "healthy-v3.json");
	reference(w[0].reader, &want);
	assert_int_equal(sscard_ctx_new(&shared), SSCARD_OK);
	for (int i = 0; i < 2; i++) {
		w[i].want = &want;
		w[i].ctx = shared;
		w[i].lock = &mutex;
	}
	run_two(w);
	for (int i = 0; i < 2; i++)
		assert_int_equal(w[i].apdus, 1 + ROUNDS * want.apdus_per_round);
	sscard_ctx_free(&shared);
	pthread_mutex_destroy(&mutex);
}

/* What a second thread gets while the first is inside an operation. */
typedef struct intruder {
	sscard_ctx *ctx;
	sscard_card *card; /* another card of the same context */
	const char *reader;
	sscard_rc begin_rc, connect_rc;
} intruder;

static void *intrude(void *arg)
{
	intruder *t = arg;
	sscard_card *extra = NULL;

	t->begin_rc = sscard_card_begin(t->card);
	if (t->begin_rc == SSCARD_OK)
		sscard_card_end(t->card);
	t->connect_rc = sscard_connect(t->ctx, t->reader, &extra);
	sscard_disconnect(&extra);
	return NULL;
}

static void run_intruder(intruder *t)
{
	pthread_t th;

	assert_int_equal(pthread_create(&th, NULL, intrude, t), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
}

/* A context shared without the caller's lock is detected, not undefined. */
static void test_shared_context_misuse_detected(void **state)
{
	char reader[600];
	sscard_ctx *ctx = NULL;
	sscard_card *mine = NULL;
	intruder t = {0};

	(void)state;
	profile_path(reader, sizeof(reader), "healthy-v2.json");
	assert_int_equal(sscard_ctx_new(&ctx), SSCARD_OK);
	assert_int_equal(sscard_connect(ctx, reader, &mine), SSCARD_OK);
	assert_int_equal(sscard_connect(ctx, reader, &t.card), SSCARD_OK);
	t.ctx = ctx;
	t.reader = reader;

	assert_int_equal(sscard_card_begin(mine), SSCARD_OK); /* this thread is inside */
	run_intruder(&t);
	assert_int_equal(t.begin_rc, SSCARD_E_BUSY);
	assert_int_equal(t.connect_rc, SSCARD_E_BUSY);
	assert_int_equal(sscard_card_end(mine), SSCARD_OK);

	run_intruder(&t); /* the context is free again: the other thread may use it */
	assert_int_equal(t.begin_rc, SSCARD_OK);
	assert_int_equal(t.connect_rc, SSCARD_OK);

	sscard_disconnect(&t.card);
	sscard_disconnect(&mine);
	sscard_ctx_free(&ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_context_per_thread),
		cmocka_unit_test(test_shared_context_with_callers_lock),
		cmocka_unit_test(test_shared_context_misuse_detected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
