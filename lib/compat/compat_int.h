/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to libsscard-compat (and its unit test): the pieces behind the
 * exported functions. Only libsscard's public API is used underneath.
 */
#ifndef SSCARD_COMPAT_INT_H
#define SSCARD_COMPAT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sscard/sscard.h>
#include <sscard/sm.h>

#include <sscard/sscard_compat.h>

/* ---- codes and messages (codes.c) ----------------------------------------- */

/*
 * The compat code for an sscard_rc: one table. Status-word errors become
 * minus the decimal status word the card answered (`sw`, from
 * sscard_card_last_sw(); 0 when there was no card), except 63Cx (-51) and
 * 6983 (-52), which HIS code tests for by name.
 */
long compat_code_of(sscard_rc rc, uint16_t sw);

/* The code for a PIN-pad outcome (rc and the reader's status word 640x),
 * or 0 when it is not the pad's own (then compat_code_of() applies). */
long compat_pinpad_code(sscard_rc rc, uint16_t sw);

/*
 * Write the GBK message for `code` into out (SSCARD_COMPAT_MESSAGE_MAX
 * bytes at most, NUL included). `sw` adds the status word and its
 * meaning for status-word codes and the tries left for -51. Returns code.
 */
long compat_fail(char *out, long code, uint16_t sw);
/* The same with `about` (UTF-8: an element's label, a variable's name)
 * added to the message in brackets when it fits. */
long compat_fail_about(char *out, long code, uint16_t sw, const char *about);

/* The UTF-8 message of a compat code from the table (NULL if the code is
 * not in it: status-word codes are composed by compat_fail()). */
const char *compat_message_utf8(long code);
/* Number of rows and the i-th code of the message table (for tests). */
size_t compat_message_count(void);
long compat_message_code(size_t i);

/* ---- GBK (gbk.c) ------------------------------------------------------------ */

/*
 * UTF-8 -> GBK into out[0..outsz) with a NUL. Returns the number of bytes
 * written (NUL excluded), or -1 when the text is not valid UTF-8, holds a
 * character GBK lacks, or does not fit: nothing is ever cut short.
 */
long compat_utf8_to_gbk(const char *utf8, char *out, size_t outsz);
/* Whether iconv can load its GBK converter (a gconv module loaded at run
 * time): false is the customary -5, "loading a library failed". */
bool compat_gbk_ready(void);
/* GBK -> UTF-8, the same contract as compat_utf8_to_gbk(). */
long compat_gbk_to_utf8(const char *gbk, char *out, size_t outsz);

/* ---- output builder (format.c) ------------------------------------------------ */

/* A '|'-terminated list of GBK fields growing in a bounded buffer. */
typedef struct compat_out {
	char *buf;
	size_t cap;   /* bytes the buffer may use, NUL included */
	size_t len;
	bool failed;  /* a field did not fit or did not convert */
} compat_out;

void compat_out_init(compat_out *o, char *buf, size_t cap);
/* Append one UTF-8 field (converted to GBK) of at most `maxlen` GBK bytes
 * and its '|'. A field over maxlen, holding '|' or not convertible marks
 * the builder failed and leaves the buffer as it was. */
void compat_out_field(compat_out *o, const char *utf8, size_t maxlen);
/* Append ASCII text as it is (no '|'): the "$" that ends a file group. */
void compat_out_raw(compat_out *o, const char *ascii);

/* The basic information as the library gives it (UTF-8, dates YYYY-MM-DD,
 * "" for an absent element). */
typedef struct compat_basic {
	char card_id[2 * 16 + 1];
	char spec_version[8];
	char issue_date[16];
	char expiry_date[16];
	char card_number[16];
	char ssn[24];
	char name[160];            /* tag 09 followed by tag 4E, UTF-8 */
	char historical[2 * 15 + 1]; /* ATR historical bytes, hex */
	char terminal[SSCARD_COMPAT_TERMNO_LEN + 1]; /* from the PSAM, or "" */
} compat_basic;

/* Region code: the first 6 characters of the card id, which must be
 * decimal digits (SSCARD_COMPAT_BAD_CARD_ID otherwise). */
long compat_region(const char *card_id, char region[SSCARD_COMPAT_REGION_LEN + 1]);
/* "YYYY-MM-DD" or "YYYYMMDD" -> "YYYYMMDD"; "" stays "". -1 otherwise. */
int compat_date(const char *in, char out[SSCARD_COMPAT_DATE_LEN + 1]);

/*
 * The iReadCardBas string for `b` into out (SSCARD_COMPAT_READCARDBAS_MAX
 * bytes at most). Returns 0, or a compat code with the message written.
 */
long compat_format_basic(const compat_basic *b, char *out);

/* Longest reader name compat handles (PC/SC names, sim:PATH). */
#define COMPAT_READER_NAME_MAX 512u

/* ---- one call's session (compat.c) -------------------------------------------- */

/* One call's context and card. */
typedef struct compat_session {
	sscard_ctx *ctx;
	sscard_card *card;
	sscard_rc last_rc; /* the libsscard error the call failed with */
	bool held;           /* sscard_card_begin() is in force */
	char reader[COMPAT_READER_NAME_MAX]; /* the card's reader */
	bool terminal_known; /* the PSAM's terminal number was read already */
	char terminal[SSCARD_COMPAT_TERMNO_LEN + 1];
} compat_session;

/* Connect for iType (a new context); a compat code, the message written
 * to out on failure (nothing left open then). */
long compat_session_open(compat_session *s, int iType, char *out);
/* The PSAM's terminal number when SSCARD_COMPAT_PSAM names one ("" when
 * not), read once per session: it also proves the slot holds a PSAM
 * (-2201 otherwise, the message written to out). */
long compat_terminal_number(compat_session *s, char *out);
/* Disconnect (resetting a card that granted access) and free. */
void compat_session_close(compat_session *s);
/* The compat code for rc, with the card's last status word; the message
 * goes to out. */
long compat_fail_rc(char *out, compat_session *s, sscard_rc rc);
/*
 * Read the basic information (authenticating with `keys` first when not
 * NULL) and write the iReadCardBas string into out. `card_id` (32 hex
 * digits, or NULL): the identification code the card must have, else
 * SSCARD_COMPAT_DATA_MISMATCH (the card changed). Returns a compat code.
 */
long compat_read_format(compat_session *s, sscard_keys *keys, const char *card_id,
                        char *out);

/*
 * The key provider configured for this process: the PSAM in
 * SSCARD_COMPAT_PSAM's reader (its key map in SSCARD_COMPAT_KEYSTORE), else
 * the software keystore SSCARD_COMPAT_KEYSTORE; *keys stays NULL when
 * neither is set. Returns a compat code (-2201 for a PSAM slot without a
 * PSAM), the message written.
 */
long compat_open_keys(compat_session *s, sscard_keys **keys, char *out);
/* Verify the PIN from the reader's pad or SSCARD_COMPAT_PIN, once. */
long compat_pin_verify(compat_session *s, char *out);
/* A PIN (at most SSCARD_PIN_LEN characters) from the environment variable
 * var into pin (the caller wipes it); -13 unset, -14 too long. */
long compat_pin_from_env(const char *var, char pin[SSCARD_PIN_LEN + 2], char *out);

/* The ATR's historical bytes in hex into out ("" if the ATR has none);
 * an invalid ATR still gives its historical bytes. */
sscard_rc compat_historical_hex(const sscard_card *card, char *out, size_t outsz);

/* ---- PSAM (psam.c) ------------------------------------------------------------ */

/* The terminal number (12 digits) from the PSAM in `reader`; *reached
 * says whether the PSAM answered at all (false: the customary -2201). */
sscard_rc compat_psam_terminal(sscard_ctx *ctx, const char *reader, bool *reached,
                               char out[SSCARD_COMPAT_TERMNO_LEN + 1]);
/* The code (and message into out) for a PSAM failure rc; `reached`: a
 * card answered in the PSAM slot. */
long compat_psam_fail(char *out, sscard_rc rc, bool reached);

/* ---- pFileAddr (fileaddr.c) ------------------------------------------------------ */

#define COMPAT_FILENAME_LEN 8u /* "SSSEEF05", "DF04EF05" */
#define COMPAT_FILEADDR_MAX SSCARD_COMPAT_FILEADDR_MAX
#define COMPAT_GROUPS_MAX 16u
#define COMPAT_ITEMS_MAX 64u

/* One file of pFileAddr and its tags (items first .. first+count-1). */
typedef struct compat_group {
	char name[COMPAT_FILENAME_LEN + 1]; /* upper case, as the interface spells it */
	char df[5];                         /* "SSSE" or "DF04" */
	size_t first, count;
} compat_group;

typedef struct compat_fileaddr {
	compat_group group[COMPAT_GROUPS_MAX];
	size_t ngroups;
	size_t item[COMPAT_ITEMS_MAX]; /* element indexes (sscard_element_*()) */
	size_t nitems;
} compat_fileaddr;

/* Parse and resolve pFileAddr; a compat code, the message written to out
 * (-14 malformed, -13 an element libsscard's table lacks, with why, -42
 * more than COMPAT_ITEMS_MAX tags or COMPAT_GROUPS_MAX files). */
long compat_fileaddr_parse(const char *in, compat_fileaddr *fa, char *out);
/* The longest output field of element i (GBK bytes) and the longest
 * iReadCard output for fa, NUL included: known before the card is read. */
size_t compat_item_max(size_t i);
size_t compat_fileaddr_output_max(const compat_fileaddr *fa);

/* ---- pCardInfo and keyed sessions (rw.c) --------------------------------------------- */

/* pCardInfo: "<card identification code, 32 hex>|<card number>|". */
typedef struct compat_card_info {
	char card_id[SSCARD_COMPAT_CARDID_LEN + 1];
	char card_number[SSCARD_COMPAT_CARDNO_LEN + 1];
} compat_card_info;

/* Parse pCardInfo (-14 unless exactly that form). */
long compat_parse_card_info(const char *in, compat_card_info *ci, char *out);
/*
 * On an open session: the key provider (-2201 when none is configured or
 * the PSAM slot holds no PSAM), hold the card, and check that it is the
 * card ci names (-22 otherwise). Whatever it returns, end with
 * compat_card_session_end().
 */
long compat_card_session_start(compat_session *s, const compat_card_info *ci,
                               sscard_keys **keys, char *out);
/* Release the card, free the keys, close the session. */
void compat_card_session_end(compat_session *s, sscard_keys **keys);

/* The card in s must be the one ci names (-22 otherwise, naming which). */
long compat_check_card(compat_session *s, const compat_card_info *ci, char *out);
/* Read every element of fa (no authentication of its own) into out as
 * iReadCard shows them. */
long compat_read_groups(compat_session *s, const compat_fileaddr *fa, char *out);
/* pWriteData for the group g: the values, UTF-8, NUL-separated, into
 * values (-14 / -41 otherwise). */
long compat_parse_write_data(const char *in, const compat_group *g, char *values,
                             size_t valuessz, char *out);
/* Write the first group's values: with `keys` by sscard_write_element(),
 * without (the security module authenticated) by sscard_update_element();
 * each element read back. "" into out on success. */
long compat_write_values(compat_session *s, sscard_keys *keys, const compat_fileaddr *fa,
                         const char *values, char *out);

/* ---- the security-module forms (hsm.c, hsm_forms.c) ------------------------------ */

#define COMPAT_HSM_VALUE_LEN 8u /* every two-step value: 8 bytes, 16 hex digits */

typedef enum compat_hsm_op {
	HSM_READ_BAS = 1,
	HSM_READ_CARD,
	HSM_WRITE_CARD,
	HSM_RELOAD_PIN,
	HSM_UNBLOCK_PIN
} compat_hsm_op;

/* One security-module operation between its steps. */
typedef struct compat_hsm {
	compat_hsm_op op;
	int next;                   /* the step it waits for: 2 or 3 */
	bool claimed;               /* its reader is held (busy.c) */
	compat_session s;
	sscard_auth_request *req;
	char card_id[SSCARD_COMPAT_CARDID_LEN + 1];
	compat_fileaddr fa;         /* iReadCard / iWriteCard */
	char pin[SSCARD_PIN_LEN + 2]; /* iReloadPIN: the new PIN (wiped) */
	uint8_t header[5];          /* PIN forms: the command Step2 announced */
} compat_hsm;

/* Step1: drop this thread's unfinished operation, open a session for op. */
compat_hsm *compat_hsm_start(compat_hsm_op op, int iType, char *out, long *code);
/* After a step: with code 0 keep h for step `next` (release the card,
 * hold the reader); otherwise end it. Returns the code. */
long compat_hsm_park(compat_hsm *h, int next, long code, char *out);
/* This thread's operation when it is op waiting for `step`; else NULL and
 * -12 naming the Step1 to call (another form's operation stays). */
compat_hsm *compat_hsm_resume(compat_hsm_op op, int step, const char *step1, char *out,
                              long *code);
/* Hold the card for this step (sscard_card_begin). */
long compat_hsm_hold(compat_hsm *h, char *out);
void compat_hsm_end(compat_hsm *h);
/* Output helpers: one value in hex, the algorithm flag. */
void compat_hsm_hex_field(compat_out *o, const uint8_t *bytes, size_t len);
void compat_hsm_alg_field(compat_out *o, const compat_hsm *h);
/* pKey of the external-only forms: "<cryptogram><original>" (32 hex
 * digits, an optional '|'), the original Step1's (-14 otherwise). */
long compat_hsm_external_key(const compat_hsm *h, const char *pKey,
                             uint8_t cryptogram[COMPAT_HSM_VALUE_LEN], char *out);
/* sscard_auth_finish(); -25 when the internal result differs. */
long compat_hsm_finish(compat_hsm *h, const uint8_t *cryptogram, const uint8_t *expected,
                       char *out);

/* ---- readers held by a two-step operation (busy.c) ------------------------------ */

/* Seconds an unfinished two-step operation keeps its reader. */
#define COMPAT_BUSY_EXPIRY_S 120

/* Mark `reader` as held by the calling thread's two-step operation
 * (false: no room, or a name too long). */
bool compat_busy_claim(const char *reader);
/* Release the calling thread's hold on `reader`. */
void compat_busy_release(const char *reader);
/* Whether a live two-step operation holds `reader`. */
bool compat_busy(const char *reader);

/* ---- readers (reader.c) --------------------------------------------------------- */

typedef enum compat_kind { COMPAT_KIND_CONTACT = 0, COMPAT_KIND_CONTACTLESS = 1 } compat_kind;

/* The kinds to try for iType, in order; returns how many (0: bad iType). */
size_t compat_kinds_of(int iType, compat_kind kinds[2]);
/* Whether a PC/SC reader name looks like a contactless reader. */
bool compat_name_contactless(const char *name);
/*
 * Connect to the card in a reader of `kind` (environment first, then a
 * PC/SC reader whose name fits the kind and that holds a card).
 */
sscard_rc compat_connect_kind(sscard_ctx *ctx, compat_kind kind, sscard_card **card,
                              char *reader, bool *held);
/* Connect for iType: the kinds in order, moving on when one has no reader
 * or no card. SSCARD_E_INVALID_ARG for a bad iType. The reader's name goes
 * to `reader` (COMPAT_READER_NAME_MAX bytes). A reader that a two-step
 * operation holds (busy.c) is not connected to: SSCARD_E_SHARING, *held
 * set. */
sscard_rc compat_connect(sscard_ctx *ctx, int iType, sscard_card **card, char *reader,
                         bool *held);

#endif
