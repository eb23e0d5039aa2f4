/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ISO 7816-3 Answer-To-Reset parser.
 *
 * The ATR comes from the card, so it is hostile input: every byte is read
 * through a bounds check against the length the caller gave, and every way
 * it can be wrong ends as a typed reason, never an over-read. The order of
 * the checks is fixed (see sscard_atr_error) so that one malformed ATR has
 * exactly one verdict, the one vectors/atr/gen_expected.py also computes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include <sscard/atr.h>

/* ISO 7816-3 Table 7: Fi and f(max) by FI; 0 = RFU. */
static const struct {
	unsigned fi;
	unsigned fmax_khz;
} fi_table[16] = {
	{372, 4000}, {372, 5000}, {558, 6000}, {744, 8000},
	{1116, 12000}, {1488, 16000}, {1860, 20000}, {0, 0},
	{0, 0}, {512, 5000}, {768, 7500}, {1024, 10000},
	{1536, 15000}, {2048, 20000}, {0, 0}, {0, 0},
};

/* ISO 7816-3 Table 8: Di by DI; 0 = RFU. */
static const unsigned di_table[16] = {
	0, 1, 2, 4, 8, 16, 32, 64, 12, 20, 0, 0, 0, 0, 0, 0,
};

/* Chip vendors of social security cards, historical bytes 1-2 (design.md
 * s.4; a correction is a one-line change here). */
static const struct {
	uint16_t code;
	const char *name;
} ssc_vendors[] = {
	{0x0081, "Huada"},
	{0x0085, "Huahong"},
	{0x0087, "Datang"},
	{0x0090, "Fudan"},
};

static const uint8_t ssc_prefix[] = {0x3B, 0x6D, 0x00, 0x00};
#define SSC_ATR_LEN 17u

static const char *const error_names[] = {
	[SSCARD_ATR_OK] = "OK",
	[SSCARD_ATR_EMPTY] = "EMPTY",
	[SSCARD_ATR_BAD_TS] = "BAD_TS",
	[SSCARD_ATR_TRUNCATED_INTERFACE] = "TRUNCATED_INTERFACE",
	[SSCARD_ATR_TRUNCATED_HISTORICAL] = "TRUNCATED_HISTORICAL",
	[SSCARD_ATR_TCK_MISSING] = "TCK_MISSING",
	[SSCARD_ATR_OVERLONG] = "OVERLONG",
	[SSCARD_ATR_TRAILING] = "TRAILING",
	[SSCARD_ATR_BAD_TD1] = "BAD_TD1",
	[SSCARD_ATR_TCK_WRONG] = "TCK_WRONG",
};

static const char *const hist_format_names[] = {
	[SSCARD_ATR_HIST_NONE] = "NONE",
	[SSCARD_ATR_HIST_CTLV] = "CTLV",
	[SSCARD_ATR_HIST_CTLV_STATUS] = "CTLV_STATUS",
	[SSCARD_ATR_HIST_DIR_REF] = "DIR_REF",
	[SSCARD_ATR_HIST_RFU] = "RFU",
	[SSCARD_ATR_HIST_PROPRIETARY] = "PROPRIETARY",
	[SSCARD_ATR_HIST_SSC] = "SSC",
};

/* ISO 7816-4 s.12.1.1 compact-TLV tags of the historical bytes. */
static const char *const ctlv_tag_names[16] = {
	[0x1] = "country code",
	[0x2] = "issuer identification number",
	[0x3] = "card service data",
	[0x4] = "initial access data",
	[0x5] = "card issuer's data",
	[0x6] = "pre-issuing data",
	[0x7] = "card capabilities",
	[0x8] = "status indicator",
	[0xF] = "application identifier",
};

/* Interface character names, for reasons: "TA", "TB", "TC", "TD". */
static const char interface_letter[4] = {'A', 'B', 'C', 'D'};

SSCARD_API const char *sscard_atr_error_name(sscard_atr_error error)
{
	if ((unsigned)error < sizeof error_names / sizeof error_names[0])
		return error_names[error];
	return "UNKNOWN";
}

SSCARD_API const char *sscard_atr_hist_format_name(sscard_atr_hist_format f)
{
	if ((unsigned)f < sizeof hist_format_names / sizeof hist_format_names[0])
		return hist_format_names[f];
	return "UNKNOWN";
}

SSCARD_API const char *sscard_atr_ctlv_tag_name(uint8_t tag)
{
	if (tag < 16 && ctlv_tag_names[tag] != NULL)
		return ctlv_tag_names[tag];
	return "RFU";
}

SSCARD_API int sscard_atr_looks_ssc(const sscard_atr *atr)
{
	return atr != NULL && atr->ssc;
}

static sscard_rc atr_fail(sscard_atr *out, sscard_atr_error error,
                          const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static sscard_rc atr_fail(sscard_atr *out, sscard_atr_error error,
                          const char *fmt, ...)
{
	va_list ap;

	out->valid = false;
	out->error = error;
	va_start(ap, fmt);
	vsnprintf(out->reason, sizeof out->reason, fmt, ap);
	va_end(ap);
	return SSCARD_E_BAD_ATR;
}

/*
 * Read the interface characters: TA1..TD1 announced by T0, then each TDi
 * announcing the next level. On success *pos is the index of the first
 * historical byte.
 */
static sscard_rc parse_interface(sscard_atr *out, const uint8_t *atr,
                                 size_t len, size_t *pos)
{
	unsigned y = out->t0 >> 4;
	size_t p = 2;

	for (unsigned lv = 0;; lv++) {
		sscard_atr_level *level = &out->level[lv];
		uint8_t *slot[4] = {&level->ta, &level->tb, &level->tc, &level->td};

		out->levels = lv + 1;
		for (unsigned i = 0; i < 4; i++) {
			if (!(y & (1u << i)))
				continue;
			if (p >= len)
				return atr_fail(out, SSCARD_ATR_TRUNCATED_INTERFACE,
				                "truncated: T%c%u is announced but the ATR ends after %zu bytes",
				                interface_letter[i], lv + 1, len);
			*slot[i] = atr[p++];
			level->present = (uint8_t)(level->present | (1u << i));
		}
		if (!(level->present & SSCARD_ATR_HAS_TD))
			break;
		out->protocols = (uint16_t)(out->protocols | (1u << (level->td & 0x0F)));
		if (lv == 0)
			out->first_protocol = level->td & 0x0F;
		if (lv + 1 >= SSCARD_ATR_MAX_LEVELS)
			return atr_fail(out, SSCARD_ATR_OVERLONG,
			                "overlong: TD%u announces level %u, more than fit in %u bytes",
			                lv + 1, lv + 2, SSCARD_ATR_MAX_LEN);
		out->level[lv + 1].t = level->td & 0x0F;
		y = level->td >> 4;
	}
	if (!(out->level[0].present & SSCARD_ATR_HAS_TD))
		out->protocols = 1u; /* T=0 by default */
	*pos = p;
	return SSCARD_OK;
}

/* TA1 (Fi/Di), TC1 (guard time), TA2 (specific mode), TC2 (T=0 WI). */
static void decode_global(sscard_atr *out)
{
	const sscard_atr_level *l1 = &out->level[0];
	const sscard_atr_level *l2 = &out->level[1];
	/* Without TA1 the card works at the defaults FI=1, DI=1 (ISO 7816-3 8.3). */
	uint8_t ta1 = (l1->present & SSCARD_ATR_HAS_TA) ? l1->ta : 0x11;

	out->ta1_present = (l1->present & SSCARD_ATR_HAS_TA) != 0;
	out->fi_code = ta1 >> 4;
	out->di_code = ta1 & 0x0F;
	out->fi = fi_table[out->fi_code].fi;
	out->fmax_khz = fi_table[out->fi_code].fmax_khz;
	out->di = di_table[out->di_code];
	out->fi_rfu = out->fi == 0;
	out->di_rfu = out->di == 0;
	out->f_over_d = (out->fi && out->di) ? (double)out->fi / (double)out->di : 0.0;

	out->guard_present = (l1->present & SSCARD_ATR_HAS_TC) != 0;
	out->guard_n = out->guard_present ? l1->tc : 0;

	if (out->levels >= 2 && (l2->present & SSCARD_ATR_HAS_TA)) {
		out->specific_mode = true;
		out->specific_protocol = l2->ta & 0x0F;
		out->specific_can_change = !(l2->ta & 0x80);
		out->specific_implicit = (l2->ta & 0x10) != 0;
	}
	out->t0_wi = (out->levels >= 2 && (l2->present & SSCARD_ATR_HAS_TC)) ? l2->tc : 10;
}

/* The first T=1 and T=15 specific bytes, from level 3 on. */
static void decode_specific(sscard_atr *out)
{
	bool have_ifsc = false, have_bw = false, have_edc = false;

	out->t1_ifsc = 32;
	out->t1_bwi = 4;
	out->t1_cwi = 13;
	for (unsigned lv = 2; lv < out->levels; lv++) {
		const sscard_atr_level *l = &out->level[lv];

		if (l->t == 1) {
			if (!have_ifsc && (l->present & SSCARD_ATR_HAS_TA)) {
				out->t1_ifsc = l->ta;
				have_ifsc = true;
			}
			if (!have_bw && (l->present & SSCARD_ATR_HAS_TB)) {
				out->t1_bwi = l->tb >> 4;
				out->t1_cwi = l->tb & 0x0F;
				have_bw = true;
			}
			if (!have_edc && (l->present & SSCARD_ATR_HAS_TC)) {
				out->t1_crc = (l->tc & 0x01) != 0;
				have_edc = true;
			}
		} else if (l->t == 15 && !out->t15_class_present &&
		           (l->present & SSCARD_ATR_HAS_TA)) {
			out->t15_class_present = true;
			out->t15_clock_stop = l->ta >> 6;
			out->t15_class = l->ta & 0x3F;
		}
	}
}

/* Compact-TLV objects in hist[from..to); false if one runs past `to`. */
static bool decode_ctlv(sscard_atr *out, unsigned from, unsigned to)
{
	unsigned i = from;

	while (i < to) {
		uint8_t tag = out->hist[i] >> 4, len = out->hist[i] & 0x0F;

		if (i + 1u + len > to)
			return false;
		out->ctlv[out->ctlv_count++] = (sscard_atr_ctlv){
			.tag = tag, .len = len, .offset = (uint8_t)(i + 1u)};
		if (tag == 0x8) {
			/* status indicator: LCS, SW1 SW2, or LCS SW1 SW2 */
			const uint8_t *v = &out->hist[i + 1u];
			out->status_present = len >= 1 && len <= 3;
			if (len == 1 || len == 3)
				out->lcs = v[0];
			if (len >= 2 && len <= 3)
				out->status_sw = (uint16_t)(v[len - 2u] << 8 | v[len - 1u]);
		}
		i += 1u + len;
	}
	return true;
}

static void decode_ssc(sscard_atr *out)
{
	out->ssc = true;
	out->hist_format = SSCARD_ATR_HIST_SSC;
	out->ssc_vendor = (uint16_t)(out->hist[SSCARD_ATR_SSC_VENDOR_OFF] << 8 |
	                             out->hist[SSCARD_ATR_SSC_VENDOR_OFF + 1]);
	for (size_t i = 0; i < sizeof ssc_vendors / sizeof ssc_vendors[0]; i++)
		if (ssc_vendors[i].code == out->ssc_vendor)
			snprintf(out->ssc_vendor_name, sizeof out->ssc_vendor_name,
			         "%s", ssc_vendors[i].name);
}

/* What the (complete) historical bytes hold. */
static void decode_historical(sscard_atr *out, const uint8_t *atr, size_t hist_end)
{
	uint8_t cat = out->hist[0];

	out->ctlv_ok = true;
	if (out->k == 0)
		return;
	if (hist_end == SSC_ATR_LEN && memcmp(atr, ssc_prefix, sizeof ssc_prefix) == 0) {
		decode_ssc(out);
		return;
	}
	if (cat == 0x80) {
		out->hist_format = SSCARD_ATR_HIST_CTLV;
		out->ctlv_ok = decode_ctlv(out, 1, out->k);
	} else if (cat == 0x00) {
		out->hist_format = SSCARD_ATR_HIST_CTLV_STATUS;
		if (out->k < 4) {
			out->ctlv_ok = false;
			return;
		}
		out->ctlv_ok = decode_ctlv(out, 1, out->k - 3u);
		/* The mandatory status indicator at the end is authoritative. */
		out->status_present = true;
		out->lcs = out->hist[out->k - 3u];
		out->status_sw = (uint16_t)(out->hist[out->k - 2u] << 8 | out->hist[out->k - 1u]);
	} else if (cat == 0x10) {
		out->hist_format = SSCARD_ATR_HIST_DIR_REF;
		if (out->k >= 2)
			out->dir_ref = out->hist[1];
	} else if (cat >= 0x81 && cat <= 0x8F) {
		out->hist_format = SSCARD_ATR_HIST_RFU;
	} else {
		out->hist_format = SSCARD_ATR_HIST_PROPRIETARY;
	}
}

/* Copy the historical bytes that are there; fail if fewer than K. */
static sscard_rc parse_historical(sscard_atr *out, const uint8_t *atr,
                                  size_t len, size_t pos)
{
	size_t avail = pos < len ? len - pos : 0;

	out->k = out->t0 & 0x0F;
	out->hist_len = (uint8_t)(avail < out->k ? avail : out->k);
	if (out->hist_len)
		memcpy(out->hist, atr + pos, out->hist_len);
	if (out->hist_len < out->k)
		return atr_fail(out, SSCARD_ATR_TRUNCATED_HISTORICAL,
		                "truncated: T0 announces %u historical bytes but only %u follow",
		                out->k, out->hist_len);
	decode_historical(out, atr, pos + out->k);
	return SSCARD_OK;
}

static uint8_t xor_of(const uint8_t *p, size_t n)
{
	uint8_t x = 0;

	for (size_t i = 0; i < n; i++)
		x ^= p[i];
	return x;
}

/* TCK, the 33-byte limit, bytes beyond the end, TD1, in that order. */
static sscard_rc check_tail(sscard_atr *out, const uint8_t *atr, size_t len,
                            size_t hist_end)
{
	bool need_tck = (out->protocols & ~1u) != 0;
	size_t total = hist_end + (need_tck ? 1u : 0u);

	if (need_tck && total > len)
		return atr_fail(out, SSCARD_ATR_TCK_MISSING,
		                "truncated: TCK is required (a protocol other than T=0 is indicated) but missing");
	out->length = total;
	if (need_tck) {
		out->tck_present = true;
		out->tck = atr[hist_end];
		out->tck_ok = xor_of(atr + 1, total - 1) == 0;
	}
	if (total > SSCARD_ATR_MAX_LEN)
		return atr_fail(out, SSCARD_ATR_OVERLONG,
		                "overlong: the ATR structure is %zu bytes, ISO 7816-3 allows %u",
		                total, SSCARD_ATR_MAX_LEN);
	if (len > total)
		return atr_fail(out, SSCARD_ATR_TRAILING,
		                "overlong: %zu byte(s) after the %s (the ATR ends at %zu bytes)",
		                len - total, need_tck ? "TCK" : "historical bytes (no TCK: only T=0)",
		                total);
	if ((out->level[0].present & SSCARD_ATR_HAS_TD) && out->first_protocol == 15)
		return atr_fail(out, SSCARD_ATR_BAD_TD1,
		                "TD1 indicates T=15, which ISO 7816-3 does not allow in TD1");
	if (need_tck && !out->tck_ok)
		return atr_fail(out, SSCARD_ATR_TCK_WRONG,
		                "TCK %02X is wrong: it should be %02X",
		                out->tck, (uint8_t)(out->tck ^ xor_of(atr + 1, total - 1)));
	return SSCARD_OK;
}

SSCARD_API sscard_rc sscard_atr_parse(const uint8_t *atr, size_t len,
                                      sscard_atr *out)
{
	size_t pos = 0;
	sscard_rc rc;

	if (out == NULL)
		return SSCARD_E_INVALID_ARG;
	memset(out, 0, sizeof *out);
	if (atr == NULL && len > 0)
		return SSCARD_E_INVALID_ARG;
	out->input_len = len;
	out->raw_len = len < SSCARD_ATR_MAX_LEN ? len : SSCARD_ATR_MAX_LEN;
	if (out->raw_len)
		memcpy(out->raw, atr, out->raw_len);

	if (len == 0)
		return atr_fail(out, SSCARD_ATR_EMPTY, "empty: the card sent no ATR byte");
	out->ts = atr[0];
	if (out->ts != 0x3B && out->ts != 0x3F)
		return atr_fail(out, SSCARD_ATR_BAD_TS,
		                "TS is %02X: neither 3B (direct) nor 3F (inverse convention)",
		                out->ts);
	out->inverse = out->ts == 0x3F;
	if (len < 2)
		return atr_fail(out, SSCARD_ATR_TRUNCATED_INTERFACE,
		                "truncated: T0 is missing after TS");
	out->t0 = atr[1];

	rc = parse_interface(out, atr, len, &pos);
	if (rc != SSCARD_OK)
		return rc;
	out->interface_complete = true;
	decode_global(out);
	decode_specific(out);
	rc = parse_historical(out, atr, len, pos);
	if (rc != SSCARD_OK)
		return rc;
	rc = check_tail(out, atr, len, pos + out->k);
	if (rc != SSCARD_OK)
		return rc;
	out->valid = true;
	return SSCARD_OK;
}
