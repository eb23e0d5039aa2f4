/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of the ATR parser (lib/atr.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"
#include <sscard/atr.h>

/* vectors/atr/expected.tsv, found through $SSCARD_VECTORS (meson sets it). */
static FILE *open_expected(void)
{
	const char *dir = getenv("SSCARD_VECTORS");
	char path[4096];
	FILE *f;

	if (dir == NULL)
		fail_msg("SSCARD_VECTORS is not set (run through meson test)");
	snprintf(path, sizeof path, "%s/atr/expected.tsv", dir);
	f = fopen(path, "r");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	return f;
}

/* Parse `hex` from a heap copy of exactly its length, so that ASan sees
 * any read past the end. */
static sscard_rc parse_hex(const char *hex, sscard_atr *out)
{
	uint8_t buf[128];
	size_t len = 0;
	uint8_t *copy;
	sscard_rc rc;

	assert_int_equal(sscard_hex_decode(hex, buf, sizeof buf, &len), SSCARD_OK);
	copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, buf, len);
	rc = sscard_atr_parse(copy, len, out);
	free(copy);
	return rc;
}

static void assert_invalid(const char *hex, sscard_atr_error error, const char *words)
{
	sscard_atr a;

	assert_int_equal(parse_hex(hex, &a), SSCARD_E_BAD_ATR);
	assert_false(a.valid);
	assert_int_equal(a.error, error);
	if (strstr(a.reason, words) == NULL)
		fail_msg("%s: reason \"%s\" lacks \"%s\"", hex, a.reason, words);
}

static void test_ssc_fudan(void **state)
{
	sscard_atr a;
	static const uint8_t hist[] = {0x00, 0x90, 0x54, 0x31, 0x16, 0x86, 0x60,
	                               0x13, 0x04, 0x25, 0x00, 0x1C, 0x4E};
	(void)state;

	assert_int_equal(parse_hex("3B6D000000905431168660130425001C4E", &a), SSCARD_OK);
	assert_true(a.valid);
	assert_int_equal(a.error, SSCARD_ATR_OK);
	assert_string_equal(a.reason, "");
	assert_int_equal(a.ts, 0x3B);
	assert_false(a.inverse);
	assert_int_equal(a.t0, 0x6D);
	assert_int_equal(a.length, 17);
	assert_true(a.interface_complete);
	assert_int_equal(a.levels, 1);
	assert_int_equal(a.level[0].present, SSCARD_ATR_HAS_TB | SSCARD_ATR_HAS_TC);
	assert_int_equal(a.level[0].tb, 0x00);
	assert_int_equal(a.level[0].tc, 0x00);
	assert_int_equal(a.protocols, 1u << 0);
	assert_int_equal(a.first_protocol, 0);
	assert_false(a.ta1_present);
	assert_int_equal(a.fi, 372);
	assert_int_equal(a.di, 1);
	assert_int_equal(a.fmax_khz, 5000);
	assert_true(a.f_over_d > 371.9 && a.f_over_d < 372.1);
	assert_true(a.guard_present);
	assert_int_equal(a.guard_n, 0);
	assert_false(a.specific_mode);
	assert_int_equal(a.k, 13);
	assert_int_equal(a.hist_len, 13);
	assert_memory_equal(a.hist, hist, sizeof hist);
	assert_int_equal(a.hist_format, SSCARD_ATR_HIST_SSC);
	assert_false(a.tck_present);
	assert_true(a.ssc);
	assert_int_equal(sscard_atr_looks_ssc(&a), 1);
	assert_int_equal(a.ssc_vendor, 0x0090);
	assert_string_equal(a.ssc_vendor_name, "Fudan");
}

static void test_ssc_vendors(void **state)
{
	static const struct {
		const char *atr;
		uint16_t code;
		const char *name;
	} cases[] = {
		{"3B6D00000087CF20018649618C009773F5", 0x0087, "Datang"},
		{"3B6D000000814E43238697159900BF7C7A", 0x0081, "Huada"},
		{"3B6D00000085123456789A000102030405", 0x0085, "Huahong"},
		{"3B6D00000099123456789A000102030405", 0x0099, ""},
	};
	sscard_atr a;
	(void)state;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(parse_hex(cases[i].atr, &a), SSCARD_OK);
		assert_int_equal(sscard_atr_looks_ssc(&a), 1);
		assert_int_equal(a.ssc_vendor, cases[i].code);
		assert_string_equal(a.ssc_vendor_name, cases[i].name);
	}
	/* not the layout: inverse TS, or another T0 */
	assert_int_equal(parse_hex("3F6D000000905431168660130425001C4E", &a), SSCARD_OK);
	assert_int_equal(sscard_atr_looks_ssc(&a), 0);
	assert_int_equal(a.hist_format, SSCARD_ATR_HIST_CTLV_STATUS);
	assert_int_equal(parse_hex("3B0F0102030405060708090A0B0C0D0E0F", &a), SSCARD_OK);
	assert_int_equal(sscard_atr_looks_ssc(&a), 0);
	assert_int_equal(sscard_atr_looks_ssc(NULL), 0);
}

/* YubiKey 4 (pcsc-tools list): T=1 with IFSC, BWI/CWI and a TCK. */
static void test_yubikey_t1(void **state)
{
	sscard_atr a;
	(void)state;

	assert_int_equal(parse_hex("3BF813000081 31FE15 597562696B657934 D4", &a), SSCARD_OK);
	assert_int_equal(a.levels, 3);
	assert_int_equal(a.level[0].present, 0xF);
	assert_int_equal(a.level[0].ta, 0x13);
	assert_int_equal(a.level[0].td, 0x81);
	assert_int_equal(a.level[1].present, SSCARD_ATR_HAS_TD);
	assert_int_equal(a.level[1].t, 1);
	assert_int_equal(a.level[2].present, SSCARD_ATR_HAS_TA | SSCARD_ATR_HAS_TB);
	assert_int_equal(a.level[2].t, 1);
	assert_int_equal(a.protocols, 1u << 1);
	assert_int_equal(a.first_protocol, 1);
	assert_true(a.ta1_present);
	assert_int_equal(a.fi_code, 1);
	assert_int_equal(a.di_code, 3);
	assert_int_equal(a.fi, 372);
	assert_int_equal(a.di, 4);
	assert_true(a.f_over_d > 92.9 && a.f_over_d < 93.1);
	assert_true(a.guard_present);
	assert_int_equal(a.t1_ifsc, 0xFE);
	assert_int_equal(a.t1_bwi, 1);
	assert_int_equal(a.t1_cwi, 5);
	assert_false(a.t1_crc);
	assert_int_equal(a.hist_len, 8);
	assert_memory_equal(a.hist, "Yubikey4", 8);
	assert_int_equal(a.hist_format, SSCARD_ATR_HIST_PROPRIETARY);
	assert_true(a.tck_present);
	assert_true(a.tck_ok);
	assert_int_equal(a.tck, 0xD4);
	assert_false(a.ssc);
}

/* The longest legal ATR: four levels, K = 15, T=1, 33 bytes. */
static void test_longest(void **state)
{
	sscard_atr a;
	(void)state;

	assert_int_equal(parse_hex("3BFF960000F1112233F1445566717788998001"
	                           "02030405060708090A0B0C0D0E86", &a), SSCARD_OK);
	assert_int_equal(a.length, 33);
	assert_int_equal(a.levels, 4);
	assert_int_equal(a.fi, 512);
	assert_int_equal(a.di, 32);
	assert_true(a.f_over_d > 15.9 && a.f_over_d < 16.1);
	assert_true(a.specific_mode);
	assert_int_equal(a.specific_protocol, 1);
	assert_true(a.specific_implicit);
	assert_true(a.specific_can_change);
	assert_int_equal(a.t0_wi, 0x33);
	assert_int_equal(a.level[3].ta, 0x77);
	assert_int_equal(a.t1_ifsc, 0x44);  /* the first T=1 TA, level 3 */
	assert_int_equal(a.t1_bwi, 5);
	assert_int_equal(a.t1_cwi, 5);
	assert_false(a.t1_crc);             /* TC3 66: bit 1 clear */
	assert_int_equal(a.protocols, 1u << 1);
	assert_int_equal(a.hist_format, SSCARD_ATR_HIST_CTLV);
	assert_true(a.ctlv_ok);
	assert_int_equal(a.ctlv_count, 3);
	assert_int_equal(a.ctlv[2].tag, 0);
	assert_int_equal(a.ctlv[2].len, 7);
	assert_int_equal(a.ctlv[2].offset, 8);
}

static void test_global_bytes(void **state)
{
	sscard_atr a;
	(void)state;

	/* T=0, T=1, T=15 with class indicator; compact-TLV with status */
	assert_int_equal(parse_hex("3BD6180080B1806D1F038051006110309E", &a), SSCARD_OK);
	assert_int_equal(a.protocols, (1u << 0) | (1u << 1) | (1u << 15));
	assert_int_equal(a.first_protocol, 0);
	assert_int_equal(a.fi, 372);
	assert_int_equal(a.di, 12);
	assert_int_equal(a.t1_ifsc, 0x80);
	assert_int_equal(a.t1_bwi, 6);
	assert_int_equal(a.t1_cwi, 13);
	assert_true(a.t15_class_present);
	assert_int_equal(a.t15_clock_stop, 0);
	assert_int_equal(a.t15_class, 3);
	assert_int_equal(a.ctlv_count, 3);
	assert_int_equal(a.ctlv[0].tag, 5);
	assert_string_equal(sscard_atr_ctlv_tag_name(a.ctlv[0].tag), "card issuer's data");

	/* RFU codes are flagged, the ATR stays valid */
	assert_int_equal(parse_hex("3B1070", &a), SSCARD_OK);
	assert_true(a.fi_rfu);
	assert_true(a.di_rfu);
	assert_int_equal(a.fi, 0);
	assert_true(a.f_over_d == 0.0);

	/* TC1 = FF: minimum guard time */
	assert_int_equal(parse_hex("3B40FF", &a), SSCARD_OK);
	assert_true(a.guard_present);
	assert_int_equal(a.guard_n, 255);

	/* category 00: compact-TLV then LCS SW1 SW2 */
	assert_int_equal(parse_hex("3B06003180009000", &a), SSCARD_OK);
	assert_int_equal(a.hist_format, SSCARD_ATR_HIST_CTLV_STATUS);
	assert_true(a.status_present);
	assert_int_equal(a.lcs, 0);
	assert_int_equal(a.status_sw, 0x9000);
	assert_int_equal(a.ctlv_count, 1);
	assert_int_equal(a.ctlv[0].tag, 3);

	/* category 80 with a status indicator object 8 of 3 bytes */
	assert_int_equal(parse_hex("3B0580830F9000", &a), SSCARD_OK);
	assert_true(a.status_present);
	assert_int_equal(a.lcs, 0x0F);
	assert_int_equal(a.status_sw, 0x9000);

	/* category 80, malformed compact-TLV: still a valid ATR */
	assert_int_equal(parse_hex("3B0480310173", &a), SSCARD_OK);
	assert_false(a.ctlv_ok);
	assert_int_equal(a.ctlv_count, 1);

	/* category 10 */
	assert_int_equal(parse_hex("3B021001", &a), SSCARD_OK);
	assert_int_equal(a.hist_format, SSCARD_ATR_HIST_DIR_REF);
	assert_int_equal(a.dir_ref, 1);

	/* inverse convention */
	assert_int_equal(parse_hex("3F961880018051006110309F", &a), SSCARD_OK);
	assert_true(a.inverse);
}

static void test_malformed(void **state)
{
	sscard_atr a;
	(void)state;

	assert_int_equal(sscard_atr_parse(NULL, 0, &a), SSCARD_E_BAD_ATR);
	assert_int_equal(a.error, SSCARD_ATR_EMPTY);
	assert_invalid("3C6D0000", SSCARD_ATR_BAD_TS, "TS is 3C");
	assert_invalid("00", SSCARD_ATR_BAD_TS, "neither 3B");
	assert_invalid("3B", SSCARD_ATR_TRUNCATED_INTERFACE, "T0 is missing");
	assert_invalid("3B90", SSCARD_ATR_TRUNCATED_INTERFACE, "TA1 is announced");
	assert_invalid("3BF01300", SSCARD_ATR_TRUNCATED_INTERFACE, "TC1 is announced");
	assert_invalid("3B808011", SSCARD_ATR_TRUNCATED_INTERFACE, "TA3 is announced");
	assert_invalid("3B6D000000905431168660130425001C",
	               SSCARD_ATR_TRUNCATED_HISTORICAL, "13 historical bytes but only 12");
	assert_invalid("3B81800180", SSCARD_ATR_TCK_MISSING, "TCK is required");
	assert_invalid("3B8180018081", SSCARD_ATR_TCK_WRONG, "TCK 81 is wrong: it should be 80");
	assert_invalid("3B818001808000", SSCARD_ATR_TRAILING, "1 byte(s) after the TCK");
	assert_invalid("3B6D000000905431168660130425001C4E00", SSCARD_ATR_TRAILING,
	               "after the historical bytes");
	assert_invalid("3B8F" "808080808080808080808080808080" "01"
	               "800102030405060708090A0B0C0D0E" "81", SSCARD_ATR_OVERLONG, "34 bytes");
	assert_invalid("3B80" "8080808080808080808080808080808080808080"
	               "808080808080808080808080" "00", SSCARD_ATR_OVERLONG, "level 33");
	assert_invalid("3B801F009F", SSCARD_ATR_BAD_TD1, "T=15");

	/* filled as far as parsed */
	assert_int_equal(parse_hex("3B808011", &a), SSCARD_E_BAD_ATR);
	assert_false(a.interface_complete);
	assert_int_equal(a.levels, 3);
	assert_int_equal(a.level[1].td, 0x11);
	assert_int_equal(a.protocols, (1u << 0) | (1u << 1));
	assert_int_equal(a.length, 0);
	assert_int_equal(parse_hex("3B818001808100", &a), SSCARD_E_BAD_ATR);
	assert_int_equal(a.error, SSCARD_ATR_TRAILING);
	assert_true(a.tck_present);
	assert_false(a.tck_ok);
	assert_int_equal(a.protocols, 3);
	assert_int_equal(a.hist_len, 1);
	assert_int_equal(a.input_len, 7);

	/* the struct keeps only the first 33 input bytes */
	assert_int_equal(parse_hex("3B6D000000905431168660130425001C4E000102"
	                           "030405060708090A0B0C0D0E0F10111213", &a), SSCARD_E_BAD_ATR);
	assert_int_equal(a.input_len, 37);
	assert_int_equal(a.raw_len, 33);
	assert_true(a.ssc); /* layout recognised even though the ATR is invalid */

	assert_int_equal(sscard_atr_parse(NULL, 3, &a), SSCARD_E_INVALID_ARG);
	assert_int_equal(sscard_atr_parse((const uint8_t *)"\x3b", 1, NULL),
	                 SSCARD_E_INVALID_ARG);
}

/* Every length of the longest ATR: prefixes are truncated, never read
 * beyond the (heap, exact-size) buffer. */
static void test_every_truncation(void **state)
{
	static const char full[] = "3BFF960000F1112233F1445566717788998001"
	                           "02030405060708090A0B0C0D0E86";
	uint8_t buf[33];
	size_t len = 0;
	sscard_atr a;
	(void)state;

	assert_int_equal(sscard_hex_decode(full, buf, sizeof buf, &len), SSCARD_OK);
	assert_int_equal(len, 33);
	for (size_t n = 0; n <= len; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		sscard_atr_error want;

		assert_non_null(copy);
		memcpy(copy, buf, n);
		if (n == 0)
			want = SSCARD_ATR_EMPTY;
		else if (n < 17)
			want = SSCARD_ATR_TRUNCATED_INTERFACE;
		else if (n < 32)
			want = SSCARD_ATR_TRUNCATED_HISTORICAL;
		else if (n < 33)
			want = SSCARD_ATR_TCK_MISSING;
		else
			want = SSCARD_ATR_OK;
		assert_int_equal(sscard_atr_parse(copy, n, &a),
		                 want == SSCARD_ATR_OK ? SSCARD_OK : SSCARD_E_BAD_ATR);
		assert_int_equal(a.error, want);
		if (want == SSCARD_ATR_TRUNCATED_HISTORICAL)
			assert_int_equal(a.hist_len, n - 17);
		free(copy);
	}
}

/* Arbitrary bytes: never a crash, and the verdict is self-consistent. */
static void test_random_bytes(void **state)
{
	uint32_t seed = 0x5eed1234u;
	sscard_atr a;
	(void)state;

	for (int round = 0; round < 20000; round++) {
		size_t n;
		uint8_t *buf;
		sscard_rc rc;

		seed = seed * 1664525u + 1013904223u;
		n = (seed >> 24) % 40u;
		buf = malloc(n ? n : 1);
		assert_non_null(buf);
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1664525u + 1013904223u;
			buf[i] = (uint8_t)(seed >> 24);
		}
		if (n > 0 && (round & 1))
			buf[0] = 0x3B; /* get past TS half of the time */
		rc = sscard_atr_parse(buf, n, &a);
		assert_int_equal(rc == SSCARD_OK, a.valid);
		assert_int_equal(a.valid, a.error == SSCARD_ATR_OK);
		assert_int_equal(a.valid, a.reason[0] == '\0');
		assert_true(a.hist_len <= a.k);
		assert_true(a.ctlv_count <= SSCARD_ATR_MAX_HIST);
		assert_true(a.interface_complete || a.hist_len == 0);
		assert_true(a.levels <= SSCARD_ATR_MAX_LEVELS);
		if (a.valid)
			assert_true(a.length == n && n <= SSCARD_ATR_MAX_LEN);
		free(buf);
	}
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(sscard_atr_error_name(SSCARD_ATR_TCK_WRONG), "TCK_WRONG");
	assert_string_equal(sscard_atr_error_name(SSCARD_ATR_OK), "OK");
	assert_string_equal(sscard_atr_error_name((sscard_atr_error)99), "UNKNOWN");
	assert_string_equal(sscard_atr_hist_format_name(SSCARD_ATR_HIST_SSC), "SSC");
	assert_string_equal(sscard_atr_hist_format_name((sscard_atr_hist_format)-1), "UNKNOWN");
	assert_string_equal(sscard_atr_ctlv_tag_name(7), "card capabilities");
	assert_string_equal(sscard_atr_ctlv_tag_name(0), "RFU");
	assert_string_equal(sscard_atr_ctlv_tag_name(200), "RFU");
}

/* ---- the corpus, against vectors/atr/gen_expected.py ------------------ */

static void protocols_text(const sscard_atr *a, char *out, size_t outsz)
{
	size_t used = 0;

	out[0] = '\0';
	for (unsigned t = 0; t < 16; t++)
		if (a->protocols & (1u << t))
			used += (size_t)snprintf(out + used, outsz - used, "%s%u",
			                         used ? "," : "", t);
	if (used == 0)
		snprintf(out, outsz, "-");
}

static void ctlv_text(const sscard_atr *a, char *out, size_t outsz)
{
	size_t used = 0;

	if (a->hist_format != SSCARD_ATR_HIST_CTLV &&
	    a->hist_format != SSCARD_ATR_HIST_CTLV_STATUS) {
		snprintf(out, outsz, "-");
		return;
	}
	out[0] = '\0';
	for (unsigned i = 0; i < a->ctlv_count; i++)
		used += (size_t)snprintf(out + used, outsz - used, "%s%X/%u",
		                         i ? "," : "", a->ctlv[i].tag, a->ctlv[i].len);
	if (a->ctlv_count == 0)
		used += (size_t)snprintf(out + used, outsz - used, "none");
	if (!a->ctlv_ok)
		used += (size_t)snprintf(out + used, outsz - used, "!");
	if (a->hist_format == SSCARD_ATR_HIST_CTLV_STATUS && a->status_present)
		snprintf(out + used, outsz - used, ";status=%02X%04X", a->lcs, a->status_sw);
}

enum { COLUMNS = 8 };
static const char *const column_names[COLUMNS] = {
	"atr", "verdict", "error", "protocols", "tck", "historical", "format", "ctlv",
};

/* The row's columns as lib/atr.c sees the ATR, in gen_expected.py's words. */
static void describe(const sscard_atr *a, char got[COLUMNS][128])
{
	snprintf(got[1], 128, "%s", a->valid ? "valid" : "invalid");
	snprintf(got[2], 128, "%s", sscard_atr_error_name(a->error));
	protocols_text(a, got[3], 128);
	snprintf(got[4], 128, "%s", !a->tck_present ? "absent" : a->tck_ok ? "ok" : "wrong");
	if (a->hist_len == 0)
		snprintf(got[5], 128, "-");
	else
		sscard_hex_encode(a->hist, a->hist_len, got[5], 128);
	snprintf(got[6], 128, "%s", sscard_atr_hist_format_name(a->hist_format));
	ctlv_text(a, got[7], 128);
}

static void check_row(char *line, unsigned lineno)
{
	char *field[COLUMNS];
	char *save = NULL, *tok = strtok_r(line, "\t\n", &save);
	char got[COLUMNS][128];
	sscard_atr a;
	sscard_rc rc;
	int n = 0;

	while (tok && n < COLUMNS) {
		field[n++] = tok;
		tok = strtok_r(NULL, "\t\n", &save);
	}
	if (n != COLUMNS)
		fail_msg("expected.tsv:%u: %d columns", lineno, n);
	rc = parse_hex(field[0], &a);
	if ((rc == SSCARD_OK) != a.valid)
		fail_msg("expected.tsv:%u %s: rc %d but valid %d", lineno, field[0], rc, a.valid);
	describe(&a, got);
	for (int c = 1; c < COLUMNS; c++)
		if (strcmp(field[c], got[c]) != 0)
			fail_msg("expected.tsv:%u %s: %s expected %s, got %s (%s)", lineno,
			         field[0], column_names[c], field[c], got[c], a.reason);
}

static void test_corpus(void **state)
{
	FILE *f = open_expected();
	char line[512];
	unsigned lineno = 0, rows = 0, invalid = 0;
	(void)state;

	while (fgets(line, sizeof line, f)) {
		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (strstr(line, "\tinvalid\t"))
			invalid++;
		check_row(line, lineno);
		rows++;
	}
	fclose(f);
	print_message("%u ATRs agree with gen_expected.py (%u invalid)\n", rows, invalid);
	assert_true(rows >= 3800);
	assert_true(invalid >= 100);
}

/* Every strict prefix of every valid corpus ATR is truncated; one byte
 * more makes it overlong. */
static void test_corpus_prefixes(void **state)
{
	FILE *f = open_expected();
	char line[512];
	unsigned checked = 0;
	(void)state;

	while (fgets(line, sizeof line, f)) {
		uint8_t buf[SSCARD_ATR_MAX_LEN + 1];
		size_t len = 0;
		sscard_atr a;

		if (line[0] == '#' || strstr(line, "\tvalid\t") == NULL)
			continue;
		*strchr(line, '\t') = '\0';
		assert_int_equal(sscard_hex_decode(line, buf, sizeof buf, &len), SSCARD_OK);
		for (size_t n = 0; n < len; n++) {
			uint8_t *copy = malloc(n ? n : 1);
			assert_non_null(copy);
			memcpy(copy, buf, n);
			assert_int_equal(sscard_atr_parse(copy, n, &a), SSCARD_E_BAD_ATR);
			assert_true(a.error == SSCARD_ATR_EMPTY ||
			            a.error == SSCARD_ATR_TRUNCATED_INTERFACE ||
			            a.error == SSCARD_ATR_TRUNCATED_HISTORICAL ||
			            a.error == SSCARD_ATR_TCK_MISSING);
			free(copy);
		}
		buf[len] = 0x00;
		assert_int_equal(sscard_atr_parse(buf, len + 1, &a), SSCARD_E_BAD_ATR);
		assert_int_equal(a.error, SSCARD_ATR_TRAILING);
		checked++;
	}
	fclose(f);
	assert_true(checked >= 3700);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ssc_fudan),
		cmocka_unit_test(test_ssc_vendors),
		cmocka_unit_test(test_yubikey_t1),
		cmocka_unit_test(test_longest),
		cmocka_unit_test(test_global_bytes),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_corpus_prefixes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
