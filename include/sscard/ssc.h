/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sscard: the social security application SSSE: data elements,
 * validation, PIN. */
#ifndef SSCARD_SSC_H
#define SSCARD_SSC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sscard/card.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The social security application SSSE (design.md s.4): its data
 * elements (card identification in EF05, holder identity in EF06), their
 * validation and the PIN. Every string is UTF-8 (GBK on the card, never
 * shown as mojibake: bytes that are not GBK are an error); dates are
 * "YYYY-MM-DD".
 *
 * Elements are named by their stable key (the JSON key of cardtool:
 * "card_id", "card_type", "spec_version", "issuer", "issue_date",
 * "expiry_date", "card_number", "ssn", "name", "name_ext", "sex",
 * "ethnicity", "birthplace", "birth_date"), by their tag in hex ("08") or
 * by their English label; or by index 0..sscard_element_count()-1.
 *
 * Selection: the library SELECTs SSSE by name only when the card is not
 * known to be in it, so security states gained inside SSSE (an EXTERNAL
 * AUTHENTICATE, a verified PIN) survive a later read. Every call holds
 * the card (sscard_card_begin/end) for its APDUs.
 */

/* ---- the element table -------------------------------------------------- */

/* The elements of SSSE itself (EF05, EF06): what sscard_read_basic()
 * reads; indexes 0 .. sscard_element_count()-1. */
SSCARD_API size_t sscard_element_count(void);
/* Every element of the table: SSSE's, then from sscard_element_count()
 * on those of the application DFs (DF04 medical insurance: keys "mi_*",
 * tags 80..93, files "SSSE/DF04/EF05" and "SSSE/DF04/EF06"), which
 * sscard_read_element() reads one at a time (SELECT SSSE, SELECT DF04 by
 * FID, READ RECORD by SFI and tag) and sscard_read_basic() never reads. */
SSCARD_API size_t sscard_element_count_all(void);
/* Index of the element `name` designates, or -1. */
SSCARD_API int sscard_element_find(const char *name);
/* Properties of element i; NULL (or -1 for the tag) past the end. */
SSCARD_API int sscard_element_tag(size_t i);
SSCARD_API const char *sscard_element_key(size_t i);
SSCARD_API const char *sscard_element_label(size_t i);    /* Chinese: "社会保障号码" */
SSCARD_API const char *sscard_element_label_en(size_t i); /* "social security number" */
SSCARD_API const char *sscard_element_file(size_t i);     /* "SSSE/EF06", "SSSE/DF04/EF05" */
/* How element i is stored: "b", "an", "cn", "cn-date", "gbk", "gbk-ff"
 * (NULL past the end), and its value length in card bytes (-1 past the
 * end; a display text is never longer than 3 bytes per card byte). */
SSCARD_API const char *sscard_element_format(size_t i);
SSCARD_API int sscard_element_length(size_t i);

/* ---- reading -------------------------------------------------------------- */

/* What became of one element in a read. */
typedef enum sscard_elem_status {
	SSCARD_ELEM_NOT_READ = 0,   /* not (yet) read */
	SSCARD_ELEM_PRESENT = 1,    /* read and decoded: the value is available */
	SSCARD_ELEM_BLANK = 2,      /* the record is empty or padding only */
	SSCARD_ELEM_NOT_FOUND = 3,  /* the card has no such record/file (6A83,
	                               6A82) or its version has none */
	SSCARD_ELEM_WITHHELD = 4,   /* access refused (6982): on 3.0 cards EF06
	                               needs EXTERNAL AUTHENTICATE first */
	SSCARD_ELEM_UNREADABLE = 5  /* malformed record, invalid GBK, or a chip
	                               error answering for it */
} sscard_elem_status;

/* The result of sscard_read_basic(): opaque, one value per element. */
typedef struct sscard_basic sscard_basic;

SSCARD_API sscard_rc sscard_basic_new(sscard_basic **out);
/* Frees and sets *b to NULL; NULL and *NULL are fine. */
SSCARD_API void sscard_basic_free(sscard_basic **b);

/*
 * Read every element of the table (EF05 and EF06: this is "everything"
 * the SSSE application holds as records) and validate them. APDUs: one
 * SELECT (only if SSSE is not already selected) and one READ RECORD per
 * element, `00 B2 <tag> <SFI<<3> <len+2>` (the exact length, so a T=0
 * card never answers 6Cxx). After a 6982 or 6A82 in a file the rest of
 * that file is not asked for; on cards below specification 3.00 the
 * 3.0-only name extension is not asked for.
 * An element that cannot be read is reported by its status (and
 * sscard_basic_error()), not as the failure of the whole read; the call
 * itself fails only when the card cannot be talked to (removed, mute,
 * transport) or SSSE cannot be selected (not a social security card,
 * application blocked).
 */
SSCARD_API sscard_rc sscard_read_basic(sscard_card *card, sscard_basic *b);

/* Value of an element as UTF-8 display text, NULL unless PRESENT. */
SSCARD_API const char *sscard_basic_get(const sscard_basic *b, const char *key);
SSCARD_API const char *sscard_basic_value(const sscard_basic *b, size_t i);
SSCARD_API sscard_elem_status sscard_basic_status(const sscard_basic *b, size_t i);
/* Why element i is not PRESENT: the rc of its read (SSCARD_E_SECURITY,
 * SSCARD_E_BAD_DATA, ...) and a detail naming the tag; SSCARD_OK / "". */
SSCARD_API sscard_rc sscard_basic_error(const sscard_basic *b, size_t i);
SSCARD_API const char *sscard_basic_detail(const sscard_basic *b, size_t i);

/*
 * Read one element (name as for sscard_element_find()) into `text`
 * ("" when the record is blank). Errors: SSCARD_E_INVALID_ARG for an
 * unknown name, the card's (SSCARD_E_SECURITY, SSCARD_E_RECORD_NOT_FOUND,
 * ...), SSCARD_E_BAD_DATA / SSCARD_E_ENCODING for a malformed record,
 * SSCARD_E_BUFFER_TOO_SMALL (128 bytes always suffice).
 */
SSCARD_API sscard_rc sscard_read_element(sscard_card *card, const char *name,
                                         char *text, size_t textsz);

/*
 * Write one element in the card's current security state: for the
 * two-step (security-module) forms, after the caller's EXTERNAL
 * AUTHENTICATE with the file's update key (sscard_auth_finish()). Plain
 * UPDATE RECORD `00 DC <tag> <SFI<<3> Lc <tag len value>` (EF0D: by record
 * number in the selected EF), then the record read back and compared
 * (SSCARD_E_VERIFY_FAILED when it differs; *verified 1). A file the update
 * key does not open for reading (a 3.0 card's EF06 wants RKSSSE) cannot
 * be read back: SSCARD_OK with *verified 0 (may be NULL). The DF is selected only when
 * it is not current (selecting would drop the security state). `text` as
 * for sscard_write_element() (sm.h), which authenticates itself.
 * Errors: the codec's (SSCARD_E_INVALID_ARG, SSCARD_E_ENCODING), the
 * card's (SSCARD_E_SECURITY without the update key's authentication).
 */
SSCARD_API sscard_rc sscard_update_element(sscard_card *card, const char *element,
                                           const char *text, int *verified);

/* SELECT SSSE by name (`00 A4 04 00 0F 7378312E73682EC9E7BBE1B1A3D5CF`)
 * unless the card is known to be in it already (force: always). Other
 * modules (secure channel, diagnosis) call this before their commands. */
SSCARD_API sscard_rc sscard_ssc_select(sscard_card *card, int force);

/* ---- validation ------------------------------------------------------------ */

/* Why an element failed validation. Stable: part of the ABI and of
 * cardtool's JSON (see sscard_problem_name()). */
typedef enum sscard_problem_code {
	SSCARD_PROBLEM_MISSING = 1,    /* a mandatory element is absent or blank */
	SSCARD_PROBLEM_FORMAT = 2,     /* not well-formed for what it holds */
	SSCARD_PROBLEM_DATE = 3,       /* not a real calendar date */
	SSCARD_PROBLEM_CHECK_DIGIT = 4,/* SSN check digit (ISO 7064 MOD 11-2) wrong */
	SSCARD_PROBLEM_BIRTH_MISMATCH = 5, /* birth date differs from the SSN's */
	SSCARD_PROBLEM_SEX_MISMATCH = 6,   /* sex differs from the SSN's 17th digit */
	SSCARD_PROBLEM_EXPIRY_ORDER = 7,   /* expiry date not after issue date */
	SSCARD_PROBLEM_UNREADABLE = 8  /* the card's record is malformed */
} sscard_problem_code;

/* "MISSING", "FORMAT", ...; "UNKNOWN" for other values; never NULL. */
SSCARD_API const char *sscard_problem_name(int code);

/*
 * Validation done by sscard_read_basic(): SSN check digit (GB 11643-1999),
 * its birth date against tag 0D and its sex digit against tag 0A, real
 * calendar dates, expiry after issue, the shape of card number, card type,
 * identification code, version, codes. Withheld elements (6982) are not
 * judged. valid = no problem.
 */
SSCARD_API int sscard_basic_valid(const sscard_basic *b);
SSCARD_API size_t sscard_basic_problem_count(const sscard_basic *b);
/* Problem i: the element's key, its sscard_problem_code, an English text
 * naming the element and the reason. Any out pointer may be NULL. */
SSCARD_API sscard_rc sscard_basic_problem(const sscard_basic *b, size_t i,
                                          const char **key, int *code,
                                          const char **text);

/* ---- checking a write ------------------------------------------------------ */

/* The key provider of the secure channel (sscard/sm.h). */
typedef struct sscard_keys sscard_keys;

/* Flags of the write checks. */
#define SSCARD_WRITE_FORCE 0x1u /* a deliberate repair: accept problems between
                                   elements the write would leave (never a
                                   value that fails its own check) */

/*
 * Judge writing `text` into `element` (names as for
 * sscard_element_find()) on a card whose data `b` holds (from
 * sscard_read_basic()), before anything is sent: the validation
 * sscard_read_basic() applies, run on the data as it would be after the
 * write. Refused, whatever the flags, with the codec's error
 * (SSCARD_E_INVALID_ARG: wrong shape or too long; SSCARD_E_ENCODING: not
 * GBK) or SSCARD_E_DATA_INVALID when the value fails its own check (SSN
 * check digit, a date that is not real, sex not 1 or 2, card type,
 * card number, a mandatory element left blank, ...). Refused with
 * SSCARD_E_DATA_INVALID, unless flags has SSCARD_WRITE_FORCE, when the
 * data after the write has a problem the card did not have before (SSN
 * against birth date or sex, expiry not after issue). Problems the card
 * already had elsewhere do not refuse a write. `detail` (may be NULL)
 * receives every reason, naming the elements.
 */
SSCARD_API sscard_rc sscard_basic_check_write(const sscard_basic *b, const char *element,
                                              const char *text, unsigned flags,
                                              char *detail, size_t detailsz);

/*
 * The same on the card: sscard_read_basic(), then, when elements are
 * withheld (a 3.0 card's EF06) and `keys` is not NULL, sscard_authenticate()
 * in SSSE and a second read, so the holder's elements are judged too
 * (without keys, withheld elements are not judged). The reasons are in
 * sscard_card_last_detail(). Errors: as above, or the card's and the
 * authentication's. Sends no write. Call it before sscard_write_element().
 */
SSCARD_API sscard_rc sscard_check_write(sscard_card *card, sscard_keys *keys,
                                        const char *element, const char *text,
                                        unsigned flags);

/* ---- PIN ------------------------------------------------------------------- */

#define SSCARD_PIN_LEN 6 /* SSSE PINs are 6 digits, sent as 3 BCD bytes */

/*
 * VERIFY `00 20 00 00 03 <PIN BCD>` in SSSE. Sent once, never repeated by
 * the library. A wrong PIN is SSCARD_E_WRONG_PIN with *tries_left set
 * from 63Cx; SSCARD_E_PIN_BLOCKED (6983) sets it to 0; otherwise it is -1
 * (not reported). tries_left may be NULL. The PIN must be 6 digits
 * (SSCARD_E_INVALID_ARG, nothing sent). The library's copies of the PIN
 * are wiped; the caller wipes its own.
 */
SSCARD_API sscard_rc sscard_pin_verify(sscard_card *card, const char *pin,
                                       int *tries_left);
/*
 * Tries left without spending one: VERIFY with no data (`00 20 00 00`).
 * 63Cx -> x, 6983 -> 0 (SSCARD_OK both); 9000 -> -1: the PIN is already
 * verified in this session and the card does not say.
 */
SSCARD_API sscard_rc sscard_pin_tries(sscard_card *card, int *tries_left);
/* CHANGE PIN `80 5E 01 00 07 <old> FF <new>`; errors as for verify. */
SSCARD_API sscard_rc sscard_pin_change(sscard_card *card, const char *old_pin,
                                       const char *new_pin, int *tries_left);

/*
 * The same on the reader's PIN pad (sscard_card_features() has
 * SSCARD_FEATURE_PINPAD_VERIFY / _MODIFY): the holder types the PIN on
 * the reader and it never crosses the host. SSCARD_E_NOT_IMPLEMENTED when
 * the reader has no pad; otherwise errors and tries as for verify.
 */
SSCARD_API sscard_rc sscard_pin_verify_pinpad(sscard_card *card, int *tries_left);
SSCARD_API sscard_rc sscard_pin_change_pinpad(sscard_card *card, int *tries_left);

#ifdef __cplusplus
}
#endif
#endif
