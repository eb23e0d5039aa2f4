/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cardtool monitor: one line per reader/card event until SIGINT/SIGTERM,
 * for kiosks (JSON Lines with --json). */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cardtool.h"
#include "internal.h"

/* How often the wait wakes up to notice a stop request. */
#define MONITOR_POLL_MS 250
#define MONITOR_RETRY_MS 1000

static volatile sig_atomic_t monitor_stop;

static void on_signal(int sig)
{
	(void)sig;
	monitor_stop = 1;
}

static void monitor_usage(FILE *f)
{
	fprintf(f, "Usage: cardtool monitor [--reader NAME] [--count N] [--json]\n\n"
	           "Prints one line per event with an ISO-8601 UTC timestamp: readers present\n"
	           "at start and cards in them first, then reader-added/reader-removed/\n"
	           "card-inserted/card-removed as they happen; with --json one JSON object per\n"
	           "line (JSON Lines). Runs until SIGINT/SIGTERM (exit 0) or, with --count N,\n"
	           "until N events were printed. If pcscd goes away it says so once and keeps\n"
	           "trying to reach it. With --reader only the events of the readers whose\n"
	           "name contains NAME (case ignored); sim: readers have no events.\n");
}

static void timestamp(char *out, size_t outsz)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(out, outsz, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, outsz - n, ".%03ldZ", ts.tv_nsec / 1000000L);
}

static void print_event(const cardtool *ct, const sscard_event *ev)
{
	char when[40], atrhex[2 * SSCARD_EVENT_ATR_MAX + 1] = "";

	timestamp(when, sizeof when);
	sscard_hex_encode(ev->atr, ev->atr_len, atrhex, sizeof atrhex);
	if (ct->json) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "time", json_object_new_string(when));
		json_object_object_add(o, "event", json_object_new_string(sscard_event_name(ev->type)));
		json_object_object_add(o, "reader", json_object_new_string(ev->reader));
		if (ev->type == SSCARD_EVENT_CARD_INSERTED)
			json_object_object_add(o, "atr", json_object_new_string(atrhex));
		ct_print_json_flags(o, JSON_C_TO_STRING_PLAIN);
	} else {
		printf("%s %-14s %s%s%s\n", when, sscard_event_name(ev->type), ev->reader,
		       atrhex[0] ? " ATR " : "", atrhex);
	}
	fflush(stdout);
}

static void print_problem(const cardtool *ct, sscard_rc rc)
{
	char when[40];

	timestamp(when, sizeof when);
	if (ct->json) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "time", json_object_new_string(when));
		json_object_object_add(o, "event", json_object_new_string("error"));
		json_object_object_add(o, "error", ct_error_object(NULL, rc, "monitor"));
		ct_print_json_flags(o, JSON_C_TO_STRING_PLAIN);
	} else {
		printf("%s %-14s %s\n", when, "error", sscard_strerror(rc));
	}
	fflush(stdout);
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static void install_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int cmd_monitor(cardtool *ct, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long count = 0, seen = 0;
	int c;

	while ((c = ct_getopt(ct, argc, argv, "n:", opts)) != -1) {
		char *end = NULL;
		switch (c) {
		case 'n':
			count = strtoul(optarg, &end, 10);
			if (end == optarg || *end != '\0' || optarg[0] == '-' || count == 0)
				return ct_usage_error(ct, "monitor", "--count wants a number of events, 1 or more");
			break;
		case 'h':
			monitor_usage(stdout);
			return CT_EXIT_OK;
		default:
			return ct_usage_error(ct, "monitor", NULL);
		}
	}
	if (optind != argc)
		return ct_usage_error(ct, "monitor", "takes no operands");
	if (ct->reader != NULL && strncmp(ct->reader, "sim:", 4) == 0)
		return ct_usage_error(ct, "monitor", "watches PC/SC readers; a sim: card has no "
		                                     "events (use --reader with a PC/SC reader name)");
	install_handlers();
	sscard_rc last_problem = SSCARD_OK;
	while (!monitor_stop && (count == 0 || seen < count)) {
		sscard_event ev;
		sscard_rc rc = sscard_wait_event(ct->ctx, MONITOR_POLL_MS, &ev);
		if (rc == SSCARD_OK && ct->reader != NULL &&
		    sscard_reader_match(ev.reader, ct->reader) == SSCARD_MATCH_NONE) {
			last_problem = SSCARD_OK; /* another reader's event */
		} else if (rc == SSCARD_OK) {
			print_event(ct, &ev);
			seen++;
			last_problem = SSCARD_OK;
		} else if (rc == SSCARD_E_TIMEOUT || rc == SSCARD_E_CANCELLED) {
			continue;
		} else {
			/* pcscd gone or similar: say it once, keep trying */
			if (rc != last_problem)
				print_problem(ct, rc);
			last_problem = rc;
			if (rc == SSCARD_E_INVALID_ARG || rc == SSCARD_E_NOMEM)
				return ct_exit_for(rc);
			sleep_ms(MONITOR_RETRY_MS);
		}
	}
	return CT_EXIT_OK;
}
