/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A libFuzzer harness without libFuzzer: runs LLVMFuzzerTestOneInput on
 * every seed, then on a fixed series of mutations of each (bit flips,
 * boundary bytes, deletions, insertions, truncations), so that the
 * harness's checks run with any compiler, under valgrind or the
 * sanitizers, and as arm64 code under qemu-user (suite fuzz-replay).
 * The series is the same on every machine: a fixed pseudo-random
 * generator over the seeds in name order.
 *
 *   NAME_replay [-n MUTATIONS] PATH...   (files, or directories of them)
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX 8192

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint64_t rng(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Du;
}

static size_t below(size_t n)
{
	return n == 0 ? 0 : (size_t)(rng() % n);
}

/* Runs the harness on an exact-size heap copy, so that a read past the
 * end is seen by valgrind and AddressSanitizer. */
static void run(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);

	if (copy == NULL) {
		perror("replay");
		exit(2);
	}
	if (size)
		memcpy(copy, data, size);
	LLVMFuzzerTestOneInput(copy, size);
	free(copy);
}

static size_t mutate(uint8_t *buf, size_t len)
{
	static const uint8_t boundary[] = { 0x00, 0x01, 0x7F, 0x80, 0x81, 0xFE, 0xFF };
	size_t ops = 1 + below(4);

	for (size_t k = 0; k < ops; k++) {
		size_t at = below(len);
		switch (below(6)) {
		case 0: /* flip one bit */
			if (len)
				buf[at] ^= (uint8_t)(1u << below(8));
			break;
		case 1: /* a boundary byte: sign, length and tag edges */
			if (len)
				buf[at] = boundary[below(sizeof(boundary))];
			break;
		case 2: /* any byte */
			if (len)
				buf[at] = (uint8_t)rng();
			break;
		case 3: { /* delete a run */
			size_t n = len ? 1 + below(len - at < 8 ? len - at : 8) : 0;
			memmove(buf + at, buf + at + n, len - at - n);
			len -= n;
			break;
		}
		case 4: /* insert a byte */
			if (len < REPLAY_MAX) {
				memmove(buf + at + 1, buf + at, len - at);
				buf[at] = (uint8_t)rng();
				len++;
			}
			break;
		default: /* truncate */
			len = below(len + 1);
			break;
		}
	}
	return len;
}

static unsigned long runs;

static void replay_file(const char *path, unsigned mutations)
{
	static uint8_t seed[REPLAY_MAX], buf[REPLAY_MAX];
	FILE *f = fopen(path, "rb");
	size_t len;

	if (f == NULL) {
		perror(path);
		exit(2);
	}
	len = fread(seed, 1, sizeof(seed), f);
	fclose(f);
	run(seed, len);
	runs++;
	for (unsigned i = 0; i < mutations; i++) {
		memcpy(buf, seed, len);
		run(buf, mutate(buf, len));
		runs++;
	}
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void replay_path(const char *path, unsigned mutations)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;

	if (stat(path, &st) != 0) {
		perror(path);
		exit(2);
	}
	if (!S_ISDIR(st.st_mode)) {
		replay_file(path, mutations);
		return;
	}
	d = opendir(path);
	if (d == NULL) {
		perror(path);
		exit(2);
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **more = realloc(names, (cap ? 2 * cap : 64) * sizeof(*names));
			if (more == NULL) {
				perror("replay");
				exit(2);
			}
			names = more;
			cap = cap ? 2 * cap : 64;
		}
		size_t sz = strlen(path) + strlen(de->d_name) + 2;
		char *full = malloc(sz);
		if (full == NULL) {
			perror("replay");
			exit(2);
		}
		snprintf(full, sz, "%s/%s", path, de->d_name);
		names[n++] = full;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		replay_path(names[i], mutations);
		free(names[i]);
	}
	free(names);
}

int main(int argc, char **argv)
{
	unsigned mutations = 300;
	int i = 1, paths = 0;

	if (argc > 2 && strcmp(argv[1], "-n") == 0) {
		mutations = (unsigned)strtoul(argv[2], NULL, 10);
		i = 3;
	}
	for (; i < argc; i++, paths++)
		replay_path(argv[i], mutations);
	if (paths == 0) {
		fprintf(stderr, "usage: %s [-n MUTATIONS] PATH...\n", argv[0]);
		return 2;
	}
	printf("replay: %lu inputs (seeds and %u mutations of each), all checks passed\n",
	       runs, mutations);
	return 0;
}
