/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sscard: ISO 7816-3 Answer-To-Reset parser. */
#ifndef SSCARD_ATR_H
#define SSCARD_ATR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sscard/rc.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ISO 7816-3: TS plus at most 32 characters. */
#define SSCARD_ATR_MAX_LEN 33u
/* Levels of interface bytes (TAi..TDi) that fit in 33 bytes. */
#define SSCARD_ATR_MAX_LEVELS 32u
/* K, the number of historical bytes, is one nibble. */
#define SSCARD_ATR_MAX_HIST 15u
#define SSCARD_ATR_REASON_MAX 160u

/* Why an ATR is invalid. Checked in this order; the first failing check
 * is the one reported. Stable: part of the ABI and of cardtool's JSON. */
typedef enum sscard_atr_error {
	SSCARD_ATR_OK = 0,
	SSCARD_ATR_EMPTY,                /* no byte at all */
	SSCARD_ATR_BAD_TS,               /* TS is neither 3B nor 3F */
	SSCARD_ATR_TRUNCATED_INTERFACE,  /* T0 or an announced TAi..TDi missing */
	SSCARD_ATR_TRUNCATED_HISTORICAL, /* fewer historical bytes than K */
	SSCARD_ATR_TCK_MISSING,          /* TCK required (protocol other than T=0) but absent */
	SSCARD_ATR_OVERLONG,             /* the structure exceeds 33 bytes */
	SSCARD_ATR_TRAILING,             /* bytes after the last character (TCK or historical) */
	SSCARD_ATR_BAD_TD1,              /* TD1 indicates T=15, which ISO 7816-3 forbids */
	SSCARD_ATR_TCK_WRONG             /* XOR of T0..TCK is not 0 */
} sscard_atr_error;

/* Presence bits of sscard_atr_level.present */
#define SSCARD_ATR_HAS_TA 0x1u
#define SSCARD_ATR_HAS_TB 0x2u
#define SSCARD_ATR_HAS_TC 0x4u
#define SSCARD_ATR_HAS_TD 0x8u

/* Interface bytes of level i (TAi, TBi, TCi, TDi); level[0] is level 1. */
typedef struct sscard_atr_level {
	uint8_t present; /* SSCARD_ATR_HAS_* */
	uint8_t ta, tb, tc, td;
	/* T of TD(i-1) for level i >= 2 (0 for level 1, which is global).
	 * TA2 and TB2 are global whatever it says; TC2 is T=0's WI. */
	uint8_t t;
} sscard_atr_level;

/* What the historical bytes hold, by their category indicator (ISO
 * 7816-4 s.12.1.1). The social security card layout wins when the ATR
 * matches it (its first historical byte 00 is not a category there). */
typedef enum sscard_atr_hist_format {
	SSCARD_ATR_HIST_NONE = 0,     /* K = 0, or the bytes are cut short */
	SSCARD_ATR_HIST_CTLV,         /* 80: compact-TLV objects */
	SSCARD_ATR_HIST_CTLV_STATUS,  /* 00: compact-TLV, then LCS SW1 SW2 */
	SSCARD_ATR_HIST_DIR_REF,      /* 10: next byte is a DIR data reference */
	SSCARD_ATR_HIST_RFU,          /* 81..8F: reserved */
	SSCARD_ATR_HIST_PROPRIETARY,  /* anything else */
	SSCARD_ATR_HIST_SSC           /* social security card (design.md s.4) */
} sscard_atr_hist_format;

/* One compact-TLV object: tag (high nibble) and length (low nibble) of
 * its first byte; its value is hist[offset .. offset+len). Tags: 1 country
 * code, 2 issuer identification, 3 card service data, 4 initial access
 * data, 5 card issuer's data, 6 pre-issuing data, 7 card capabilities,
 * 8 status indicator, F application identifier. */
typedef struct sscard_atr_ctlv {
	uint8_t tag;
	uint8_t len;
	uint8_t offset;
} sscard_atr_ctlv;

/*
 * Everything an ATR says, decoded. Filled as far as parsing got even when
 * the ATR is invalid. Plain data: copy it, keep it, no free.
 */
typedef struct sscard_atr {
	bool valid;
	sscard_atr_error error;
	char reason[SSCARD_ATR_REASON_MAX]; /* "" when valid; else what and where */

	/* The input: its first SSCARD_ATR_MAX_LEN bytes, and its full length. */
	uint8_t raw[SSCARD_ATR_MAX_LEN];
	size_t raw_len;
	size_t input_len;
	/* Bytes the structure (TS..TCK) occupies, once known (0 before). */
	size_t length;
	/* Every announced interface byte was read (so Fi/Di, guard time,
	 * specific mode and the T=1 fields below are decoded). */
	bool interface_complete;

	uint8_t ts;       /* 3B direct, 3F inverse convention */
	bool inverse;
	uint8_t t0;
	unsigned levels;  /* levels with interface bytes parsed (1 + number of TD) */
	sscard_atr_level level[SSCARD_ATR_MAX_LEVELS];

	/* Every T value TD1, TD2, ... indicates (bit T), or bit 0 alone when
	 * there is no TD1. Bit 15 (T=15) marks global interface bytes, not a
	 * transmission protocol. */
	uint16_t protocols;
	uint8_t first_protocol; /* T of TD1, or 0 without TD1 */

	/* TA1: clock rate conversion and baud rate adjustment (defaults
	 * FI=1, DI=1 when absent). fi/di are 0 for RFU codes. */
	bool ta1_present;
	uint8_t fi_code, di_code;
	unsigned fi;         /* clock rate conversion integer, e.g. 372 */
	unsigned di;         /* baud rate adjustment integer, e.g. 1 */
	unsigned fmax_khz;   /* maximum clock frequency for fi_code */
	bool fi_rfu, di_rfu;
	double f_over_d;     /* clock cycles per ETU, fi/di; 0 when RFU */

	/* TC1: extra guard time N in ETU (0 when absent). 255 means the
	 * minimum: 12 ETU under T=0, 11 under T=1. */
	bool guard_present;
	uint8_t guard_n;

	/* TA2: specific mode (no PPS; the card works in one protocol). */
	bool specific_mode;
	uint8_t specific_protocol;   /* T of TA2 */
	bool specific_can_change;    /* bit 8 clear: the mode can change */
	bool specific_implicit;      /* bit 5 set: Fi/Di are implicit, not TA1 */

	/* TC2: T=0 waiting time integer WI (default 10). */
	uint8_t t0_wi;

	/* First T=1 bytes (level 3 on) and T=15 global bytes. Defaults: IFSC
	 * 32, BWI 4, CWI 13, LRC. */
	uint8_t t1_ifsc;
	uint8_t t1_bwi, t1_cwi;
	bool t1_crc;                 /* EDC: CRC instead of LRC */
	bool t15_class_present;
	uint8_t t15_clock_stop;      /* XI: 0 not supported, 1 L, 2 H, 3 no preference */
	uint8_t t15_class;           /* UI bits: 1 class A (5 V), 2 B (3 V), 4 C (1.8 V) */

	/* Historical bytes: k announced by T0, hist_len actually present. */
	uint8_t k;
	uint8_t hist[SSCARD_ATR_MAX_HIST];
	uint8_t hist_len;
	sscard_atr_hist_format hist_format;
	bool ctlv_ok;                /* false: an object runs past the end */
	uint8_t ctlv_count;
	sscard_atr_ctlv ctlv[SSCARD_ATR_MAX_HIST];
	bool status_present;         /* category 00, or a status indicator object */
	uint8_t lcs;                 /* life cycle status (0 if not given) */
	uint16_t status_sw;          /* SW1 SW2 in the status indicator (0 if not given) */
	uint8_t dir_ref;             /* category 10 */

	bool tck_present;
	bool tck_ok;                 /* meaningful only when tck_present */
	uint8_t tck;

	/* Social security card (design.md s.4): 3B 6D 00 00 + 13 historical
	 * bytes: vendor (2), COS (3), card maker (2), chip serial (6); see
	 * SSCARD_ATR_SSC_* for where each sits in hist[]. The layout is
	 * recognised even when the ATR is otherwise invalid: check `valid`. */
	bool ssc;
	uint16_t ssc_vendor;         /* historical bytes 1-2, e.g. 0x0090 */
	char ssc_vendor_name[16];    /* "Fudan", ... or "" when unknown */
} sscard_atr;

/* Offsets and lengths of the social security card fields in hist[]. */
enum {
	SSCARD_ATR_SSC_VENDOR_OFF = 0, SSCARD_ATR_SSC_VENDOR_LEN = 2,
	SSCARD_ATR_SSC_COS_OFF = 2, SSCARD_ATR_SSC_COS_LEN = 3,
	SSCARD_ATR_SSC_MAKER_OFF = 5, SSCARD_ATR_SSC_MAKER_LEN = 2,
	SSCARD_ATR_SSC_SERIAL_OFF = 7, SSCARD_ATR_SSC_SERIAL_LEN = 6
};

/*
 * Parse an ATR. Returns SSCARD_OK for a valid ATR, SSCARD_E_BAD_ATR for an
 * invalid one (out->error and out->reason say why, the rest is filled as
 * far as parsing got), SSCARD_E_INVALID_ARG when out is NULL or atr is
 * NULL with len > 0. Never reads beyond atr[len-1].
 */
SSCARD_API sscard_rc sscard_atr_parse(const uint8_t *atr, size_t len,
                                      sscard_atr *out);

/* Stable upper-case name of an error, e.g. "TCK_WRONG"; never NULL. */
SSCARD_API const char *sscard_atr_error_name(sscard_atr_error error);
/* Name of a historical bytes format, e.g. "CTLV"; never NULL. */
SSCARD_API const char *sscard_atr_hist_format_name(sscard_atr_hist_format f);
/* English name of a compact-TLV tag, e.g. "card capabilities"; never NULL. */
SSCARD_API const char *sscard_atr_ctlv_tag_name(uint8_t tag);

/* 1 when a parsed ATR has the social security card layout, else 0. */
SSCARD_API int sscard_atr_looks_ssc(const sscard_atr *atr);

#ifdef __cplusplus
}
#endif
#endif
