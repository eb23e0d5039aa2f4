/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sscardd: the local card service for web pages (sscardd(8)).
 *   sscardd [-c FILE] [-p PORT] [-v] [--check-config] [--help] [--version]
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: sscardd [-c FILE] [-p PORT] [-v] [--check-config]\n"
	           "The local card service: HTTP and WebSocket on 127.0.0.1 and ::1 (sscardd(8)).\n"
	           "  -c, --config FILE   configuration (default %s; missing: defaults)\n"
	           "  -p, --port PORT     listen on PORT (default %u)\n"
	           "  -v, --verbose       debug log lines too\n"
	           "      --check-config  check the configuration and exit\n"
	           "  -h, --help          this text\n"
	           "  -V, --version       the version\n",
	        SVC_DEFAULT_CONFIG, SVC_DEFAULT_PORT);
}

typedef struct args {
	const char *config;
	bool config_given, check_only;
	long port;
} args;

/* 0 go on, 1 exit 0, 2 usage error */
static int parse_args(int argc, char **argv, args *a)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' }, { "port", required_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },      { "check-config", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },         { "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:p:vhV", opts, NULL)) != -1) {
		char *end = NULL;
		if (c == 'c') {
			a->config = optarg;
			a->config_given = true;
		} else if (c == 'p') {
			a->port = strtol(optarg, &end, 10);
			if (*end != '\0' || a->port < 1 || a->port > 65535)
				return 2;
		} else if (c == 'v')
			svc_log_max = SVC_LOG_DEBUG;
		else if (c == 'C')
			a->check_only = true;
		else if (c == 'h' || c == 'V') {
			c == 'h' ? usage(stdout) : (void)printf("sscardd %s\n", sscard_version());
			return 1;
		} else
			return 2;
	}
	return optind == argc ? 0 : 2;
}

int main(int argc, char **argv)
{
	static svc_config cfg;
	args a = { SVC_DEFAULT_CONFIG, false, false, 0 };
	char err[512];
	struct sigaction sa;
	int rc = parse_args(argc, argv, &a);

	if (rc != 0) {
		if (rc == 2)
			usage(stderr);
		return rc == 1 ? 0 : 2;
	}
	svc_config_defaults(&cfg);
	if (svc_config_load(&cfg, a.config, a.config_given, err, sizeof(err)) != 0) {
		svc_log(SVC_LOG_ERR, "configuration: %s", err);
		return 2;
	}
	if (a.port != 0)
		cfg.port = (unsigned)a.port;
	svc_config_finish(&cfg);
	if (a.check_only) {
		printf("configuration OK: port %u, %zu allowed origins\n", cfg.port, cfg.norigins);
		return 0;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return svc_server_run(&cfg, &stop_requested) == 0 ? 0 : 1;
}
