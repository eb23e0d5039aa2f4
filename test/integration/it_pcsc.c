/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Integration tests of the PC/SC transport against a real pcscd + vpcd +
 * cardsim, run inside test/integration/sandbox.sh:
 *   it_pcsc TEST PROFILE [PROFILE2]
 * The sandbox's environment names the readers, the cardsim pids and the
 * pcscd restart script. Each test prints what it checked; exit 0 = pass.
 * Answers are compared with the same profile served in-process (lib/sim),
 * so "the same card" means the same bytes through both ways in.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <winscard.h>

#include "internal.h"
#include "pcsc_state.h"
#include "sim/sim.h"

#define CHECK(cond, ...)                                                         \
	do {                                                                     \
		if (!(cond)) {                                                   \
			fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                            \
			fputc('\n', stderr);                                     \
			exit(1);                                                 \
		}                                                                \
	} while (0)
#define CHECK_RC(expr, want)                                                     \
	do {                                                                     \
		sscard_rc got_ = (expr);                                         \
		CHECK(got_ == (want), "%s returned %s, wanted %s", #expr,        \
		      sscard_rc_name(got_), sscard_rc_name(want));               \
	} while (0)

#define RAPDU_MAX 4096u
#define WAIT_MS 15000

/* Deterministic commands: same answers on every fresh card of a profile. */
static const char *const script[] = {
	"00A404000F7378312E73682EC9E7BBE1B1A3D5CF", /* SELECT SSSE by name */
	"00B2072800",                               /* READ RECORD tag 07 (card number), SFI 5 */
	"00B2012800",                               /* READ RECORD tag 01 (card id), SFI 5 */
	"00A40000020000",                           /* SELECT a file that does not exist */
	"00FF000000",                               /* an instruction no card knows */
};
#define NSCRIPT (sizeof script / sizeof script[0])

static const char *env(const char *name)
{
	const char *v = getenv(name);
	CHECK(v != NULL && v[0] != '\0', "%s not set: run me inside sandbox.sh", name);
	return v;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static sscard_ctx *new_ctx(void)
{
	sscard_ctx *ctx = NULL;
	CHECK_RC(sscard_ctx_new(&ctx), SSCARD_OK);
	return ctx;
}

/* One command through the library; the answer as upper-case hex. */
static sscard_rc send_hex(sscard_card *card, const char *hex, char *out, size_t outsz)
{
	uint8_t c[512], r[RAPDU_MAX];
	size_t clen = 0, rlen = 0;
	CHECK_RC(sscard_hex_decode(hex, c, sizeof c, &clen), SSCARD_OK);
	sscard_rc rc = sscard_transmit(card, c, clen, r, sizeof r, &rlen);
	if (rc == SSCARD_OK && out)
		sscard_hex_encode(r, rlen, out, outsz);
	return rc;
}

/* Connect, retrying while the reader has no card yet (cardsim reconnecting). */
static sscard_card *connect_wait(sscard_ctx *ctx, const char *reader)
{
	sscard_card *card = NULL;
	sscard_rc rc = SSCARD_E_NO_CARD;
	for (long long end = now_ms() + WAIT_MS; now_ms() < end; sleep_ms(100)) {
		rc = sscard_connect(ctx, reader, &card);
		if (rc == SSCARD_OK)
			return card;
	}
	CHECK(0, "connect \"%s\": %s", reader, sscard_rc_name(rc));
	return NULL;
}

/* The script's answers from the profile served in-process. */
static void expected_answers(const char *profile, char answers[NSCRIPT][2 * RAPDU_MAX + 1])
{
	char where[512];
	snprintf(where, sizeof where, "sim:%s", profile);
	sscard_ctx *ctx = new_ctx();
	sscard_card *card = NULL;
	CHECK_RC(sscard_connect(ctx, where, &card), SSCARD_OK);
	for (size_t i = 0; i < NSCRIPT; i++)
		CHECK_RC(send_hex(card, script[i], answers[i], 2 * RAPDU_MAX + 1), SSCARD_OK);
	sscard_disconnect(&card);
	sscard_ctx_free(&ctx);
}

static char expect_buf[NSCRIPT][2 * RAPDU_MAX + 1];

/* Run the script on `card` and compare with the in-process answers. */
static void check_script(sscard_card *card, const char *profile)
{
	char got[2 * RAPDU_MAX + 1];
	expected_answers(profile, expect_buf);
	for (size_t i = 0; i < NSCRIPT; i++) {
		CHECK_RC(send_hex(card, script[i], got, sizeof got), SSCARD_OK);
		CHECK(strcmp(got, expect_buf[i]) == 0, "%s: pcsc %s, in-process %s", script[i], got,
		      expect_buf[i]);
	}
	printf("ok: %zu commands answered alike through pcscd and in-process\n", NSCRIPT);
}

static void profile_atr(const char *profile, uint8_t *atr, size_t *len)
{
	char err[256] = "";
	sscard_sim *sim = NULL;
	CHECK_RC(sscard_sim_load(profile, &sim, err, sizeof err), SSCARD_OK);
	*len = SSCARD_ATR_MAX;
	CHECK_RC(sscard_sim_power_on(sim, 1, atr, len), SSCARD_OK);
	sscard_sim_free(&sim);
}

/* ---- tests ---------------------------------------------------------------- */

static int test_list(const char *profile)
{
	sscard_ctx *ctx = new_ctx();
	sscard_reader_list *list = NULL;
	uint8_t want[SSCARD_ATR_MAX];
	size_t wantlen, n, found = 0;
	profile_atr(profile, want, &wantlen);
	CHECK_RC(sscard_list_readers(ctx, &list), SSCARD_OK);
	n = sscard_reader_list_count(list);
	CHECK(n == 2, "vpcd serves 2 readers, listed %zu", n);
	for (size_t i = 0; i < n; i++) {
		const char *name = sscard_reader_list_name(list, i);
		const uint8_t *atr;
		size_t len;
		CHECK_RC(sscard_reader_list_atr(list, i, &atr, &len), SSCARD_OK);
		CHECK(sscard_reader_list_features(list, i) == 0, "vpcd has no PIN pad");
		if (strcmp(name, env("SSCARD_SANDBOX_READER")) == 0) {
			found++;
			CHECK(sscard_reader_list_card_present(list, i), "card in %s", name);
			CHECK(len == wantlen && memcmp(atr, want, len) == 0, "ATR of %s", name);
		} else {
			CHECK(!sscard_reader_list_card_present(list, i), "no card in %s", name);
			CHECK(len == 0, "no ATR without a card");
		}
	}
	CHECK(found == 1, "reader %s listed", env("SSCARD_SANDBOX_READER"));
	CHECK(sscard_reader_list_name(list, n) == NULL, "out of range name is NULL");
	sscard_reader_list_free(&list);
	CHECK(list == NULL, "list freed");

	/* reader selection: ambiguous and missing names are typed errors */
	sscard_card *card = NULL;
	CHECK_RC(sscard_connect(ctx, "Virtual PCD", &card), SSCARD_E_READER_AMBIGUOUS);
	const char *why = sscard_ctx_last_detail(ctx);
	CHECK(strstr(why, env("SSCARD_SANDBOX_READER")) && strstr(why, env("SSCARD_SANDBOX_READER2")),
	      "ambiguous name lists the readers: %s", why);
	CHECK_RC(sscard_connect(ctx, "No Such Reader", &card), SSCARD_E_NO_READER);
	why = sscard_ctx_last_detail(ctx);
	CHECK(strstr(why, "No Such Reader") && strstr(why, env("SSCARD_SANDBOX_READER")),
	      "missing name lists the readers: %s", why);
	CHECK_RC(sscard_connect(ctx, env("SSCARD_SANDBOX_READER2"), &card), SSCARD_E_NO_CARD);
	/* SSCARD_READER picks the reader when none is named */
	setenv("SSCARD_READER", "00 00", 1);
	CHECK_RC(sscard_connect(ctx, NULL, &card), SSCARD_OK);
	sscard_disconnect(&card);
	unsetenv("SSCARD_READER");
	/* no name at all: the first reader with a card */
	CHECK_RC(sscard_connect(ctx, NULL, &card), SSCARD_OK);
	const uint8_t *atr;
	size_t len;
	CHECK_RC(sscard_card_atr(card, &atr, &len), SSCARD_OK);
	CHECK(len == wantlen && memcmp(atr, want, len) == 0, "card ATR = profile ATR");
	CHECK(strcmp(sscard_card_transport(card), "pcsc") == 0, "transport name");
	sscard_disconnect(&card);
	sscard_ctx_free(&ctx);
	printf("ok: list, ATR, reader selection\n");
	return 0;
}

static int test_transmit(const char *profile)
{
	sscard_ctx *ctx = new_ctx();
	sscard_card *card = connect_wait(ctx, "00 00");
	CHECK_RC(sscard_card_begin(card), SSCARD_OK);
	check_script(card, profile);
	CHECK_RC(sscard_card_end(card), SSCARD_OK);
	/* vpcd has no PIN pad: the feature is absent and PIN-pad entry refused */
	uint16_t sw = 0;
	CHECK(sscard_card_features(card) == 0, "vpcd features");
	CHECK_RC(sscard_pcsc_pinpad(card, false, &sw), SSCARD_E_NOT_IMPLEMENTED);
	CHECK_RC(sscard_pcsc_pinpad(card, true, &sw), SSCARD_E_NOT_IMPLEMENTED);
	/* a warm reset through the library gives the ATR again */
	CHECK_RC(sscard_card_reset(card, 0), SSCARD_OK);
	uint8_t want[SSCARD_ATR_MAX];
	size_t wantlen, len;
	const uint8_t *atr;
	profile_atr(profile, want, &wantlen);
	CHECK_RC(sscard_card_atr(card, &atr, &len), SSCARD_OK);
	CHECK(len == wantlen && memcmp(atr, want, len) == 0, "ATR after reset");
	sscard_disconnect(&card);
	sscard_ctx_free(&ctx);
	return 0;
}

/* Another application resets the card between two of our commands. */
static int test_reset_other(const char *profile)
{
	(void)profile;
	sscard_ctx *ctx = new_ctx();
	sscard_card *card = connect_wait(ctx, env("SSCARD_SANDBOX_READER"));
	CHECK_RC(send_hex(card, script[0], NULL, 0), SSCARD_OK);

	SCARDCONTEXT other;
	SCARDHANDLE h;
	DWORD proto;
	CHECK(SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &other) == SCARD_S_SUCCESS,
	      "second context");
	CHECK(SCardConnect(other, env("SSCARD_SANDBOX_READER"), SCARD_SHARE_SHARED,
	                   SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &h, &proto) == SCARD_S_SUCCESS,
	      "second connection");
	CHECK(SCardReconnect(h, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
	                     SCARD_RESET_CARD, &proto) == SCARD_S_SUCCESS,
	      "reset by the other application");
	SCardDisconnect(h, SCARD_LEAVE_CARD);
	SCardReleaseContext(other);

	CHECK_RC(send_hex(card, script[1], NULL, 0), SSCARD_E_CARD_RESET);
	/* recovered: the next command goes through (state must be rebuilt) */
	CHECK_RC(send_hex(card, script[0], NULL, 0), SSCARD_OK);
	CHECK_RC(send_hex(card, script[1], NULL, 0), SSCARD_OK);
	/* inside a transaction too */
	CHECK(SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &other) == SCARD_S_SUCCESS, "ctx");
	CHECK(SCardConnect(other, env("SSCARD_SANDBOX_READER"), SCARD_SHARE_SHARED,
	                   SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &h, &proto) == SCARD_S_SUCCESS,
	      "second connection again");
	CHECK(SCardReconnect(h, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
	                     SCARD_RESET_CARD, &proto) == SCARD_S_SUCCESS, "reset");
	SCardDisconnect(h, SCARD_LEAVE_CARD);
	SCardReleaseContext(other);
	sscard_rc rc = sscard_card_begin(card);
	CHECK(rc == SSCARD_E_CARD_RESET, "begin after reset: %s", sscard_rc_name(rc));
	CHECK_RC(sscard_card_begin(card), SSCARD_OK);
	CHECK_RC(send_hex(card, script[0], NULL, 0), SSCARD_OK);
	CHECK_RC(sscard_card_end(card), SSCARD_OK);
	sscard_disconnect(&card);
	sscard_ctx_free(&ctx);
	printf("ok: reset by another client -> CARD_RESET, then recovered\n");
	return 0;
}

/* pcscd is killed and started again while we hold the card. */
static int test_pcscd_restart(const char *profile)
{
	sscard_ctx *ctx = new_ctx();
	sscard_card *card = connect_wait(ctx, env("SSCARD_SANDBOX_READER"));
	CHECK_RC(send_hex(card, script[0], NULL, 0), SSCARD_OK);
	char cmd[600];
	snprintf(cmd, sizeof cmd, "%s/restart-pcscd", env("SSCARD_SANDBOX_DIR"));
	CHECK(system(cmd) == 0, "restart pcscd");

	/* The first calls fail with a typed error (pcscd gone, card not back
	 * yet), then the transport reconnects and says the state was lost. */
	sscard_rc rc = SSCARD_E_NO_SERVICE;
	bool saw_reset = false;
	for (long long end = now_ms() + WAIT_MS; now_ms() < end; sleep_ms(100)) {
		rc = send_hex(card, script[0], NULL, 0);
		saw_reset = saw_reset || rc == SSCARD_E_CARD_RESET;
		if (rc == SSCARD_OK)
			break;
		CHECK(rc == SSCARD_E_NO_SERVICE || rc == SSCARD_E_CARD_RESET || rc == SSCARD_E_NO_CARD ||
		      rc == SSCARD_E_NO_READER || rc == SSCARD_E_CARD_REMOVED ||
		      rc == SSCARD_E_TRANSPORT,
		      "while pcscd restarts: %s", sscard_rc_name(rc));
	}
	CHECK_RC(rc, SSCARD_OK);
	CHECK(saw_reset, "the caller was told its card state was lost (CARD_RESET)");
	check_script(card, profile);
	sscard_disconnect(&card);
	/* the context itself works again: list and a fresh connect */
	sscard_reader_list *list = NULL;
	CHECK_RC(sscard_list_readers(ctx, &list), SSCARD_OK);
	CHECK(sscard_reader_list_count(list) == 2, "readers back");
	sscard_reader_list_free(&list);
	sscard_ctx_free(&ctx);
	printf("ok: pcscd restarted mid-session -> context re-established\n");
	return 0;
}

/* A card that goes mute: a typed error, in bounded time (the suite's
 * timeout is the bound; the time is printed). */
static int test_mute(const char *profile)
{
	(void)profile;
	sscard_ctx *ctx = new_ctx();
	sscard_card *card = connect_wait(ctx, env("SSCARD_SANDBOX_READER"));
	sscard_rc rc = SSCARD_OK;
	int sent = 0;
	long long t0 = now_ms();
	while (rc == SSCARD_OK && sent < 200) {
		rc = send_hex(card, script[sent % 3 == 0 ? 0 : 1], NULL, 0);
		sent++;
	}
	CHECK(rc == SSCARD_E_MUTE, "mute card after %d commands: %s", sent, sscard_rc_name(rc));
	printf("ok: mute after %d commands, typed error in %lld ms\n", sent, now_ms() - t0);
	/* and again: still mute, still typed */
	CHECK_RC(send_hex(card, script[0], NULL, 0), SSCARD_E_MUTE);
	sscard_disconnect(&card);
	sscard_ctx_free(&ctx);
	return 0;
}

/* cardsim --swap-after N: the card leaves mid-session, another comes. */
static int test_removal(const char *profile)
{
	sscard_ctx *ctx = new_ctx();
	sscard_card *card = connect_wait(ctx, env("SSCARD_SANDBOX_READER"));
	sscard_rc rc = SSCARD_OK;
	int sent = 0;
	CHECK_RC(sscard_card_begin(card), SSCARD_OK);
	while (rc == SSCARD_OK && sent < 200)
		rc = send_hex(card, script[sent++ % 2], NULL, 0);
	CHECK(rc == SSCARD_E_CARD_REMOVED, "card pulled after %d commands: %s", sent,
	      sscard_rc_name(rc));
	CHECK_RC(send_hex(card, script[0], NULL, 0), SSCARD_E_CARD_REMOVED);
	sscard_card_end(card);
	sscard_disconnect(&card);
	printf("ok: removal mid-operation -> CARD_REMOVED after %d commands\n", sent);
	/* the next card is served as soon as it is in */
	card = connect_wait(ctx, env("SSCARD_SANDBOX_READER"));
	check_script(card, profile);
	sscard_disconnect(&card);
	sscard_ctx_free(&ctx);
	return 0;
}

/* A profile whose card is pulled mid-command (faults.remove_after). */
static int test_removal_fault(const char *profile)
{
	(void)profile;
	sscard_ctx *ctx = new_ctx();
	sscard_card *card = connect_wait(ctx, env("SSCARD_SANDBOX_READER"));
	sscard_rc rc = SSCARD_OK;
	int sent = 0;
	while (rc == SSCARD_OK && sent < 200)
		rc = send_hex(card, script[sent++ % 2], NULL, 0);
	CHECK(rc == SSCARD_E_CARD_REMOVED, "after %d commands: %s", sent, sscard_rc_name(rc));
	sscard_disconnect(&card);
	/* the reader is empty now */
	CHECK_RC(sscard_connect(ctx, env("SSCARD_SANDBOX_READER"), &card), SSCARD_E_NO_CARD);
	sscard_ctx_free(&ctx);
	printf("ok: card pulled mid-command -> CARD_REMOVED after %d commands, reader empty\n", sent);
	return 0;
}

/* A card without an ATR: through vpcd it is an empty reader. */
static int test_no_atr(const char *profile)
{
	(void)profile;
	sscard_ctx *ctx = new_ctx();
	sscard_reader_list *list = NULL;
	sscard_card *card = NULL;
	CHECK_RC(sscard_list_readers(ctx, &list), SSCARD_OK);
	CHECK(sscard_reader_list_count(list) == 2, "readers");
	CHECK(!sscard_reader_list_card_present(list, 0) && !sscard_reader_list_card_present(list, 1),
	      "no card seen");
	sscard_reader_list_free(&list);
	CHECK_RC(sscard_connect(ctx, env("SSCARD_SANDBOX_READER"), &card), SSCARD_E_NO_CARD);
	CHECK_RC(sscard_connect(ctx, NULL, &card), SSCARD_E_NO_CARD);
	sscard_ctx_free(&ctx);
	printf("ok: a card without ATR reads as no card\n");
	return 0;
}

static int test_two_readers(const char *profile, const char *profile2)
{
	sscard_ctx *ctx = new_ctx();
	sscard_card *a = connect_wait(ctx, env("SSCARD_SANDBOX_READER"));
	sscard_card *b = connect_wait(ctx, env("SSCARD_SANDBOX_READER2"));
	uint8_t want[SSCARD_ATR_MAX];
	size_t wantlen, len;
	const uint8_t *atr;
	profile_atr(profile2, want, &wantlen);
	CHECK_RC(sscard_card_atr(b, &atr, &len), SSCARD_OK);
	CHECK(len == wantlen && memcmp(atr, want, len) == 0, "second card's ATR");
	CHECK_RC(sscard_card_begin(a), SSCARD_OK);
	CHECK_RC(sscard_card_begin(b), SSCARD_OK);
	check_script(a, profile);
	check_script(b, profile2);
	CHECK_RC(sscard_card_end(b), SSCARD_OK);
	CHECK_RC(sscard_card_end(a), SSCARD_OK);
	sscard_disconnect(&a);
	sscard_disconnect(&b);
	sscard_ctx_free(&ctx);
	printf("ok: two readers, two cards, one context\n");
	return 0;
}

typedef struct worker {
	const char *reader;
	const char *profile;
	int rounds;
	int ok;
} worker;

static void *worker_run(void *arg)
{
	worker *w = arg;
	sscard_ctx *ctx = new_ctx();
	sscard_card *card = connect_wait(ctx, w->reader);
	char got[2 * RAPDU_MAX + 1];
	for (int i = 0; i < w->rounds; i++) {
		if (sscard_card_begin(card) != SSCARD_OK)
			break;
		bool same = send_hex(card, script[0], NULL, 0) == SSCARD_OK &&
		            send_hex(card, script[1], got, sizeof got) == SSCARD_OK;
		sscard_card_end(card);
		if (!same)
			break;
		w->ok++;
	}
	sscard_disconnect(&card);
	sscard_ctx_free(&ctx);
	return NULL;
}

/* Two threads, a context each; on one reader (transactions serialise
 * them) and, when a second card is there, on two readers at once. */
static int test_threads(const char *profile, const char *profile2)
{
	worker w[2] = {
		{ env("SSCARD_SANDBOX_READER"), profile, 40, 0 },
		{ profile2 ? env("SSCARD_SANDBOX_READER2") : env("SSCARD_SANDBOX_READER"),
		  profile2 ? profile2 : profile, 40, 0 },
	};
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		CHECK(pthread_create(&t[i], NULL, worker_run, &w[i]) == 0, "thread");
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < 2; i++)
		CHECK(w[i].ok == w[i].rounds, "thread %d: %d of %d rounds", i, w[i].ok, w[i].rounds);
	printf("ok: two threads with a context each, %d rounds each\n", w[0].rounds);
	return 0;
}

/* Events: what is there first, then a removal and an insertion. */
static sscard_event next_event(sscard_ctx *ctx)
{
	sscard_event ev;
	sscard_rc rc = sscard_wait_event(ctx, WAIT_MS, &ev);
	CHECK(rc == SSCARD_OK, "wait_event: %s", sscard_rc_name(rc));
	return ev;
}

static void *cancel_later(void *arg)
{
	sleep_ms(300);
	CHECK_RC(sscard_cancel_wait(arg), SSCARD_OK);
	return NULL;
}

static int test_events(const char *profile)
{
	sscard_ctx *ctx = new_ctx();
	uint8_t want[SSCARD_ATR_MAX];
	size_t wantlen;
	int added = 0, inserted = 0;
	profile_atr(profile, want, &wantlen);
	for (int i = 0; i < 3; i++) {
		sscard_event ev = next_event(ctx);
		added += ev.type == SSCARD_EVENT_READER_ADDED;
		if (ev.type == SSCARD_EVENT_CARD_INSERTED) {
			inserted++;
			CHECK(strcmp(ev.reader, env("SSCARD_SANDBOX_READER")) == 0, "reader %s", ev.reader);
			CHECK(ev.atr_len == wantlen && memcmp(ev.atr, want, wantlen) == 0, "ATR");
		}
	}
	CHECK(added == 2 && inserted == 1, "initial: %d readers, %d cards", added, inserted);
	sscard_event ev;
	CHECK_RC(sscard_wait_event(ctx, 300, &ev), SSCARD_E_TIMEOUT);

	pid_t sim = (pid_t)atoi(env("SSCARD_SANDBOX_CARDSIM_PID"));
	CHECK(kill(sim, SIGUSR1) == 0, "remove the card");
	ev = next_event(ctx);
	CHECK(ev.type == SSCARD_EVENT_CARD_REMOVED, "removed: got %s", sscard_event_name(ev.type));
	CHECK(strcmp(ev.reader, env("SSCARD_SANDBOX_READER")) == 0, "removed from %s", ev.reader);
	CHECK(kill(sim, SIGUSR1) == 0, "insert the card");
	ev = next_event(ctx);
	CHECK(ev.type == SSCARD_EVENT_CARD_INSERTED, "inserted: got %s", sscard_event_name(ev.type));
	CHECK(ev.atr_len == wantlen && memcmp(ev.atr, want, wantlen) == 0, "ATR again");
	/* a wait without limit ends when another thread cancels it */
	pthread_t t;
	CHECK(pthread_create(&t, NULL, cancel_later, ctx) == 0, "thread");
	CHECK_RC(sscard_wait_event(ctx, -1, &ev), SSCARD_E_CANCELLED);
	pthread_join(t, NULL);
	sscard_ctx_free(&ctx);
	printf("ok: events: 2 readers and a card at start, removal, insertion, cancel\n");
	return 0;
}

/* Wait for `want` events of `type`, riding out pcscd restarts; counts
 * every event seen by type into seen[]. */
static void collect(sscard_ctx *ctx, sscard_event_type type, int want, int seen[5])
{
	long long end = now_ms() + WAIT_MS;
	while (seen[type] < want) {
		CHECK(now_ms() < end, "waited for %d %s, saw %d", want, sscard_event_name(type),
		      seen[type]);
		sscard_event ev;
		sscard_rc rc = sscard_wait_event(ctx, 500, &ev);
		if (rc == SSCARD_OK)
			seen[ev.type]++;
		else if (rc == SSCARD_E_NO_SERVICE)
			sleep_ms(100); /* pcscd is restarting */
		else
			CHECK(rc == SSCARD_E_TIMEOUT, "wait_event: %s", sscard_rc_name(rc));
	}
}

static void restart_pcscd(void)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "%s/restart-pcscd", env("SSCARD_SANDBOX_DIR"));
	CHECK(system(cmd) == 0, "restart pcscd");
}

/* Readers that go and come (pcscd restarted without, then with, vpcd). */
static int test_hotplug(const char *profile)
{
	(void)profile;
	char conf[600], off[600];
	snprintf(conf, sizeof conf, "%s/reader.conf.d/vpcd", env("SSCARD_SANDBOX_DIR"));
	snprintf(off, sizeof off, "%s/vpcd.off", env("SSCARD_SANDBOX_DIR"));
	sscard_ctx *ctx = new_ctx();
	int seen[5] = { 0 };
	collect(ctx, SSCARD_EVENT_READER_ADDED, 2, seen);
	collect(ctx, SSCARD_EVENT_CARD_INSERTED, 1, seen);

	CHECK(rename(conf, off) == 0, "take vpcd out of the configuration");
	restart_pcscd();
	collect(ctx, SSCARD_EVENT_READER_REMOVED, 2, seen);
	CHECK(seen[SSCARD_EVENT_CARD_REMOVED] == 1, "the card went with its reader");

	CHECK(rename(off, conf) == 0, "put vpcd back");
	restart_pcscd();
	collect(ctx, SSCARD_EVENT_READER_ADDED, 4, seen);
	collect(ctx, SSCARD_EVENT_CARD_INSERTED, 2, seen);
	sscard_ctx_free(&ctx);
	printf("ok: readers removed and added across pcscd restarts, with their card\n");
	return 0;
}

/* Print the script's raw answers from the card model itself (no GET
 * RESPONSE, no 6Cxx resend: what scriptor sees), one "C-APDU R-APDU" per
 * line, for the scriptor comparison in test_tools.sh. */
static int print_expected(const char *profile)
{
	char err[256] = "";
	sscard_sim *sim = NULL;
	uint8_t atr[SSCARD_ATR_MAX], c[512], r[RAPDU_MAX];
	size_t atrlen = sizeof atr, clen, rlen;
	char hex[2 * RAPDU_MAX + 1];
	CHECK_RC(sscard_sim_load(profile, &sim, err, sizeof err), SSCARD_OK);
	CHECK_RC(sscard_sim_power_on(sim, 1, atr, &atrlen), SSCARD_OK);
	for (size_t i = 0; i < NSCRIPT; i++) {
		CHECK_RC(sscard_hex_decode(script[i], c, sizeof c, &clen), SSCARD_OK);
		rlen = sizeof r;
		CHECK_RC(sscard_sim_apdu(sim, c, clen, r, &rlen), SSCARD_OK);
		sscard_hex_encode(r, rlen, hex, sizeof hex);
		printf("%s %s\n", script[i], hex);
	}
	sscard_sim_free(&sim);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: it_pcsc TEST PROFILE [PROFILE2]\n");
		return 2;
	}
	const char *t = argv[1], *p = argv[2], *p2 = argc > 3 ? argv[3] : NULL;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(t, "expected") == 0)
		return print_expected(p);
	if (strcmp(t, "list") == 0)
		return test_list(p);
	if (strcmp(t, "transmit") == 0)
		return test_transmit(p);
	if (strcmp(t, "reset-other") == 0)
		return test_reset_other(p);
	if (strcmp(t, "pcscd-restart") == 0)
		return test_pcscd_restart(p);
	if (strcmp(t, "mute") == 0)
		return test_mute(p);
	if (strcmp(t, "removal") == 0)
		return test_removal(p2 ? p2 : p);
	if (strcmp(t, "removal-fault") == 0)
		return test_removal_fault(p);
	if (strcmp(t, "no-atr") == 0)
		return test_no_atr(p);
	if (strcmp(t, "two-readers") == 0 && p2)
		return test_two_readers(p, p2);
	if (strcmp(t, "threads") == 0)
		return test_threads(p, p2);
	if (strcmp(t, "events") == 0)
		return test_events(p);
	if (strcmp(t, "hotplug") == 0)
		return test_hotplug(p);
	fprintf(stderr, "it_pcsc: unknown test '%s'\n", t);
	return 2;
}
