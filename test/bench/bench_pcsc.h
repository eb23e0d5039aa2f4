/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers of the PC/SC benchmarks and the soak (inside sandbox.sh): a
 * cardsim of our own on the sandbox's second reader, reader states. */
#ifndef BENCH_PCSC_H
#define BENCH_PCSC_H

#include <sys/types.h>

/* Start $CARDSIM (or `cardsim`) serving `profile` on vpcd port `port`,
 * its stderr to `log` (NULL: /dev/null). Returns the pid or -1. */
pid_t bench_cardsim_start(const char *profile, unsigned port, const char *log);
/* SIGTERM and reap; returns its exit status (-1 if killed/not reaped). */
int bench_cardsim_stop(pid_t pid);

/* Wait until `reader` shows a card (want_present 1) or no card (0), at
 * most timeout_ms. Returns 0 when reached, -1 on timeout or error. */
int bench_reader_wait(const char *reader, int want_present, int timeout_ms);

/* The sandbox's port (SSCARD_SANDBOX_PORT), 0 outside the sandbox. */
unsigned bench_sandbox_port(void);

#endif
