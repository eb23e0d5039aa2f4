/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Soak under faults (issue #9): many thousands of operations through real
 * pcscd + vpcd + cardsim while faults are injected, asserting
 *   - no crash (the run ends) and no hang (every operation is bounded by a
 *     watchdog: SIGALRM after OP_LIMIT_S seconds ends the run, exit 3);
 *   - every failure a typed sscard_rc (a named code, and never INTERNAL,
 *     INVALID_ARG, NOMEM or BUFFER_TOO_SMALL: those would be our bugs);
 *   - memory flat: RSS sampled along the run, growth after the warm-up
 *     bounded (RSS_GROWTH_MAX_KB);
 *   - no data changed on the card except by intended writes: every element
 *     a successful read returns equals the profile's own value (read
 *     in-process from the same profile, authenticated so the 3.0 holder
 *     fields are seen), except the name, which the soak itself rewrites
 *     on card 1 (protected write_element, alternating two values) and
 *     then expects; a write that failed may have landed or not, so until
 *     the next read either value is accepted. Re-inserting card 1 reloads
 *     its profile, so the expectation goes back to the profile's name.
 *     Checked at every read and, authenticated, at the end.
 *
 * Faults: reader 1 (the sandbox's cardsim, --profile) is removed and put
 * back (SIGUSR1 to $SSCARD_SANDBOX_CARDSIM_PID, cardsim's mechanism),
 * reset by another PC/SC client (SCardReconnect SCARD_RESET_CARD), and
 * pcscd is restarted once ($SSCARD_SANDBOX_DIR/restart-pcscd). Reader 2
 * is served by a cardsim of our own that goes through "spells" of the
 * profiles given (flaky answers, a card that goes mute, ...): each spell
 * is a fresh insertion, so every change is also a removal.
 *
 * usage (inside test/integration/sandbox.sh --profile HEALTHY):
 *   soak OPS SECONDS HEALTHY_PROFILE [SPELL_PROFILE...]
 * Stops after OPS operations or SECONDS, whichever first (the pcscd
 * restart happens at half of either). Exit 0 when every assertion held.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <winscard.h>

#include <sscard/sscard.h>

#include "bench_pcsc.h"
#include "bench_util.h"

/* AddressSanitizer keeps freed memory in quarantine, so RSS grows by
 * design there; its LeakSanitizer checks leaks instead. */
#if defined(__SANITIZE_ADDRESS__)
#define RSS_MEANINGFUL 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RSS_MEANINGFUL 0
#endif
#endif
#ifndef RSS_MEANINGFUL
#define RSS_MEANINGFUL 1
#endif

#define OP_LIMIT_S 15
#define RSS_GROWTH_MAX_KB 512
#define N_ELEMENTS_MAX 32
#define VALUE_MAX 128
#define RC_SLOTS 128
#define REMOVAL_EVERY 250   /* ops between removals of card 1 */
#define REMOVAL_OPS 20      /* ops card 1 stays out */
#define RESET_EVERY 97      /* ops between resets of card 1 by another client */
#define SPELL_OPS 400       /* ops per spell on reader 2 ... */
#define SPELL_MS 8000.0     /* ... or this long, whichever first */
#define BACKOFF_US 20000    /* pause after a lost connection */

/* The values a profile's card holds: what every read must return. */
typedef struct reference {
	int have[N_ELEMENTS_MAX];
	char value[N_ELEMENTS_MAX][VALUE_MAX];
} reference;

typedef struct slot {
	const char *reader;
	const char *profile;
	char pin[16];
	sscard_card *card;
	sscard_keys *keys;    /* the profile's test keys, or NULL */
	reference ref;
	char original_name[VALUE_MAX];
	char maybe_name[VALUE_MAX]; /* a failed write's value: may have landed */
	int writes;           /* this slot gets authenticate + write ops */
	unsigned long ops, ok;
} slot;

typedef struct soak {
	sscard_ctx *ctx;
	slot s[2];
	unsigned long ops;
	unsigned long errors[RC_SLOTS];
	unsigned long untyped, mismatches;
	unsigned long removals, resets, restarts, spells, ok_after_restart;
	unsigned long writes_sent, writes_done;
	double worst_ms;
	long rss_warm, rss_max, rss_end;
} soak;

static volatile sig_atomic_t current_op;

static void on_alarm(int sig)
{
	static const char msg[] = "soak: FAIL: an operation hung (watchdog)\n";

	(void)sig;
	(void)current_op;
	(void)!write(2, msg, sizeof(msg) - 1);
	_exit(3);
}

/* ---- the truth: the profile read in-process ------------------------------ */

static void merge_reference(reference *ref, const sscard_basic *b)
{
	for (size_t i = 0; i < sscard_element_count() && i < N_ELEMENTS_MAX; i++) {
		const char *v = sscard_basic_value(b, i);
		if (v != NULL && !ref->have[i]) {
			snprintf(ref->value[i], VALUE_MAX, "%s", v);
			ref->have[i] = 1;
		}
	}
}

/* Several in-process reads (a flaky card hides different elements each
 * time), authenticated when there are keys; a mute or removed card may
 * give nothing, and then nothing is compared. */
static void load_reference(sscard_ctx *ctx, const char *profile, sscard_keys *keys,
                           reference *ref)
{
	char reader[4200];

	memset(ref, 0, sizeof(*ref));
	snprintf(reader, sizeof(reader), "sim:%s", profile);
	for (int k = 0; k < 8; k++) {
		sscard_card *card = NULL;
		sscard_basic *b = NULL;

		if (sscard_connect(ctx, reader, &card) == SSCARD_OK && sscard_basic_new(&b) == SSCARD_OK) {
			if (keys != NULL)
				(void)sscard_authenticate(card, keys, NULL, NULL);
			if (sscard_read_basic(card, b) == SSCARD_OK)
				merge_reference(ref, b);
		}
		sscard_basic_free(&b);
		sscard_disconnect(&card);
	}
}

static sscard_keys *open_keys(sscard_ctx *ctx, const char *profile)
{
	char path[64];
	sscard_keys *keys = NULL;

	if (bench_keystore_copy(profile, path, sizeof(path)) != 0)
		return NULL;
	if (sscard_keys_open_file(ctx, path, &keys) != SSCARD_OK)
		keys = NULL;
	unlink(path);
	return keys;
}

/* A slot's card and what it must hold, from its profile. */
static void slot_load(soak *sk, slot *s, const char *profile)
{
	int name = sscard_element_find("name");

	s->profile = profile;
	sscard_keys_free(&s->keys);
	s->keys = open_keys(sk->ctx, profile);
	load_reference(sk->ctx, profile, s->keys, &s->ref);
	if (bench_profile_pin(profile, s->pin, sizeof(s->pin)) != 0)
		snprintf(s->pin, sizeof(s->pin), "123456");
	snprintf(s->original_name, VALUE_MAX, "%s", s->ref.have[name] ? s->ref.value[name] : "");
	s->maybe_name[0] = '\0';
}

/* The card was put back: its profile was reloaded, so was its name. */
static void slot_reinserted(slot *s)
{
	int name = sscard_element_find("name");

	snprintf(s->ref.value[name], VALUE_MAX, "%s", s->original_name);
	s->maybe_name[0] = '\0';
}

/* Does `v`, read for element i, match what the card must hold? A
 * pending failed write's value is accepted once and becomes the truth. */
static int matches(slot *s, size_t i, const char *v)
{
	if (strcmp(v, s->ref.value[i]) == 0) {
		if ((int)i == sscard_element_find("name"))
			s->maybe_name[0] = '\0';
		return 1;
	}
	if ((int)i == sscard_element_find("name") && s->maybe_name[0] != '\0' &&
	    strcmp(v, s->maybe_name) == 0) {
		snprintf(s->ref.value[i], VALUE_MAX, "%s", s->maybe_name);
		s->maybe_name[0] = '\0';
		return 1;
	}
	return 0;
}

/* Elements a read returned that differ from the card's data. */
static unsigned long compare(slot *s, const sscard_basic *b)
{
	const reference *ref = &s->ref;
	unsigned long bad = 0;

	for (size_t i = 0; i < sscard_element_count() && i < N_ELEMENTS_MAX; i++) {
		const char *v = sscard_basic_value(b, i);
		if (v != NULL && ref->have[i] && !matches(s, i, v)) {
			fprintf(stderr, "soak: element %s reads \"%s\", the card holds \"%s\"\n",
			        sscard_element_key(i), v, ref->value[i]);
			bad++;
		}
	}
	return bad;
}

/* ---- operations ----------------------------------------------------------- */

static int typed(sscard_rc rc)
{
	return strcmp(sscard_rc_name(rc), "UNKNOWN") != 0 && rc != SSCARD_E_INTERNAL &&
	       rc != SSCARD_E_INVALID_ARG && rc != SSCARD_E_NOMEM && rc != SSCARD_E_BUFFER_TOO_SMALL;
}

/* Errors after which the connection is dropped and made again. */
static int connection_lost(sscard_rc rc)
{
	static const sscard_rc lost[] = {
		SSCARD_E_CARD_REMOVED, SSCARD_E_CARD_RESET, SSCARD_E_NO_CARD,  SSCARD_E_MUTE,
		SSCARD_E_TRANSPORT,    SSCARD_E_NO_SERVICE, SSCARD_E_NO_READER, SSCARD_E_TIMEOUT,
		SSCARD_E_SHARING,
	};
	for (size_t i = 0; i < sizeof(lost) / sizeof(lost[0]); i++)
		if (rc == lost[i])
			return 1;
	return 0;
}

static sscard_rc op_read_basic(soak *sk, slot *s)
{
	sscard_basic *b = NULL;
	sscard_rc rc = sscard_basic_new(&b);

	if (rc == SSCARD_OK)
		rc = sscard_read_basic(s->card, b);
	if (rc == SSCARD_OK)
		sk->mismatches += compare(s, b);
	sscard_basic_free(&b);
	return rc;
}

static sscard_rc op_read_element(soak *sk, slot *s)
{
	int i = sscard_element_find("card_number");
	char text[VALUE_MAX];
	sscard_rc rc = sscard_read_element(s->card, "card_number", text, sizeof(text));

	if (rc == SSCARD_OK && i >= 0 && s->ref.have[i] && !matches(s, (size_t)i, text)) {
		fprintf(stderr, "soak: card_number reads \"%s\", the card holds \"%s\"\n", text,
		        s->ref.value[i]);
		sk->mismatches++;
	}
	return rc;
}

static sscard_rc op_pin_tries(soak *sk, slot *s)
{
	int tries;

	(void)sk;
	return sscard_pin_tries(s->card, &tries);
}

/* The right PIN only: a wrong one would spend tries, and the library
 * never retries a VERIFY, so neither do we. */
static sscard_rc op_pin_verify(soak *sk, slot *s)
{
	int tries;

	(void)sk;
	return sscard_pin_verify(s->card, s->pin, &tries);
}

static sscard_rc op_authenticate(soak *sk, slot *s)
{
	(void)sk;
	return sscard_authenticate(s->card, s->keys, NULL, NULL);
}

/* The intended write: the name, alternating between the profile's and
 * another; what the card must hold follows. */
static sscard_rc op_write(soak *sk, slot *s)
{
	int name = sscard_element_find("name");
	const char *next = strcmp(s->ref.value[name], "王五") == 0 ? s->original_name : "王五";
	int written = 0;
	sscard_rc rc;

	sk->writes_sent++;
	rc = sscard_write_element(s->card, s->keys, "name", next, &written);
	if (rc == SSCARD_OK) {
		snprintf(s->ref.value[name], VALUE_MAX, "%s", next);
		s->maybe_name[0] = '\0';
		sk->writes_done += written != 0;
	} else {
		snprintf(s->maybe_name, VALUE_MAX, "%s", next);
	}
	return rc;
}

typedef sscard_rc (*op_fn)(soak *sk, slot *s);
/* Card 1 (with keys): reads, the PIN, authentication and writes. */
static const op_fn ops_rw[] = { op_read_basic, op_read_element, op_pin_tries, op_authenticate,
	                        op_read_basic, op_write, op_read_basic, op_pin_verify };
/* The faulty cards of reader 2: read-only. */
static const op_fn ops_ro[] = { op_read_basic, op_read_element, op_pin_tries, op_read_basic,
	                        op_pin_verify };

static void record(soak *sk, sscard_rc rc)
{
	if (rc != SSCARD_OK) {
		sk->errors[(unsigned)(-rc) % RC_SLOTS]++;
		if (!typed(rc)) {
			fprintf(stderr, "soak: FAIL: untyped error %d (%s)\n", rc, sscard_rc_name(rc));
			sk->untyped++;
		}
	}
}

static void run_op(soak *sk, slot *s)
{
	double t0 = bench_now_ms(), ms;
	sscard_rc rc = SSCARD_OK;

	alarm(OP_LIMIT_S);
	if (s->card == NULL)
		rc = sscard_connect(sk->ctx, s->reader, &s->card);
	if (rc == SSCARD_OK && s->writes)
		rc = ops_rw[s->ops % (sizeof(ops_rw) / sizeof(ops_rw[0]))](sk, s);
	else if (rc == SSCARD_OK)
		rc = ops_ro[s->ops % (sizeof(ops_ro) / sizeof(ops_ro[0]))](sk, s);
	alarm(0);
	ms = bench_now_ms() - t0;
	if (ms > sk->worst_ms)
		sk->worst_ms = ms;
	s->ops++;
	sk->ops++;
	record(sk, rc);
	if (rc == SSCARD_OK) {
		s->ok++;
		if (sk->restarts > 0)
			sk->ok_after_restart++;
	} else if (connection_lost(rc)) {
		/* As a kiosk would: drop the connection, wait a little, retry. */
		sscard_disconnect(&s->card);
		usleep(BACKOFF_US);
	}
}

/* A fresh connection, authenticated when there are keys, one read: every
 * element must be what the card holds (the name included). */
static int final_check(soak *sk, slot *s)
{
	sscard_basic *b = NULL;
	sscard_rc rc;
	int name = sscard_element_find("name");

	alarm(OP_LIMIT_S);
	rc = sscard_connect(sk->ctx, s->reader, &s->card);
	if (rc == SSCARD_OK && s->keys != NULL)
		rc = sscard_authenticate(s->card, s->keys, NULL, NULL);
	if (rc == SSCARD_OK)
		rc = sscard_basic_new(&b);
	if (rc == SSCARD_OK)
		rc = sscard_read_basic(s->card, b);
	alarm(0);
	if (rc == SSCARD_OK)
		sk->mismatches += compare(s, b);
	if (rc == SSCARD_OK && s->writes && sscard_basic_value(b, (size_t)name) == NULL)
		rc = SSCARD_E_SECURITY; /* the name must be seen to be judged */
	printf("Final check of card 1: %s, name \"%s\"\n", sscard_rc_name(rc),
	       rc == SSCARD_OK && sscard_basic_value(b, (size_t)name) ? sscard_basic_value(b, (size_t)name)
	                                                            : "-");
	sscard_basic_free(&b);
	sscard_disconnect(&s->card);
	return rc == SSCARD_OK ? 0 : -1;
}

/* ---- faults ------------------------------------------------------------- */

static void toggle_card1(void)
{
	const char *pid = getenv("SSCARD_SANDBOX_CARDSIM_PID");

	if (pid != NULL)
		kill((pid_t)atol(pid), SIGUSR1);
}

static void reset_by_other_client(soak *sk, const char *reader)
{
	SCARDCONTEXT c;
	SCARDHANDLE h;
	DWORD proto;

	if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &c) != SCARD_S_SUCCESS)
		return;
	if (SCardConnect(c, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &h,
	                 &proto) == SCARD_S_SUCCESS) {
		if (SCardReconnect(h, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
		                   SCARD_RESET_CARD, &proto) == SCARD_S_SUCCESS)
			sk->resets++;
		SCardDisconnect(h, SCARD_LEAVE_CARD);
	}
	SCardReleaseContext(c);
}

static void restart_pcscd(soak *sk)
{
	char cmd[4200];
	const char *dir = getenv("SSCARD_SANDBOX_DIR");

	snprintf(cmd, sizeof(cmd), "%s/restart-pcscd", dir ? dir : ".");
	if (system(cmd) == 0)
		sk->restarts++;
}

/* ---- the run --------------------------------------------------------------- */

static void print_report(const soak *sk, double seconds)
{
	printf("Soak: %lu operations in %.1f s (%.0f ops/s)\n", sk->ops, seconds,
	       (double)sk->ops / seconds);
	for (int i = 0; i < 2; i++)
		printf("  reader %d (%s): %lu ops, %lu OK\n", i + 1, sk->s[i].reader, sk->s[i].ops,
		       sk->s[i].ok);
	printf("Faults injected: %lu removals, %lu resets by another client, %lu pcscd restarts,"
	       " %lu card spells on reader 2\n",
	       sk->removals, sk->resets, sk->restarts, sk->spells);
	printf("Errors by type:\n");
	for (int i = 1; i < RC_SLOTS; i++)
		if (sk->errors[i] != 0)
			printf("  %-20s %8lu\n", sscard_rc_name(-i), sk->errors[i]);
	printf("Intended writes: %lu sent, %lu written (the others failed under a fault or found"
	       " the value already there)\n",
	       sk->writes_sent, sk->writes_done);
	printf("Untyped errors: %lu; data mismatches: %lu; OK after the pcscd restart: %lu\n",
	       sk->untyped, sk->mismatches, sk->ok_after_restart);
	printf("Slowest operation: %.1f ms (watchdog %d s)\n", sk->worst_ms, OP_LIMIT_S);
	printf("RSS KiB: after warm-up %ld, max sampled %ld, at end %ld (growth %ld, limit %d);"
	       " peak (ru_maxrss) %ld\n",
	       sk->rss_warm, sk->rss_max, sk->rss_end, sk->rss_end - sk->rss_warm, RSS_GROWTH_MAX_KB,
	       bench_peak_rss_kb());
}

int main(int argc, char **argv)
{
	static soak sk;
	unsigned long total;
	double seconds, start, spell_start;
	unsigned long removed_at = 0, spell_ops = 0;
	int removed = 0, restarted = 0, nspell;
	size_t spell = 0;
	pid_t sim2 = -1;
	const char *log_dir = getenv("SSCARD_SANDBOX_DIR");
	char log2[4200];

	if (argc < 4 || bench_sandbox_port() == 0) {
		fprintf(stderr, "usage: soak OPS SECONDS HEALTHY [SPELL...] (inside sandbox.sh)\n");
		return 2;
	}
	total = strtoul(argv[1], NULL, 10);
	seconds = atof(argv[2]);
	nspell = argc - 4;
	signal(SIGALRM, on_alarm);
	snprintf(log2, sizeof(log2), "%s/soak-cardsim2.log", log_dir ? log_dir : "/tmp");
	if (sscard_ctx_new(&sk.ctx) != SSCARD_OK)
		return 1;
	sscard_ctx_set_log_level(sk.ctx, SSCARD_LOG_NONE);
	sk.s[0].reader = getenv("SSCARD_SANDBOX_READER");
	sk.s[1].reader = getenv("SSCARD_SANDBOX_READER2");
	if (sk.s[0].reader == NULL || sk.s[1].reader == NULL)
		return 2;
	slot_load(&sk, &sk.s[0], argv[3]);
	sk.s[0].writes = sk.s[0].keys != NULL && sk.s[0].original_name[0] != '\0';
	if (!sk.s[0].writes)
		fprintf(stderr, "soak: no keys for %s: card 1 is read-only\n", argv[3]);

	start = spell_start = bench_now_ms();
	for (unsigned long i = 0; i < total && bench_now_ms() - start < seconds * 1000.0; i++) {
		double elapsed = bench_now_ms() - start;
		slot *s = &sk.s[i % 2];

		/* reader 2: the next spell when this one has run its course */
		if (s == &sk.s[1] && (sim2 < 0 || spell_ops >= SPELL_OPS ||
		                      bench_now_ms() - spell_start > SPELL_MS)) {
			sscard_disconnect(&s->card);
			bench_cardsim_stop(sim2);
			(void)bench_reader_wait(s->reader, 0, 3000);
			slot_load(&sk, s, nspell > 0 ? argv[4 + spell++ % (size_t)nspell] : argv[3]);
			sim2 = bench_cardsim_start(s->profile, bench_sandbox_port() + 1, log2);
			(void)bench_reader_wait(s->reader, 1, 2000);
			sk.spells++;
			spell_ops = 0;
			spell_start = bench_now_ms();
		}
		/* reader 1: removal and re-insertion, resets, one pcscd restart */
		if (s == &sk.s[0]) {
			unsigned long n = s->ops;

			if (!removed && n % REMOVAL_EVERY == REMOVAL_EVERY - 1) {
				toggle_card1();
				removed = 1;
				removed_at = n;
				sk.removals++;
			} else if (removed && n - removed_at >= REMOVAL_OPS) {
				toggle_card1();
				slot_reinserted(s);
				removed = 0;
				(void)bench_reader_wait(s->reader, 1, 3000);
			} else if (!removed && n % RESET_EVERY == RESET_EVERY - 1) {
				reset_by_other_client(&sk, s->reader);
			}
			if (!restarted && (i >= total / 2 || elapsed >= seconds * 500.0)) {
				restart_pcscd(&sk);
				restarted = 1;
			}
		} else {
			spell_ops++;
		}
		run_op(&sk, s);
		if (i % 200 == 0) {
			long rss = bench_rss_kb();
			if (sk.rss_warm == 0 && (i >= total / 5 || elapsed >= seconds * 200.0))
				sk.rss_warm = rss;
			if (rss > sk.rss_max)
				sk.rss_max = rss;
		}
	}
	if (removed) {
		toggle_card1();
		slot_reinserted(&sk.s[0]);
	}
	bench_cardsim_stop(sim2);
	sscard_disconnect(&sk.s[1].card);

	/* Last check, authenticated: the card holds what it must. */
	(void)bench_reader_wait(sk.s[0].reader, 1, 5000);
	sscard_disconnect(&sk.s[0].card);
	int final_ok = final_check(&sk, &sk.s[0]) == 0;
	sk.rss_end = bench_rss_kb();
	if (sk.rss_warm == 0)
		sk.rss_warm = sk.rss_end;
	sscard_disconnect(&sk.s[0].card);
	print_report(&sk, (bench_now_ms() - start) / 1000.0);

	int fail = 0;
	if (sk.untyped != 0)
		fail |= fprintf(stderr, "soak: FAIL: untyped errors\n") > 0;
	if (sk.mismatches != 0)
		fail |= fprintf(stderr, "soak: FAIL: data read differs from the card's\n") > 0;
	if (!RSS_MEANINGFUL)
		printf("RSS growth not judged under AddressSanitizer (quarantine); LeakSanitizer"
		       " checks leaks at exit\n");
	else if (getenv("SSCARD_VALGRIND") != NULL)
		printf("RSS growth not judged under valgrind (its own heap); memcheck checks"
		       " leaks at exit\n");
	else if (sk.rss_end - sk.rss_warm > RSS_GROWTH_MAX_KB)
		fail |= fprintf(stderr, "soak: FAIL: memory grew\n") > 0;
	if (sk.restarts == 0 || sk.ok_after_restart == 0)
		fail |= fprintf(stderr, "soak: FAIL: no successful operation after pcscd restart\n") > 0;
	if (sk.removals == 0 || sk.resets == 0)
		fail |= fprintf(stderr, "soak: FAIL: faults were not injected\n") > 0;
	if (!final_ok)
		fail |= fprintf(stderr, "soak: FAIL: the final authenticated read failed\n") > 0;
	if (sk.s[0].writes && sk.writes_done == 0)
		fail |= fprintf(stderr, "soak: FAIL: no intended write was made\n") > 0;
	sscard_keys_free(&sk.s[0].keys);
	sscard_keys_free(&sk.s[1].keys);
	sscard_ctx_free(&sk.ctx);
	printf("soak: %s\n", fail ? "FAIL" : "PASS");
	return fail ? 1 : 0;
}
