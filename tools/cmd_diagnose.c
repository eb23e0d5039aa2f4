/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cardtool diagnose: is this card healthy, and if not, what does the
 * counter do? The verdict first, then the reasons with their actions. */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cardtool.h"

/* --watch wakes this often to notice Ctrl-C (sscard_cancel_wait is not
 * async-signal-safe, so the handler only sets a flag). */
#define WATCH_POLL_MS 250
#define WATCH_RETRY_MS 1000

static volatile sig_atomic_t watch_stop;

/* diagnose's own exit codes (cardtool(1)) */
enum {
	DX_OK = 0,
	DX_ATTENTION = 1,
	DX_REPLACE = 2,
	DX_NO_SSC = 3, /* NOT_SSC or NO_CARD */
	DX_ERROR = 4   /* usage or system error */
};

/* Per verdict: exit code, Chinese word, terminal colour. */
static const struct {
	int exit_code;
	const char *zh;
	const char *colour;
} verdict_info[] = {
	[SSCARD_VERDICT_OK] = {DX_OK, "正常", "\033[1;32m"},
	[SSCARD_VERDICT_ATTENTION] = {DX_ATTENTION, "需处理", "\033[1;33m"},
	[SSCARD_VERDICT_REPLACE] = {DX_REPLACE, "需换卡", "\033[1;31m"},
	[SSCARD_VERDICT_NOT_SSC] = {DX_NO_SSC, "非社会保障卡", "\033[1;35m"},
	[SSCARD_VERDICT_NO_CARD] = {DX_NO_SSC, "无卡", "\033[1;35m"},
};

typedef struct diag_opts {
	int64_t now;     /* 0: today */
	unsigned budget; /* 0: the library's default */
	bool watch;
	bool colour;
	bool json_lines; /* --watch --json: one object per line */
	const char *keystore; /* terminal keys: a 3.0 card's EF06 is checked too */
} diag_opts;

static void diagnose_usage(FILE *f)
{
	fprintf(f,
	        "Usage: cardtool [--reader NAME] diagnose [--json] [--date YYYY-MM-DD]\n"
	        "                [--budget MS] [--watch]\n\n"
	        "Runs a fixed, read-only probe of the card (ATR, SELECT of the social\n"
	        "security application, every mandatory data element read and validated,\n"
	        "PIN tries left without presenting a PIN, application state, expiry,\n"
	        "card type, timing) and prints the verdict, the reasons and what the\n"
	        "counter should do, in Chinese and English. Never writes to the card.\n\n"
	        "  -j, --json          one JSON object: verdict, reasons, evidence\n"
	        "  -d, --date DATE     judge expiry as of DATE instead of today\n"
	        "  -b, --budget MS     time budget of the probe (default 3000)\n"
	        "  -k, --keystore FILE terminal keys (default $SSCARD_KEYSTORE): a 3.0\n"
	        "                      card's holder data (EF06) is checked too\n"
	        "  -w, --watch         diagnose every card inserted into a PC/SC reader\n"
	        "                      (the --reader one, or any) until Ctrl-C;\n"
	        "                      with --json one object per line\n"
	        "  -h, --help          this help\n\n"
	        "Verdicts: OK, ATTENTION, REPLACE, NOT_SSC, NO_CARD.\n"
	        "Exit codes: 0 OK, 1 ATTENTION, 2 REPLACE, 3 NOT_SSC or NO_CARD,\n"
	        "4 usage or system error.\n");
}

/* "YYYY-MM-DD" -> Unix time at 00:00 UTC; -1 if not a date. */
static bool parse_date(const char *s, int64_t *out)
{
	struct tm tm = {0}, back;
	unsigned y, m, d;
	int used = 0;
	time_t t;

	/* exactly YYYY-MM-DD: 2028-2-1 and trailing text are refused */
	if (strlen(s) != 10 || strspn(s, "0123456789-") != 10 || s[4] != '-' || s[7] != '-' ||
	    sscanf(s, "%4u-%2u-%2u%n", &y, &m, &d, &used) != 3 || used != 10 || y < 1900)
		return false;
	tm.tm_year = (int)y - 1900;
	tm.tm_mon = (int)m - 1;
	tm.tm_mday = (int)d;
	t = timegm(&tm);
	/* a real date comes back as itself (2028-02-30 would be March 1st) */
	if (gmtime_r(&t, &back) == NULL || back.tm_year != (int)y - 1900 ||
	    back.tm_mon != (int)m - 1 || back.tm_mday != (int)d)
		return false;
	/* 0 tells the library "today": 1970-01-01 is its first second instead */
	*out = t != 0 ? (int64_t)t : 1;
	return true;
}

/* ---- JSON -------------------------------------------------------------- */

static json_object *json_hex(const uint8_t *p, size_t n)
{
	char hex[2 * 64 + 1];

	sscard_hex_encode(p, n < 64 ? n : 64, hex, sizeof(hex));
	return json_object_new_string(hex);
}

static json_object *json_sw(uint16_t sw)
{
	char hex[5];

	if (sw == 0)
		return NULL;
	snprintf(hex, sizeof(hex), "%04X", sw);
	return json_object_new_string(hex);
}

static void add_str(json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, json_object_new_string(v));
}

static json_object *json_reasons(const sscard_diag *d)
{
	json_object *arr = json_object_new_array();

	for (size_t i = 0; i < sscard_diag_reason_count(d); i++) {
		json_object *r = json_object_new_object();

		add_str(r, "code", sscard_diag_reason_code(d, i));
		add_str(r, "severity", sscard_verdict_name(sscard_diag_reason_verdict(d, i)));
		add_str(r, "detail", sscard_diag_reason_detail(d, i));
		add_str(r, "detail_zh", sscard_diag_reason_detail_zh(d, i));
		add_str(r, "action", sscard_diag_reason_action(d, i));
		add_str(r, "action_zh", sscard_diag_reason_action_zh(d, i));
		if (sscard_diag_reason_sw(d, i) != 0)
			json_object_object_add(r, "sw", json_sw(sscard_diag_reason_sw(d, i)));
		json_object_array_add(arr, r);
	}
	return arr;
}

static json_object *json_steps(const sscard_diag *d)
{
	json_object *arr = json_object_new_array();
	sscard_diag_step_info st;

	for (size_t i = 0; sscard_diag_step(d, i, &st) == SSCARD_OK; i++) {
		json_object *s = json_object_new_object();

		add_str(s, "name", st.name);
		add_str(s, "result", sscard_rc_name(st.rc));
		if (st.sw != 0)
			json_object_object_add(s, "sw", json_sw(st.sw));
		json_object_object_add(s, "attempts", json_object_new_int((int)st.attempts));
		json_object_object_add(s, "ms", json_object_new_int((int)st.ms));
		json_object_array_add(arr, s);
	}
	return arr;
}

static json_object *json_evidence(const sscard_diag *d)
{
	json_object *e = json_object_new_object();
	const uint8_t *atr = NULL;
	size_t atr_len = 0;

	sscard_diag_atr(d, &atr, &atr_len);
	json_object_object_add(e, "atr", json_hex(atr, atr_len));
	json_object_object_add(e, "apdus", json_object_new_int64((int64_t)sscard_diag_apdu_count(d)));
	json_object_object_add(e, "retries", json_object_new_int((int)sscard_diag_retries(d)));
	json_object_object_add(e, "errors", json_object_new_int((int)sscard_diag_errors(d)));
	json_object_object_add(e, "resets", json_object_new_int((int)sscard_diag_resets(d)));
	json_object_object_add(e, "elapsed_ms", json_object_new_int((int)sscard_diag_elapsed_ms(d)));
	json_object_object_add(e, "slowest_ms", json_object_new_int((int)sscard_diag_slowest_ms(d)));
	json_object_object_add(e, "pin_tries", sscard_diag_pin_tries(d) < 0
	                                           ? NULL
	                                           : json_object_new_int(sscard_diag_pin_tries(d)));
	json_object_object_add(e, "expiry", sscard_diag_expiry(d)[0]
	                                        ? json_object_new_string(sscard_diag_expiry(d))
	                                        : NULL);
	json_object_object_add(e, "steps", json_steps(d));
	return e;
}

static void print_json(const sscard_diag *d, const char *reader, bool one_line)
{
	json_object *top = json_object_new_object();
	sscard_verdict v = sscard_diag_verdict(d);

	add_str(top, "verdict", sscard_verdict_name(v));
	add_str(top, "verdict_zh", verdict_info[v].zh);
	if (reader != NULL)
		add_str(top, "reader", reader);
	json_object_object_add(top, "reasons", json_reasons(d));
	json_object_object_add(top, "evidence", json_evidence(d));
	if (!one_line) {
		ct_print_json(top);
		return;
	}
	ct_print_json_flags(top, JSON_C_TO_STRING_PLAIN);
}

/* ---- people ------------------------------------------------------------ */

static void print_human(const sscard_diag *d, const char *reader, bool colour)
{
	sscard_verdict v = sscard_diag_verdict(d);
	const uint8_t *atr = NULL;
	size_t atr_len = 0;
	char hex[2 * 64 + 1];

	if (reader != NULL)
		printf("%s\n", reader);
	printf("%s%s%s  %s\n", colour ? verdict_info[v].colour : "", sscard_verdict_name(v),
	       colour ? "\033[0m" : "", verdict_info[v].zh);
	for (size_t i = 0; i < sscard_diag_reason_count(d); i++) {
		printf("\n  %s%s%s\n", colour ? "\033[1m" : "", sscard_diag_reason_code(d, i),
		       colour ? "\033[0m" : "");
		printf("    %s\n    %s\n", sscard_diag_reason_detail_zh(d, i),
		       sscard_diag_reason_detail(d, i));
		printf("    处理: %s\n    action: %s\n", sscard_diag_reason_action_zh(d, i),
		       sscard_diag_reason_action(d, i));
	}
	sscard_diag_atr(d, &atr, &atr_len);
	sscard_hex_encode(atr, atr_len < 64 ? atr_len : 64, hex, sizeof(hex));
	printf("\nevidence: ATR %s; %lu APDUs, %u re-reads, %u errors, %u resets; %u ms "
	       "(slowest %u ms)",
	       atr_len ? hex : "-", sscard_diag_apdu_count(d), sscard_diag_retries(d),
	       sscard_diag_errors(d), sscard_diag_resets(d), sscard_diag_elapsed_ms(d),
	       sscard_diag_slowest_ms(d));
	if (sscard_diag_pin_tries(d) >= 0)
		printf("; PIN tries %d", sscard_diag_pin_tries(d));
	if (sscard_diag_expiry(d)[0] != '\0')
		printf("; expiry %s", sscard_diag_expiry(d));
	printf("\n");
}

/* ---- running ----------------------------------------------------------- */

static sscard_rc diagnose_one(cardtool *ct, const diag_opts *o, sscard_diag *d,
                              const char *reader, bool name_reader)
{
	sscard_rc rc = sscard_diagnose_reader(ct->ctx, reader, d);

	if (rc != SSCARD_OK)
		return rc;
	if (ct->json)
		print_json(d, name_reader ? reader : NULL, o->json_lines);
	else
		print_human(d, name_reader ? reader : NULL, o->colour);
	fflush(stdout);
	return SSCARD_OK;
}

/* ---- --watch ----------------------------------------------------------- */

static void on_stop(int sig)
{
	(void)sig;
	watch_stop = 1;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static bool watched_reader(const cardtool *ct, const char *reader)
{
	return ct->reader == NULL || ct->reader[0] == '\0' || strstr(reader, ct->reader) != NULL;
}

/* Diagnose every card inserted (and those present at start) until
 * SIGINT/SIGTERM. Events come from sscard_wait_event(): PC/SC readers
 * only. A card that cannot be diagnosed is reported and the watch goes on;
 * pcscd going away is said once and waited out. */
static void watch_install_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* Diagnose the card an event announces, if it is one to watch. */
static void watch_event(cardtool *ct, const diag_opts *o, sscard_diag *d,
                        const sscard_event *ev)
{
	sscard_rc rc;

	if (ev->type != SSCARD_EVENT_CARD_INSERTED || !watched_reader(ct, ev->reader))
		return;
	rc = diagnose_one(ct, o, d, ev->reader, true);
	if (rc != SSCARD_OK)
		ct_fail(ct, NULL, rc, ev->reader);
	if (!ct->json)
		printf("\n");
	fflush(stdout);
}

static int diagnose_watch(cardtool *ct, diag_opts *o, sscard_diag *d)
{
	bool said_no_service = false;

	if (ct->reader != NULL && strncmp(ct->reader, "sim:", 4) == 0) {
		ct_usage_error(ct, "diagnose", "--watch needs a PC/SC reader, not sim:");
		return DX_ERROR;
	}
	watch_install_handlers();
	o->json_lines = true;
	while (!watch_stop) {
		sscard_event ev;
		sscard_rc rc = sscard_wait_event(ct->ctx, WATCH_POLL_MS, &ev);

		if (rc == SSCARD_E_TIMEOUT)
			continue;
		if (rc == SSCARD_E_CANCELLED)
			break;
		if (rc == SSCARD_E_NO_SERVICE) { /* say it once, wait for pcscd */
			if (!said_no_service)
				fprintf(stderr, "cardtool diagnose: %s; waiting for it\n",
				        sscard_strerror(rc));
			said_no_service = true;
			sleep_ms(WATCH_RETRY_MS);
			continue;
		}
		if (rc != SSCARD_OK) {
			ct_fail(ct, NULL, rc, "diagnose --watch");
			return DX_ERROR;
		}
		said_no_service = false;
		watch_event(ct, o, d, &ev);
	}
	return DX_OK;
}

static int parse_opts(cardtool *ct, int argc, char **argv, diag_opts *o)
{
	static const struct option opts[] = {
		{"date", required_argument, NULL, 'd'},   {"budget", required_argument, NULL, 'b'},
		{"watch", no_argument, NULL, 'w'},        {"keystore", required_argument, NULL, 'k'},
		{NULL, 0, NULL, 0}};
	int c;
	char *end;
	unsigned long ms;

	o->keystore = getenv("SSCARD_KEYSTORE");
	while ((c = ct_getopt(ct, argc, argv, "d:b:wk:", opts)) != -1) {
		switch (c) {
		case 'w': o->watch = true; break;
		case 'k': o->keystore = optarg; break;
		case 'h': diagnose_usage(stdout); return -1;
		case 'd':
			if (!parse_date(optarg, &o->now)) {
				ct_usage_error(ct, "diagnose", "--date wants a real date, YYYY-MM-DD");
				return DX_ERROR;
			}
			break;
		case 'b':
			ms = strtoul(optarg, &end, 10);
			if (*end != '\0' || ms < 100 || ms > 600000) {
				ct_usage_error(ct, "diagnose", "--budget wants 100..600000 ms");
				return DX_ERROR;
			}
			o->budget = (unsigned)ms;
			break;
		default: ct_usage_error(ct, "diagnose", NULL); return DX_ERROR;
		}
	}
	if (optind < argc) {
		ct_usage_error(ct, "diagnose", "takes no operands");
		return DX_ERROR;
	}
	o->colour = !ct->json && isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
	return DX_OK;
}

int cmd_diagnose(cardtool *ct, int argc, char **argv)
{
	diag_opts o = {0};
	sscard_diag *d = NULL;
	sscard_keys *keys = NULL;
	sscard_rc rc;
	int status = parse_opts(ct, argc, argv, &o);

	if (status != DX_OK)
		return status < 0 ? DX_OK : status;
	if (o.keystore != NULL && o.keystore[0] != '\0' &&
	    (rc = sscard_keys_open_file(ct->ctx, o.keystore, &keys)) != SSCARD_OK) {
		ct_fail(ct, NULL, rc, "keystore");
		return DX_ERROR;
	}
	if (sscard_diag_new(&d) != SSCARD_OK) {
		sscard_keys_free(&keys);
		return DX_ERROR;
	}
	sscard_diag_set_keys(d, keys);
	if (o.now != 0)
		sscard_diag_set_now(d, o.now);
	if (o.budget > 0)
		sscard_diag_set_budget_ms(d, o.budget);
	if (o.watch) {
		status = diagnose_watch(ct, &o, d);
	} else {
		rc = diagnose_one(ct, &o, d, ct->reader, false);
		if (rc != SSCARD_OK) {
			ct_fail(ct, NULL, rc, "diagnose");
			status = DX_ERROR;
		} else {
			status = verdict_info[sscard_diag_verdict(d)].exit_code;
		}
	}
	sscard_diag_free(&d);
	sscard_keys_free(&keys);
	return status;
}
