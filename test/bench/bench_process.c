/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Benchmark 3 (issue #10): whole-process latency of `cardtool info`
 * against peers doing the same job on the same simulated card:
 *   - `opensc-tool -r N -c default -s APDU ...` with the same APDUs (the
 *     default driver: no card-driver probing, so the card sees exactly
 *     our APDUs), and the same without `-c default` (what a technician
 *     types: opensc probes its card drivers first);
 *   - `scriptor -r READER SCRIPT` (pcsc-tools) with the same APDUs.
 * The APDUs are those `cardtool info` sends: the library's trace of a
 * read_basic on a fresh connection (SELECT SSSE + one READ RECORD per
 * element). Each round runs every command once, rotating the order;
 * output goes to /dev/null. Prints medians, percentiles, ratios.
 *
 * Run inside the sandbox: test/integration/sandbox.sh --profile P -- \
 *     build/test/bench/bench_process build/tools/cardtool [ROUNDS]
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <winscard.h>

#include <sscard/sscard.h>

#include "bench_util.h"

#define MAX_APDUS 64
#define HEX_MAX 600
#define MAX_ARGS (MAX_APDUS * 2 + 8)

typedef struct apdus {
	size_t n;
	char hex[MAX_APDUS][HEX_MAX];
} apdus;

static void on_trace(void *ud, sscard_trace_dir dir, const char *hex)
{
	apdus *a = ud;

	if (dir == SSCARD_TRACE_COMMAND && a->n < MAX_APDUS)
		snprintf(a->hex[a->n++], HEX_MAX, "%s", hex);
}

/* The APDUs of `cardtool info`: a read_basic on a fresh connection. */
static int capture_info_apdus(const char *reader, apdus *a)
{
	sscard_ctx *ctx = NULL;
	sscard_card *card = NULL;
	sscard_basic *b = NULL;
	int ok = sscard_ctx_new(&ctx) == SSCARD_OK &&
	         sscard_ctx_set_trace(ctx, on_trace, a) == SSCARD_OK &&
	         sscard_connect(ctx, reader, &card) == SSCARD_OK && sscard_basic_new(&b) == SSCARD_OK &&
	         sscard_read_basic(card, b) == SSCARD_OK;

	sscard_basic_free(&b);
	sscard_disconnect(&card);
	sscard_ctx_free(&ctx);
	return ok && a->n > 0 ? 0 : -1;
}

/* opensc-tool numbers readers in PC/SC's order. */
static int reader_index(const char *reader)
{
	SCARDCONTEXT ctx;
	char names[4096];
	DWORD len = sizeof(names);
	int idx = -1, i = 0;

	if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx) != SCARD_S_SUCCESS)
		return -1;
	if (SCardListReaders(ctx, NULL, names, &len) == SCARD_S_SUCCESS)
		for (const char *p = names; *p != '\0' && idx < 0; p += strlen(p) + 1, i++)
			if (strcmp(p, reader) == 0)
				idx = i;
	SCardReleaseContext(ctx);
	return idx;
}

typedef struct command {
	const char *name;
	char *argv[MAX_ARGS];
	int status; /* exit status of the first run */
	double *ms;
} command;

/* Run argv with stdout/stderr to /dev/null; returns its exit status
 * (-1 when it could not run or died by a signal) and the wall time. */
static int run(char *const argv[], double *ms)
{
	double t0 = bench_now_ms();
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	*ms = bench_now_ms() - t0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int write_script(const apdus *a, char *path, size_t pathsz)
{
	const char *dir = getenv("SSCARD_SANDBOX_DIR");
	FILE *f;
	int fd;

	snprintf(path, pathsz, "%s/bench-script-XXXXXX", dir ? dir : "/tmp");
	fd = mkstemp(path);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL)
		return -1;
	for (size_t i = 0; i < a->n; i++)
		fprintf(f, "%s\n", a->hex[i]);
	return fclose(f) == 0 ? 0 : -1;
}

static double pct(const double *sorted, size_t n, double p)
{
	return sorted[(size_t)(p * (double)(n - 1))];
}

int main(int argc, char **argv)
{
	const char *reader = getenv("SSCARD_SANDBOX_READER");
	size_t rounds = argc > 2 ? (size_t)atoi(argv[2]) : 30;
	static apdus a;
	char script[4200], index[16];
	command cmds[4];
	size_t nc = 0, k;
	int idx;

	if (argc < 2 || reader == NULL || rounds < 2) {
		fprintf(stderr, "usage: bench_process CARDTOOL [ROUNDS] (in the sandbox)\n");
		return 2;
	}
	if (capture_info_apdus(reader, &a) != 0 || write_script(&a, script, sizeof(script)) != 0 ||
	    (idx = reader_index(reader)) < 0) {
		fprintf(stderr, "bench_process: cannot read the card in \"%s\"\n", reader);
		return 1;
	}
	snprintf(index, sizeof(index), "%d", idx);
	memset(cmds, 0, sizeof(cmds));
	cmds[nc++] = (command){ "cardtool info", { argv[1], "-r", (char *)reader, "info" }, 0, NULL };
	cmds[nc++] = (command){ "scriptor (same APDUs)", { "scriptor", "-r", (char *)reader, script },
	                        0, NULL };
	for (int probe = 0; probe < 2; probe++) {
		command *c = &cmds[nc++];
		c->name = probe ? "opensc-tool -s (driver probing)" : "opensc-tool -c default -s";
		k = 0;
		c->argv[k++] = "opensc-tool";
		c->argv[k++] = "-r";
		c->argv[k++] = index;
		if (!probe) {
			c->argv[k++] = "-c";
			c->argv[k++] = "default";
		}
		for (size_t i = 0; i < a.n; i++) {
			c->argv[k++] = "-s";
			c->argv[k++] = a.hex[i];
		}
	}
	for (size_t i = 0; i < nc; i++) {
		cmds[i].ms = calloc(rounds, sizeof(double));
		if (cmds[i].ms == NULL)
			return 1;
		cmds[i].status = run(cmds[i].argv, &cmds[i].ms[0]); /* warm-up, not counted */
	}
	for (size_t r = 0; r < rounds; r++)
		for (size_t j = 0; j < nc; j++) {
			command *c = &cmds[(r + j) % nc];
			if (run(c->argv, &c->ms[r]) != c->status) {
				fprintf(stderr, "bench_process: %s: exit status changed\n", c->name);
				return 1;
			}
		}
	printf("Whole-process latency (%s, %zu APDUs, %zu rounds, order rotated)\n", reader, a.n,
	       rounds);
	printf("%-34s %6s %10s %10s %10s %12s\n", "command", "exit", "median ms", "p10 ms",
	       "p90 ms", "vs cardtool");
	double base = bench_median(cmds[0].ms, rounds);
	for (size_t i = 0; i < nc; i++) {
		double med = bench_median(cmds[i].ms, rounds);
		printf("%-34s %6d %10.2f %10.2f %10.2f %11.2fx\n", cmds[i].name, cmds[i].status, med,
		       pct(cmds[i].ms, rounds, 0.1), pct(cmds[i].ms, rounds, 0.9), med / base);
	}
	unlink(script);
	for (size_t i = 0; i < nc; i++)
		free(cmds[i].ms);
	return cmds[0].status == -1 ? 1 : 0;
}
