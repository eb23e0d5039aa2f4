/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Readers with a security-module (two-step) operation between its steps.
 * Between Step1 and the last step nothing else from this library may
 * reach that card: a command of ours would void the card's challenge (or
 * its security state) that the back end is computing for. Every other
 * call that picks that reader is refused (-12) before it connects, on any
 * thread; only the operation's own next step uses the card, on the
 * connection Step1 opened.
 *
 * An operation whose next step never comes (the back end down, the HIS
 * gone elsewhere) holds the reader for COMPAT_BUSY_EXPIRY_S seconds at
 * most: after that the reader is free again, and the late step fails
 * like any step whose challenge another command voided.
 */
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "compat_int.h"

#define BUSY_MAX 16u

typedef struct busy_entry {
	bool used;
	pthread_t owner;
	time_t since;
	char reader[COMPAT_READER_NAME_MAX];
} busy_entry;

static pthread_mutex_t busy_lock = PTHREAD_MUTEX_INITIALIZER;
static busy_entry busy[BUSY_MAX];

static time_t now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static bool live(const busy_entry *e, time_t t)
{
	return e->used && t - e->since < COMPAT_BUSY_EXPIRY_S;
}

bool compat_busy_claim(const char *reader)
{
	time_t t = now();
	bool ok = false;

	if (strlen(reader) >= COMPAT_READER_NAME_MAX)
		return false;
	pthread_mutex_lock(&busy_lock);
	for (size_t i = 0; i < BUSY_MAX && !ok; i++) {
		if (live(&busy[i], t))
			continue;
		busy[i].used = true;
		busy[i].owner = pthread_self();
		busy[i].since = t;
		strcpy(busy[i].reader, reader);
		ok = true;
	}
	pthread_mutex_unlock(&busy_lock);
	return ok;
}

void compat_busy_release(const char *reader)
{
	pthread_mutex_lock(&busy_lock);
	for (size_t i = 0; i < BUSY_MAX; i++)
		if (busy[i].used && pthread_equal(busy[i].owner, pthread_self()) &&
		    strcmp(busy[i].reader, reader) == 0) {
			memset(&busy[i], 0, sizeof(busy[i]));
			break;
		}
	pthread_mutex_unlock(&busy_lock);
}

bool compat_busy(const char *reader)
{
	time_t t = now();
	bool found = false;

	pthread_mutex_lock(&busy_lock);
	for (size_t i = 0; i < BUSY_MAX && !found; i++)
		found = live(&busy[i], t) && strcmp(busy[i].reader, reader) == 0;
	pthread_mutex_unlock(&busy_lock);
	return found;
}
