/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <winscard.h>

#include "bench_pcsc.h"
#include "bench_util.h"

pid_t bench_cardsim_start(const char *profile, unsigned port, const char *log)
{
	const char *cardsim = getenv("CARDSIM");
	char portstr[16];
	pid_t pid;

	snprintf(portstr, sizeof(portstr), "%u", port);
	pid = fork();
	if (pid != 0)
		return pid;
	int fd = open(log != NULL ? log : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
	execlp(cardsim != NULL ? cardsim : "cardsim", "cardsim", "--port", portstr, profile,
	       (char *)NULL);
	_exit(127);
}

int bench_cardsim_stop(pid_t pid)
{
	int status;

	if (pid <= 0)
		return -1;
	kill(pid, SIGTERM);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int bench_reader_wait(const char *reader, int want_present, int timeout_ms)
{
	SCARDCONTEXT ctx;
	SCARD_READERSTATE rs;
	double deadline = bench_now_ms() + timeout_ms;
	int reached = 0;

	if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx) != SCARD_S_SUCCESS)
		return -1;
	memset(&rs, 0, sizeof(rs));
	rs.szReader = reader;
	rs.dwCurrentState = SCARD_STATE_UNAWARE;
	while (!reached) {
		double left = deadline - bench_now_ms();
		LONG rv;

		if (left <= 0)
			break;
		rv = SCardGetStatusChange(ctx, (DWORD)(left > 200 ? 200 : left), &rs, 1);
		if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT) {
			usleep(50000); /* the reader is not there yet */
			continue;
		}
		if (rv == SCARD_S_SUCCESS)
			rs.dwCurrentState = rs.dwEventState & ~(DWORD)SCARD_STATE_CHANGED;
		reached = want_present ? (rs.dwCurrentState & SCARD_STATE_PRESENT) != 0
		                       : (rs.dwCurrentState & SCARD_STATE_EMPTY) != 0;
	}
	SCardReleaseContext(ctx);
	return reached ? 0 : -1;
}

unsigned bench_sandbox_port(void)
{
	const char *p = getenv("SSCARD_SANDBOX_PORT");

	return p != NULL ? (unsigned)strtoul(p, NULL, 10) : 0u;
}
