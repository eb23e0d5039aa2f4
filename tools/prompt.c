/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Secret prompts on the terminal: echo off while the holder types, and
 * the terminal restored on every way out, signals included (a Ctrl-C or a
 * kill at the prompt must not leave the technician's shell without echo).
 */
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cardtool.h"

/* Signals that end the process at a prompt: their handler restores the
 * terminal and wipes the secret, then dies of the signal as it would have. */
static const int fatal_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
#define NSIG_HANDLED (sizeof(fatal_signals) / sizeof(fatal_signals[0]))

/* What the handler needs: one prompt at a time in this one process. */
static struct {
	int fd;                 /* the terminal, -1 when no prompt is active */
	struct termios saved;   /* its settings before echo was turned off */
	volatile char *secret;  /* the buffer being typed into */
	size_t secretsz;
	struct sigaction old[NSIG_HANDLED];
} prompt = { .fd = -1 };

/* Async-signal-safe only: tcsetattr, write, sigaction, raise. */
static void on_fatal_signal(int sig)
{
	struct sigaction dfl;

	if (prompt.fd >= 0) {
		tcsetattr(prompt.fd, TCSAFLUSH, &prompt.saved);
		(void)!write(prompt.fd, "\n", 1);
	}
	for (size_t i = 0; prompt.secret != NULL && i < prompt.secretsz; i++)
		prompt.secret[i] = 0;
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(sig, &dfl, NULL);
	raise(sig);
}

static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NSIG_HANDLED; i++)
		sigaddset(&sa.sa_mask, fatal_signals[i]);
	for (size_t i = 0; i < NSIG_HANDLED; i++)
		sigaction(fatal_signals[i], &sa, &prompt.old[i]);
}

static void release_signals(void)
{
	for (size_t i = 0; i < NSIG_HANDLED; i++)
		sigaction(fatal_signals[i], &prompt.old[i], NULL);
}

bool ct_read_line(FILE *in, char *buf, size_t sz)
{
	if (fgets(buf, (int)sz, in) == NULL)
		return false;
	size_t n = strcspn(buf, "\r\n");
	bool whole = buf[n] != '\0' || feof(in);
	buf[n] = '\0';
	return whole;
}

/* Echo off, prompt, read one line, echo back on: the terminal is restored
 * before this returns, and by the handler if a signal ends the process
 * first. Echo goes off before the prompt shows, so nothing typed is seen. */
static bool read_quietly(FILE *tty, const char *text, char *buf, size_t sz)
{
	struct termios quiet;
	bool ok;

	quiet = prompt.saved;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	prompt.secret = buf;
	prompt.secretsz = sz;
	catch_signals();
	prompt.fd = fileno(tty);
	ok = tcsetattr(prompt.fd, TCSAFLUSH, &quiet) == 0 && fputs(text, tty) >= 0 &&
	     ct_read_line(tty, buf, sz);
	tcsetattr(prompt.fd, TCSAFLUSH, &prompt.saved);
	prompt.fd = -1;
	release_signals();
	prompt.secret = NULL;
	return ok;
}

bool ct_confirm(const char *question, const char *answer)
{
	FILE *tty = fopen("/dev/tty", "r+");
	char line[64];
	bool yes;

	if (tty == NULL)
		return false;
	fprintf(tty, "%s [type %s to confirm] ", question, answer);
	fflush(tty);
	yes = ct_read_line(tty, line, sizeof(line)) && strcmp(line, answer) == 0;
	fclose(tty);
	return yes;
}

bool ct_read_secret(const char *text, char *buf, size_t sz)
{
	FILE *tty = fopen("/dev/tty", "r+");
	bool ok = false;

	if (tty == NULL)
		return false;
	setvbuf(tty, NULL, _IONBF, 0); /* no copy of the PIN left in stdio's buffer */
	if (tcgetattr(fileno(tty), &prompt.saved) == 0) {
		ok = read_quietly(tty, text, buf, sz);
		fputc('\n', tty);
	}
	fclose(tty);
	return ok;
}
