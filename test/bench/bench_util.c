/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "bench_util.h"

double bench_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_median(double *v, size_t n)
{
	if (n == 0)
		return 0.0;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_json(const char *name)
{
	size_t n = strlen(name);

	return n > 5 && strcmp(name + n - 5, ".json") == 0;
}

size_t bench_profiles(const char *dir, char ***out)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **list = NULL;
	size_t n = 0;

	*out = NULL;
	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		char **grown;
		size_t len;

		if (!is_json(de->d_name))
			continue;
		grown = realloc(list, (n + 1) * sizeof(*list));
		if (grown == NULL)
			break;
		list = grown;
		len = strlen(dir) + strlen(de->d_name) + 2;
		list[n] = malloc(len);
		if (list[n] == NULL)
			break;
		snprintf(list[n], len, "%s/%s", dir, de->d_name);
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(list, n, sizeof(*list), cmp_str);
	*out = list;
	return n;
}

void bench_list_free(char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

const char *bench_profile_name(const char *path)
{
	static char name[128];
	const char *slash = strrchr(path, '/');
	size_t len;

	snprintf(name, sizeof(name), "%s", slash ? slash + 1 : path);
	len = strlen(name);
	if (len > 5 && strcmp(name + len - 5, ".json") == 0)
		name[len - 5] = '\0';
	return name;
}

const char *bench_cards_dir(const char *arg)
{
	static char dir[4096];
	const char *vectors = getenv("SSCARD_VECTORS");

	if (arg != NULL)
		return arg;
	if (vectors != NULL) {
		snprintf(dir, sizeof(dir), "%s/cards", vectors);
		return dir;
	}
	return "vectors/cards";
}

long bench_peak_rss_kb(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return -1;
	return ru.ru_maxrss;
}

long bench_rss_kb(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long pages = -1, resident = -1;

	if (f == NULL)
		return -1;
	if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
		resident = -1;
	fclose(f);
	return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* A string field of the profile: `key` at the top level, or inside the
 * object `outer` when that is not NULL. */
static int profile_field(const char *path, const char *outer, const char *key, char *out,
                         size_t outsz)
{
	json_object *root = json_object_from_file(path), *o, *v;
	int rc = -1;

	if (root == NULL)
		return -1;
	o = root;
	if ((outer == NULL || json_object_object_get_ex(root, outer, &o)) &&
	    json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)) {
		snprintf(out, outsz, "%s", json_object_get_string(v));
		rc = 0;
	}
	json_object_put(root);
	return rc;
}

int bench_profile_pin(const char *path, char *pin, size_t pinsz)
{
	return profile_field(path, "pin", "value", pin, pinsz);
}

int bench_profile_string(const char *path, const char *key, char *out, size_t outsz)
{
	return profile_field(path, NULL, key, out, outsz);
}

int bench_keystore_copy(const char *profile, char *out, size_t outsz)
{
	char alg[16] = "", src[4200], buf[8192];
	const char *slash = strrchr(profile, '/');
	int dirlen = slash ? (int)(slash - profile) : 1;
	FILE *in;
	size_t n;
	int fd, ok;

	if (bench_profile_string(profile, "algorithm", alg, sizeof(alg)) != 0)
		return -1;
	snprintf(src, sizeof(src), "%.*s/../sm/%s", dirlen, slash ? profile : ".",
	         strcmp(alg, "sm4") == 0 ? "healthy-v3.keys" : "v2.keys");
	snprintf(out, outsz, "/tmp/sscard-bench-keys-XXXXXX");
	if ((in = fopen(src, "rb")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf), in);
	fclose(in);
	if ((fd = mkstemp(out)) < 0)
		return -1;
	ok = write(fd, buf, n) == (ssize_t)n;
	close(fd);
	if (!ok)
		unlink(out);
	return ok ? 0 : -1;
}
