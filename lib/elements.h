/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one table of the social security card's data elements (design.md
 * s.4) and the value codec between card bytes and UTF-8 display text.
 * Reading, writing, validation, the simulator's profiles and cardtool's
 * output all go through this table; nothing else knows a tag's format.
 *
 * Pure functions, no card: the simulator and the fuzzers link them too.
 * Owner: the ssc work (issue #5).
 */
#ifndef SSCARD_ELEMENTS_H
#define SSCARD_ELEMENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sscard/rc.h>
#include <sscard/sm.h>

/* How an element's value is stored on the card. */
typedef enum sscard_format {
	SSCARD_FMT_B = 1,   /* binary, shown as upper-case hex */
	SSCARD_FMT_AN,      /* printable ASCII, right-padded with 00 */
	SSCARD_FMT_CN,      /* BCD digits, right-padded with F nibbles */
	SSCARD_FMT_CN_DATE, /* BCD YYYYMMDD, shown as YYYY-MM-DD */
	SSCARD_FMT_GBK,     /* GBK text, right-padded with 00 */
	SSCARD_FMT_GBK_FF   /* GBK text, right-padded with FF */
} sscard_format;

/* Elementary files that hold data elements (records tag len value). */
typedef enum sscard_ef {
	SSCARD_EF_SSSE_05 = 1, /* SSSE/EF05 card identification */
	SSCARD_EF_SSSE_06 = 2, /* SSSE/EF06 holder identity */
	SSCARD_EF_SSSE_0D = 3, /* SSSE/EF0D person identification (3.0) */
	SSCARD_EF_DF04_05 = 4, /* SSSE/DF04/EF05 medical insurance basic data */
	SSCARD_EF_DF04_06 = 5  /* SSSE/DF04/EF06 offline settlement */
} sscard_ef;

/*
 * One file of data elements. Files of an application DF (df_fid != 0)
 * are reached by SELECT SSSE, then SELECT DF by FID
 * (00 A4 00 00 02 <df_fid>), then READ RECORD by SFI and tag as in SSSE.
 * Keys of DF04 (design.md s.4 key index table): read RK1DF04 (card key
 * 84, PSAM 67/2D; EF05: PIN or RK1DF04, EF06: PIN and RK1DF04); update
 * EF05 UK1DF04 (85, PSAM 48/49), EF06 UK2DF04 (86, PSAM 47/2A): the
 * keystore's "update" key of DF04 is UK1DF04; UK2DF04 has no usage of
 * its own yet, so DF04/EF06 is not writable (compat refuses it).
 */
typedef struct sscard_file_info {
	sscard_ef ef;
	const char *name;  /* "SSSE/EF05", "SSSE/DF04/EF05", as cardtool and profiles spell it */
	uint16_t fid;      /* 0xEF05 */
	uint8_t sfi;       /* short file identifier, 1..30 */
	const char *label_zh;
	const char *label_en;
	const char *df;               /* the DF holding it: "SSSE", "DF04" */
	sscard_key_usage update_key;  /* EXTERNAL AUTHENTICATE before writing */
	bool by_record;               /* addressed as field code does: SELECT
	                                 the EF by FID, then records by number
	                                 (P2 04), not by SFI and tag */
	uint16_t df_fid;              /* 0 (SSSE, selected by name) or the
	                                 application DF's FID, 0xDF04 */
} sscard_file_info;

typedef struct sscard_element {
	uint8_t tag;
	sscard_ef ef;
	uint8_t sfi;       /* of ef: READ RECORD 00 B2 <tag> <sfi<<3> */
	uint8_t record;    /* record number in ef (3.0 layout) */
	const char *key;   /* JSON key: "ssn" */
	const char *label_zh;
	const char *label_en;
	sscard_format format;
	uint8_t len;       /* value length on the card (the maximum) */
	bool mandatory;    /* a personalised card must carry it */
	bool v3_only;      /* only specification 3.00 cards have it */
	const char *verify;/* NULL, or what is unconfirmed about this row */
} sscard_element;

/* Longest display text of any element, NUL included (3 UTF-8 bytes per
 * GBK byte at worst: 30 * 3 + 1). */
#define SSCARD_ELEM_TEXT_MAX 128u
/* Room for every element of the table (checked at compile time), for
 * arrays indexed by sscard_elem_index(). */
#define SSCARD_ELEM_SLOTS 16u
/* Longest value of any element in card bytes. */
#define SSCARD_ELEM_VALUE_MAX 32u

/* ---- the table ---------------------------------------------------------- */

/* The elements of SSSE itself: rows 0 .. sscard_elem_count()-1, what
 * sscard_read_basic() reads, validates and reports (arrays of
 * SSCARD_ELEM_SLOTS). */
size_t sscard_elem_count(void);
/* Every row: SSSE's, then those of application DFs (DF04), which are
 * read and written one at a time, never by sscard_read_basic(). */
size_t sscard_elem_count_all(void);
/* i-th element in table order (SSSE EF05, EF06, EF0D, then DF04 EF05,
 * EF06; record order); NULL past the end of all rows. */
const sscard_element *sscard_elem_at(size_t i);
/* Index of e in the table (e must come from the table). */
size_t sscard_elem_index(const sscard_element *e);
/* By tag, among all rows (tags are unique across the table). */
const sscard_element *sscard_elem_by_tag(uint8_t tag);
const sscard_element *sscard_elem_by_key(const char *key);
/* Accepts a key ("ssn"), a hex tag ("08", "0x08", "4E") or an English
 * label, case-insensitively; NULL if none matches. */
const sscard_element *sscard_elem_lookup(const char *name);
const sscard_file_info *sscard_file_info_of(sscard_ef ef);
/* "b", "an", "cn", "cn-date", "gbk", "gbk-ff" */
const char *sscard_format_name(sscard_format fmt);

/* ---- the codec (lib/codec.c) --------------------------------------------- */

/*
 * Encode UTF-8 display text into the element's card bytes, padded to the
 * element's full length (*outlen = e->len). Text forms:
 *   b        hex digits, at most e->len bytes (spaces/colons allowed)
 *   an       printable ASCII
 *   cn       decimal digits
 *   cn-date  "YYYY-MM-DD" or "YYYYMMDD" (shape only; the calendar is
 *            validate.c's business so fault profiles can hold bad dates)
 *   gbk(-ff) any text that GBK can represent
 * Errors: SSCARD_E_INVALID_ARG for a value of the wrong shape or one that
 * does not fit (never truncated), SSCARD_E_ENCODING for text GBK cannot
 * hold (the character is named, e.g. U+4DAE) or invalid UTF-8,
 * SSCARD_E_BUFFER_TOO_SMALL when outsz < e->len. `detail` (may be NULL)
 * receives a human explanation naming the element.
 */
sscard_rc sscard_elem_encode(const sscard_element *e, const char *text,
                             uint8_t *out, size_t outsz, size_t *outlen,
                             char *detail, size_t detailsz);

/*
 * Decode an element's card bytes (the value of its record, len <= e->len)
 * into UTF-8 display text with the padding stripped. A blank value (no
 * bytes, or all 00, or all FF: what blank cards carry) decodes to "".
 * Errors: SSCARD_E_BAD_DATA for a value of the wrong shape (BCD nibble
 * above 9, a digit after padding, a short date, a value longer than the
 * element), SSCARD_E_ENCODING for bytes that are not valid GBK / ASCII or
 * control characters, SSCARD_E_BUFFER_TOO_SMALL when `out` cannot hold the
 * text. Never produces mojibake or a partial string on error (out = "").
 */
sscard_rc sscard_elem_decode(const sscard_element *e, const uint8_t *value,
                             size_t len, char *out, size_t outsz,
                             char *detail, size_t detailsz);

/* ---- GBK <-> UTF-8 (lib/codec.c, iconv) ---------------------------------- */

/* Whole-string conversions; no padding logic. Same errors as above. */
sscard_rc sscard_utf8_to_gbk(const char *utf8, uint8_t *out, size_t outsz,
                             size_t *outlen, char *detail, size_t detailsz);
sscard_rc sscard_gbk_to_utf8(const uint8_t *gbk, size_t len, char *out,
                             size_t outsz, char *detail, size_t detailsz);

/* ---- details -------------------------------------------------------------- */

/* Format a human explanation into detail (NULL or detailsz 0: nothing)
 * and return rc, so a failure is one line: return sscard_detailf(...). */
sscard_rc sscard_detailf(char *detail, size_t detailsz, sscard_rc rc,
                         const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
