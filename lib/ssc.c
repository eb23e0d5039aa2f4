/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The social security application SSSE: selection and reading of its data
 * elements, driven by the one element table (elements.c), parsed by the
 * one TLV parser (tlv.c), decoded by the codec and judged by validate.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sscard/sm.h>
#include <sscard/ssc.h>

#include "elements.h"
#include "ssc_int.h"
#include "internal.h"
#include "tlv.h"
#include "validate.h"

/* card->selected values owned by this module (0 = unknown): SSSE, or an
 * application DF below it by its FID (0xDF04). */
enum { SSC_SELECTED_SSSE = 1 };
/* SSSE selected with one of its EFs current by SELECT (EF0D): its FID in
 * the bits above, so records by number need no second SELECT. */
#define SSC_SELECTED_SSSE_EF(fid) (SSC_SELECTED_SSSE | (int)((unsigned)(fid) << 8))
#define SSC_SSSE_IS_SELECTED(sel) (((sel) & 0xFF) == SSC_SELECTED_SSSE)

/* "sx1.sh." + GBK "社会保障" */
static const uint8_t ssse_name[] = {
	0x73, 0x78, 0x31, 0x2E, 0x73, 0x68, 0x2E, 0xC9, 0xE7, 0xBB, 0xE1, 0xB1, 0xA3, 0xD5, 0xCF,
};

/* ---- the table, public view ------------------------------------------------ */

SSCARD_API size_t sscard_element_count(void)
{
	return sscard_elem_count();
}

SSCARD_API size_t sscard_element_count_all(void)
{
	return sscard_elem_count_all();
}

SSCARD_API int sscard_element_find(const char *name)
{
	const sscard_element *e = sscard_elem_lookup(name);
	return e != NULL ? (int)sscard_elem_index(e) : -1;
}

SSCARD_API int sscard_element_tag(size_t i)
{
	const sscard_element *e = sscard_elem_at(i);
	return e != NULL ? e->tag : -1;
}

SSCARD_API const char *sscard_element_key(size_t i)
{
	const sscard_element *e = sscard_elem_at(i);
	return e != NULL ? e->key : NULL;
}

SSCARD_API const char *sscard_element_label(size_t i)
{
	const sscard_element *e = sscard_elem_at(i);
	return e != NULL ? e->label_zh : NULL;
}

SSCARD_API const char *sscard_element_label_en(size_t i)
{
	const sscard_element *e = sscard_elem_at(i);
	return e != NULL ? e->label_en : NULL;
}

SSCARD_API const char *sscard_element_file(size_t i)
{
	const sscard_element *e = sscard_elem_at(i);
	return e != NULL ? sscard_file_info_of(e->ef)->name : NULL;
}

SSCARD_API const char *sscard_element_format(size_t i)
{
	const sscard_element *e = sscard_elem_at(i);
	return e != NULL ? sscard_format_name(e->format) : NULL;
}

SSCARD_API int sscard_element_length(size_t i)
{
	const sscard_element *e = sscard_elem_at(i);
	return e != NULL ? e->len : -1;
}

/* ---- selection and one record ------------------------------------------------ */

/* SELECT SSSE by name; with `fci` (Le 00) its FCI is kept, else a 61xx
 * answer is success as it is (one APDU instead of SELECT + GET RESPONSE). */
static sscard_rc select_ssse(sscard_card *card, uint8_t *fci, size_t fcisz, size_t *fcilen)
{
	const sscard_apdu select = { .cla = 0x00, .ins = 0xA4, .p1 = 0x04, .p2 = 0x00,
	                             .data = ssse_name, .nc = sizeof(ssse_name),
	                             .ne = fci ? 256u : 0u };
	uint8_t resp[2];
	size_t rlen = 0;
	card->selected = 0;
	sscard_rc rc = sscard_card_cmd(card, "SELECT SSSE", &select, fci ? fci : resp,
	                               fci ? fcisz : sizeof(resp), fci ? fcilen : &rlen);
	if (rc != SSCARD_OK)
		return rc;
	card->selected = SSC_SELECTED_SSSE;
	return SSCARD_OK;
}

SSCARD_API sscard_rc sscard_ssc_select(sscard_card *card, int force)
{
	if (card == NULL)
		return SSCARD_E_INVALID_ARG;
	if (!force && SSC_SSSE_IS_SELECTED(card->selected))
		return SSCARD_OK;
	return select_ssse(card, NULL, 0, NULL);
}

sscard_rc sscard_ssc_select_fci(sscard_card *card, uint8_t *fci, size_t fcisz,
                                size_t *fcilen)
{
	if (card == NULL || fci == NULL || fcilen == NULL)
		return SSCARD_E_INVALID_ARG;
	*fcilen = 0;
	return select_ssse(card, fci, fcisz, fcilen);
}

/* SELECT an EF of SSSE by FID (00 A4 00 00 02 EF0D), SSSE being selected:
 * the DF stays current, so SFI reads of its other EFs still work. */
sscard_rc sscard_ssc_select_ef(sscard_card *card, const sscard_file_info *fi)
{
	const uint8_t fid[2] = { (uint8_t)(fi->fid >> 8), (uint8_t)fi->fid };
	const sscard_apdu sel = { .cla = 0x00, .ins = 0xA4, .p1 = 0x00, .p2 = 0x00,
	                          .data = fid, .nc = 2 };
	uint8_t resp[2];
	size_t rlen = 0;
	if (card->selected == SSC_SELECTED_SSSE_EF(fi->fid))
		return SSCARD_OK;
	sscard_rc rc = sscard_card_cmd(card, "SELECT EF", &sel, resp, sizeof(resp), &rlen);
	if (rc == SSCARD_OK && SSC_SSSE_IS_SELECTED(card->selected))
		card->selected = SSC_SELECTED_SSSE_EF(fi->fid);
	return rc;
}

/*
 * Make the DF holding `e`'s file current: SSSE by name, or an application
 * DF by FID below SSSE (00 A4 00 00 02 DF04, design.md s.4). Selecting a
 * DF leaves the security state gained in another behind, so nothing is
 * selected that already is.
 */
sscard_rc sscard_ssc_select_app(sscard_card *card, uint16_t fid)
{
	if (fid == 0)
		return sscard_ssc_select(card, 0);
	if (card->selected == fid)
		return SSCARD_OK;
	sscard_rc rc = sscard_ssc_select(card, 0);
	if (rc != SSCARD_OK)
		return rc;
	const uint8_t data[2] = { (uint8_t)(fid >> 8), (uint8_t)fid };
	/* no Le, as for SSSE: a 61xx answer is success as it is */
	const sscard_apdu select = { .cla = 0x00, .ins = 0xA4, .p1 = 0x00, .p2 = 0x00,
	                             .data = data, .nc = sizeof(data) };
	uint8_t resp[2];
	size_t rlen = 0;
	char what[24];
	snprintf(what, sizeof(what), "SELECT %04X", (unsigned)fid);
	card->selected = 0;
	rc = sscard_card_cmd(card, what, &select, resp, sizeof(resp), &rlen);
	if (rc == SSCARD_OK)
		card->selected = fid;
	return rc;
}

static sscard_rc select_df_of(sscard_card *card, const sscard_element *e)
{
	return sscard_ssc_select_app(card, sscard_file_info_of(e->ef)->df_fid);
}

/* READ RECORD by SFI with record identifier = tag, Le = the element's full
 * record, then the strict TLV check. The value is copied to `value`. */
sscard_rc sscard_ssc_read_value(sscard_card *card, const sscard_element *e,
                                uint8_t value[SSCARD_ELEM_VALUE_MAX], size_t *len)
{
	const sscard_file_info *fi = sscard_file_info_of(e->ef);
	/* by SFI and identifier, or (EF0D) by number in the selected EF */
	const sscard_apdu rr = { .cla = 0x00, .ins = 0xB2,
	                         .p1 = fi->by_record ? e->record : e->tag,
	                         .p2 = (uint8_t)(fi->by_record ? 0x04u : (unsigned)e->sfi << 3),
	                         .ne = e->len + 2u };
	uint8_t resp[256];
	size_t rlen = 0;
	char what[48];
	snprintf(what, sizeof(what), "READ RECORD %02X (%s)", e->tag, e->key);
	sscard_rc rc = fi->by_record ? sscard_ssc_select_ef(card, fi) : SSCARD_OK;
	/* a read by SFI makes that EF current (ISO 7816-4) */
	if (!fi->by_record && SSC_SSSE_IS_SELECTED(card->selected))
		card->selected = SSC_SELECTED_SSSE;
	if (rc == SSCARD_OK)
		rc = sscard_card_cmd(card, what, &rr, resp, sizeof(resp), &rlen);
	if (rc == SSCARD_E_BAD_RESPONSE) { /* the exchange's detail lacks the tag */
		char said[SSCARD_DETAIL_MAX - 48];
		snprintf(said, sizeof(said), "%s", sscard_card_last_detail(card));
		return sscard_card_fail(card, rc, "%s: %s", what, said);
	}
	if (rc != SSCARD_OK)
		return rc;
	sscard_tlv t;
	char why[SSCARD_DETAIL_MAX - 32];
	rc = sscard_tlv_parse_record(resp, rlen, e->tag, e->len, &t, why, sizeof(why));
	if (rc != SSCARD_OK)
		return sscard_card_fail(card, rc, "%s: %s", what, why);
	memcpy(value, t.value, t.len);
	*len = t.len;
	return SSCARD_OK;
}

/* Read and decode one element; the SSSE is already selected. */
static sscard_rc read_text(sscard_card *card, const sscard_element *e, char *text,
                           size_t textsz)
{
	uint8_t value[SSCARD_ELEM_VALUE_MAX];
	size_t len = 0;
	sscard_rc rc = sscard_ssc_read_value(card, e, value, &len);
	if (rc != SSCARD_OK)
		return rc;
	char why[SSCARD_DETAIL_MAX];
	rc = sscard_elem_decode(e, value, len, text, textsz, why, sizeof(why));
	if (rc != SSCARD_OK)
		return sscard_card_fail(card, rc, "%s", why);
	return SSCARD_OK;
}

SSCARD_API sscard_rc sscard_read_element(sscard_card *card, const char *name,
                                         char *text, size_t textsz)
{
	const sscard_element *e = sscard_elem_lookup(name);
	if (card == NULL || text == NULL || textsz == 0)
		return SSCARD_E_INVALID_ARG;
	text[0] = '\0';
	if (e == NULL)
		return sscard_card_fail(card, SSCARD_E_INVALID_ARG, "no data element \"%s\"",
		                        name ? name : "(null)");
	sscard_rc rc = sscard_card_begin(card);
	if (rc != SSCARD_OK)
		return rc;
	rc = select_df_of(card, e);
	if (rc == SSCARD_OK)
		rc = read_text(card, e, text, textsz);
	sscard_card_end(card);
	return rc;
}

/* ---- a plain write in the current security state ------------------------------- */

/* UPDATE RECORD 00 DC <tag> <SFI<<3> (EF0D: <record> 04 in the selected
 * EF) Lc <tag len value>, then the record read back and compared. */
static sscard_rc update_and_verify(sscard_card *card, const sscard_element *e,
                                   const uint8_t *value, size_t len, int *verified)
{
	const sscard_file_info *fi = sscard_file_info_of(e->ef);
	uint8_t rec[2 + SSCARD_ELEM_VALUE_MAX], back[SSCARD_ELEM_VALUE_MAX], resp[2];
	size_t rlen = 0, blen = 0;
	rec[0] = e->tag;
	rec[1] = (uint8_t)len;
	memcpy(rec + 2, value, len);
	const sscard_apdu up = { .cla = 0x00, .ins = 0xDC,
	                         .p1 = fi->by_record ? e->record : e->tag,
	                         .p2 = (uint8_t)(fi->by_record ? 0x04u : (unsigned)e->sfi << 3),
	                         .data = rec, .nc = 2 + len };
	sscard_rc rc = fi->by_record ? sscard_ssc_select_ef(card, fi) : SSCARD_OK;
	if (rc == SSCARD_OK)
		rc = sscard_card_cmd(card, "UPDATE RECORD", &up, resp, sizeof(resp), &rlen);
	if (rc == SSCARD_OK) {
		rc = sscard_ssc_read_value(card, e, back, &blen);
		/* the update key does not open the file for reading (a 3.0
		 * card's EF06 wants RKSSSE): written, not verified */
		if (rc == SSCARD_E_SECURITY) {
			sscard_card_clear_detail(card);
			return SSCARD_OK;
		}
		*verified = rc == SSCARD_OK;
	}
	if (rc == SSCARD_OK && (blen != len || memcmp(back, value, len) != 0))
		rc = sscard_card_fail(card, SSCARD_E_VERIFY_FAILED,
		                      "%s (tag %02X): the card reads back another value", e->key,
		                      e->tag);
	return rc;
}

SSCARD_API sscard_rc sscard_update_element(sscard_card *card, const char *element,
                                           const char *text, int *verified)
{
	const sscard_element *e = sscard_elem_lookup(element);
	uint8_t value[SSCARD_ELEM_VALUE_MAX];
	char detail[SSCARD_DETAIL_MAX];
	size_t len = 0;
	int dummy = 0;
	if (verified == NULL)
		verified = &dummy;
	*verified = 0;
	if (card == NULL || text == NULL)
		return SSCARD_E_INVALID_ARG;
	if (e == NULL)
		return sscard_card_fail(card, SSCARD_E_INVALID_ARG, "no data element \"%s\"",
		                        element ? element : "(null)");
	sscard_rc rc = sscard_elem_encode(e, text, value, sizeof(value), &len, detail,
	                                  sizeof(detail));
	if (rc != SSCARD_OK)
		return sscard_card_fail(card, rc, "%s", detail);
	rc = sscard_card_begin(card);
	if (rc != SSCARD_OK)
		return rc;
	rc = select_df_of(card, e);
	if (rc == SSCARD_OK)
		rc = update_and_verify(card, e, value, len, verified);
	sscard_card_end(card);
	return rc;
}

/* ---- reading everything -------------------------------------------------------- */

struct sscard_basic {
	char text[SSCARD_ELEM_SLOTS][SSCARD_ELEM_TEXT_MAX];
	sscard_elem_status status[SSCARD_ELEM_SLOTS];
	sscard_rc error[SSCARD_ELEM_SLOTS];
	char detail[SSCARD_ELEM_SLOTS][SSCARD_DETAIL_MAX];
	sscard_problems problems;
	bool read; /* a read completed: the problems are meaningful */
};

SSCARD_API sscard_rc sscard_basic_new(sscard_basic **out)
{
	if (out == NULL)
		return SSCARD_E_INVALID_ARG;
	*out = calloc(1, sizeof(**out));
	return *out != NULL ? SSCARD_OK : SSCARD_E_NOMEM;
}

SSCARD_API void sscard_basic_free(sscard_basic **b)
{
	if (b == NULL || *b == NULL)
		return;
	free(*b);
	*b = NULL;
}

/*
 * How a failed READ RECORD affects the element (and the rest of its
 * file); any rc not listed ends the whole read (transport, card gone).
 */
static const struct {
	sscard_rc rc;
	sscard_elem_status status;
	bool rest_of_file; /* the same answer stands for the file's other elements */
} element_failures[] = {
	{ SSCARD_E_SECURITY, SSCARD_ELEM_WITHHELD, true },
	{ SSCARD_E_FILE_NOT_FOUND, SSCARD_ELEM_NOT_FOUND, true },
	{ SSCARD_E_RECORD_NOT_FOUND, SSCARD_ELEM_NOT_FOUND, false },
	{ SSCARD_E_BAD_DATA, SSCARD_ELEM_UNREADABLE, false },
	{ SSCARD_E_ENCODING, SSCARD_ELEM_UNREADABLE, false },
	{ SSCARD_E_BAD_RESPONSE, SSCARD_ELEM_UNREADABLE, false },
	{ SSCARD_E_MEMORY_FAILURE, SSCARD_ELEM_UNREADABLE, false },
	{ SSCARD_E_CARD_ERROR, SSCARD_ELEM_UNREADABLE, false },
	{ SSCARD_E_WRONG_LENGTH, SSCARD_ELEM_UNREADABLE, false },
	{ SSCARD_E_WRONG_PARAMS, SSCARD_ELEM_UNREADABLE, false },
	{ SSCARD_E_NOT_SUPPORTED, SSCARD_ELEM_UNREADABLE, false },
	{ SSCARD_E_CONDITIONS, SSCARD_ELEM_UNREADABLE, false },
};

static int failure_row(sscard_rc rc)
{
	for (size_t i = 0; i < sizeof(element_failures) / sizeof(element_failures[0]); i++)
		if (element_failures[i].rc == rc)
			return (int)i;
	return -1;
}

static void mark(sscard_basic *b, size_t i, sscard_elem_status st, sscard_rc rc,
                 const char *detail)
{
	b->status[i] = st;
	b->error[i] = rc;
	snprintf(b->detail[i], sizeof(b->detail[i]), "%s", detail);
	b->text[i][0] = '\0';
}

/* Cards below specification 3.00 have no 3.0-only records: not asked. */
static bool version_lacks(const sscard_basic *b, const sscard_element *e)
{
	size_t v = sscard_elem_index(sscard_elem_by_key("spec_version"));
	return e->v3_only && b->status[v] == SSCARD_ELEM_PRESENT &&
	       b->text[v][0] >= '0' && b->text[v][0] < '3';
}

/* Elements after i in the same file take i's answer without an APDU. */
static void mark_rest_of_file(sscard_basic *b, size_t i)
{
	const sscard_element *first = sscard_elem_at(i);
	char detail[SSCARD_DETAIL_MAX];
	for (size_t j = i + 1; j < sscard_elem_count(); j++) {
		const sscard_element *e = sscard_elem_at(j);
		if (e->ef != first->ef || b->status[j] != SSCARD_ELEM_NOT_READ)
			continue;
		/* named for itself: the answer that settled it is its file's */
		sscard_text_fit(detail, sizeof(detail),
		                snprintf(detail, sizeof(detail), "%s (tag %02X): not asked, %s "
		                         "answered for %s: %s", e->key, e->tag,
		                         sscard_file_info_of(e->ef)->name, first->key, b->detail[i]));
		mark(b, j, b->status[i], b->error[i], detail);
	}
}

/* Read element i into b; returns an rc only when the whole read must stop. */
static sscard_rc read_into(sscard_card *card, sscard_basic *b, size_t i)
{
	const sscard_element *e = sscard_elem_at(i);
	if (b->status[i] != SSCARD_ELEM_NOT_READ)
		return SSCARD_OK; /* settled by an earlier answer in its file */
	if (version_lacks(b, e)) {
		char why[96];
		snprintf(why, sizeof(why), "%s: only on specification 3.00 cards", e->key);
		mark(b, i, SSCARD_ELEM_NOT_FOUND, SSCARD_E_RECORD_NOT_FOUND, why);
		return SSCARD_OK;
	}
	sscard_rc rc = read_text(card, e, b->text[i], sizeof(b->text[i]));
	if (rc == SSCARD_OK) {
		b->status[i] = b->text[i][0] != '\0' ? SSCARD_ELEM_PRESENT : SSCARD_ELEM_BLANK;
		return SSCARD_OK;
	}
	int row = failure_row(rc);
	if (row < 0)
		return rc;
	mark(b, i, element_failures[row].status, rc, sscard_card_last_detail(card));
	if (element_failures[row].rest_of_file)
		mark_rest_of_file(b, i);
	return SSCARD_OK;
}

/* What validation sees of b. */
static void values_of(const sscard_basic *b, sscard_elem_values *v)
{
	memset(v, 0, sizeof(*v));
	for (size_t i = 0; i < sscard_elem_count(); i++) {
		v->text[i] = b->status[i] == SSCARD_ELEM_PRESENT ? b->text[i] : NULL;
		v->withheld[i] = b->status[i] == SSCARD_ELEM_WITHHELD ||
		                 b->status[i] == SSCARD_ELEM_NOT_READ;
		v->unreadable[i] = b->status[i] == SSCARD_ELEM_UNREADABLE;
		v->unreadable_why[i] = v->unreadable[i] ? b->detail[i] : NULL;
	}
}

static void validate(sscard_basic *b)
{
	sscard_elem_values v;
	values_of(b, &v);
	sscard_validate_values(&v, &b->problems);
}

SSCARD_API sscard_rc sscard_read_basic(sscard_card *card, sscard_basic *b)
{
	if (card == NULL || b == NULL)
		return SSCARD_E_INVALID_ARG;
	memset(b, 0, sizeof(*b));
	sscard_rc rc = sscard_card_begin(card);
	if (rc != SSCARD_OK)
		return rc;
	rc = sscard_ssc_select(card, 0);
	for (size_t i = 0; rc == SSCARD_OK && i < sscard_elem_count(); i++)
		rc = read_into(card, b, i);
	sscard_card_end(card);
	if (rc != SSCARD_OK) {
		memset(b, 0, sizeof(*b));
		return rc;
	}
	validate(b);
	b->read = true;
	return SSCARD_OK;
}

/* ---- accessors ----------------------------------------------------------------- */

static bool in_range(const sscard_basic *b, size_t i)
{
	return b != NULL && i < sscard_elem_count();
}

SSCARD_API const char *sscard_basic_value(const sscard_basic *b, size_t i)
{
	return in_range(b, i) && b->status[i] == SSCARD_ELEM_PRESENT ? b->text[i] : NULL;
}

SSCARD_API const char *sscard_basic_get(const sscard_basic *b, const char *key)
{
	const sscard_element *e = sscard_elem_by_key(key);
	return e != NULL ? sscard_basic_value(b, sscard_elem_index(e)) : NULL;
}

SSCARD_API sscard_elem_status sscard_basic_status(const sscard_basic *b, size_t i)
{
	return in_range(b, i) ? b->status[i] : SSCARD_ELEM_NOT_READ;
}

SSCARD_API sscard_rc sscard_basic_error(const sscard_basic *b, size_t i)
{
	return in_range(b, i) ? b->error[i] : SSCARD_E_INVALID_ARG;
}

SSCARD_API const char *sscard_basic_detail(const sscard_basic *b, size_t i)
{
	return in_range(b, i) ? b->detail[i] : "";
}

SSCARD_API int sscard_basic_valid(const sscard_basic *b)
{
	return b != NULL && b->read && b->problems.count == 0;
}

SSCARD_API size_t sscard_basic_problem_count(const sscard_basic *b)
{
	return b != NULL ? b->problems.count : 0;
}

SSCARD_API sscard_rc sscard_basic_problem(const sscard_basic *b, size_t i,
                                          const char **key, int *code,
                                          const char **text)
{
	if (b == NULL || i >= b->problems.count)
		return SSCARD_E_INVALID_ARG;
	const sscard_problem *p = &b->problems.item[i];
	if (key != NULL)
		*key = p->elem->key;
	if (code != NULL)
		*code = (int)p->code;
	if (text != NULL)
		*text = p->text;
	return SSCARD_OK;
}

/* ---- checking a write ---------------------------------------------------------- */

SSCARD_API sscard_rc sscard_basic_check_write(const sscard_basic *b, const char *element,
                                              const char *text, unsigned flags,
                                              char *detail, size_t detailsz)
{
	const sscard_element *e = sscard_elem_lookup(element);
	sscard_elem_values v;

	if (detail != NULL && detailsz > 0)
		detail[0] = '\0';
	if (b == NULL || !b->read || text == NULL)
		return SSCARD_E_INVALID_ARG;
	if (e == NULL)
		return sscard_detailf(detail, detailsz, SSCARD_E_INVALID_ARG,
		                      "no data element \"%s\"", element ? element : "(null)");
	values_of(b, &v);
	return sscard_validate_write(&v, e, text, flags, detail, detailsz);
}

/* Is an element that judging a write of e needs withheld? */
static bool needs_withheld(const sscard_basic *b, const sscard_element *e)
{
	for (size_t i = 0; i < sscard_elem_count(); i++)
		if (b->status[i] == SSCARD_ELEM_WITHHELD &&
		    sscard_validate_related(e, sscard_elem_at(i)))
			return true;
	return false;
}

/* Read b; with keys, authenticate and read again when what judging a
 * write of e needs was withheld. */
static sscard_rc read_for_check(sscard_card *card, sscard_keys *keys,
                                const sscard_element *e, sscard_basic *b)
{
	sscard_rc rc = sscard_read_basic(card, b);
	if (rc != SSCARD_OK || keys == NULL || !needs_withheld(b, e))
		return rc;
	rc = sscard_authenticate(card, keys, NULL, NULL);
	if (rc != SSCARD_OK) {
		char said[SSCARD_DETAIL_MAX - 64];
		snprintf(said, sizeof(said), "%s", sscard_card_last_detail(card));
		return sscard_card_fail(card, rc, "cannot read the card's data to check the "
		                        "write: %s", said);
	}
	return sscard_read_basic(card, b);
}

SSCARD_API sscard_rc sscard_check_write(sscard_card *card, sscard_keys *keys,
                                        const char *element, const char *text,
                                        unsigned flags)
{
	const sscard_element *e = sscard_elem_lookup(element);
	sscard_basic *b = NULL;
	char detail[SSCARD_DETAIL_MAX];

	if (card == NULL || element == NULL || text == NULL)
		return SSCARD_E_INVALID_ARG;
	if (e == NULL)
		return sscard_card_fail(card, SSCARD_E_INVALID_ARG, "no data element \"%s\"",
		                        element);
	sscard_rc rc = sscard_basic_new(&b);
	if (rc == SSCARD_OK)
		rc = sscard_card_begin(card);
	if (rc != SSCARD_OK) {
		sscard_basic_free(&b);
		return rc;
	}
	rc = read_for_check(card, keys, e, b);
	sscard_card_end(card);
	if (rc == SSCARD_OK) {
		rc = sscard_basic_check_write(b, element, text, flags, detail, sizeof(detail));
		if (rc != SSCARD_OK)
			sscard_card_fail(card, rc, "%s", detail);
	}
	sscard_basic_free(&b);
	return rc;
}
