/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared helpers of the benchmark programs (test/bench/): clocks,
 * medians, the list of shipped profiles, peak memory. */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stddef.h>

/* Monotonic clock in milliseconds (fractional). */
double bench_now_ms(void);
/* Median of v[0..n) (v is sorted in place); 0 for n == 0. */
double bench_median(double *v, size_t n);

/* The *.json profiles in `dir`, sorted by name, as full paths. Returns the
 * count (0 when none or on error); free with bench_list_free(). */
size_t bench_profiles(const char *dir, char ***out);
void bench_list_free(char **list, size_t n);
/* File name without directory and ".json". Points into a static buffer. */
const char *bench_profile_name(const char *path);
/* The profiles directory: argv value if given, else $SSCARD_VECTORS/cards,
 * else "vectors/cards". */
const char *bench_cards_dir(const char *arg);

/* Peak resident set size of this process in KiB (getrusage ru_maxrss). */
long bench_peak_rss_kb(void);
/* Current resident set size in KiB (/proc/self/statm), -1 if unknown. */
long bench_rss_kb(void);



/* The PIN a profile holds (pin.value) into pin[pinsz]; 0 on success. */
int bench_profile_pin(const char *path, char *pin, size_t pinsz);
/* A top-level string field of a profile (e.g. "algorithm"); 0 on success. */
int bench_profile_string(const char *path, const char *key, char *out, size_t outsz);

/* A private 0600 copy (the library refuses others) of the test keystore
 * matching a profile's algorithm: PROFILE_DIR/../sm/healthy-v3.keys for
 * "sm4", v2.keys for "3des". Path in out[outsz] (unlink it when done);
 * 0 on success. */
int bench_keystore_copy(const char *profile, char *out, size_t outsz);
#endif
