/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pcsc_wait: used by the integration sandbox to wait until the private
 * pcscd serves at least R readers holding at least C cards, straight on
 * pcsc-lite (so the harness does not depend on the code under test).
 *   pcsc_wait READERS CARDS TIMEOUT_MS
 * Exit 0 when reached, 1 on timeout (printing what it saw), 2 on usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <winscard.h>

#define MAX_READERS 16

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* Count readers and cards now; -1 if pcscd cannot be reached. */
static int count(unsigned *readers, unsigned *cards, char *seen, size_t seensz)
{
	SCARDCONTEXT h;
	char names[4096];
	DWORD len = sizeof names;
	*readers = *cards = 0;
	seen[0] = '\0';
	if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &h) != SCARD_S_SUCCESS)
		return -1;
	LONG rv = SCardListReaders(h, NULL, names, &len);
	if (rv == SCARD_S_SUCCESS) {
		SCARD_READERSTATE rs[MAX_READERS];
		memset(rs, 0, sizeof rs);
		for (const char *p = names; *p && *readers < MAX_READERS; p += strlen(p) + 1)
			rs[(*readers)++].szReader = p;
		if (SCardGetStatusChange(h, 0, rs, *readers) == SCARD_S_SUCCESS) {
			size_t used = 0;
			for (unsigned i = 0; i < *readers; i++) {
				int present = (rs[i].dwEventState & SCARD_STATE_PRESENT) != 0;
				*cards += (unsigned)present;
				int w = snprintf(seen + used, seensz - used, "\"%s\"%s ",
				                 rs[i].szReader, present ? " (card)" : "");
				if (w > 0 && (size_t)w < seensz - used)
					used += (size_t)w;
			}
		}
	}
	SCardReleaseContext(h);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: pcsc_wait READERS CARDS TIMEOUT_MS\n");
		return 2;
	}
	unsigned want_r = (unsigned)strtoul(argv[1], NULL, 10);
	unsigned want_c = (unsigned)strtoul(argv[2], NULL, 10);
	long timeout = strtol(argv[3], NULL, 10);
	char seen[1024] = "";
	unsigned r = 0, c = 0;
	for (long waited = 0; waited <= timeout; waited += 50) {
		if (count(&r, &c, seen, sizeof seen) == 0 && r >= want_r && c >= want_c)
			return 0;
		sleep_ms(50);
	}
	fprintf(stderr, "pcsc_wait: wanted %u readers and %u cards within %ld ms; saw %u/%u: %s\n",
	        want_r, want_c, timeout, r, c, seen[0] ? seen : "(pcscd unreachable or no readers)");
	return 1;
}
