/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Validation of decoded SSSE values: each element on its own (a table of
 * checks by key), then the relations between elements. Every problem
 * names the element and says why, in words a counter clerk can repeat.
 */
#include "validate.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* room for the reason inside a problem's text, after label and key */
#define WHY_MAX 128u
/* room for every reason a write is refused */
#define WRITE_WHY_MAX 256u

_Static_assert(SSCARD_PROBLEMS_MAX >= SSCARD_ELEM_SLOTS + 3,
               "room for one problem per element plus the relations");

static const char *const problem_names[] = {
	[SSCARD_PROBLEM_MISSING] = "MISSING",
	[SSCARD_PROBLEM_FORMAT] = "FORMAT",
	[SSCARD_PROBLEM_DATE] = "DATE",
	[SSCARD_PROBLEM_CHECK_DIGIT] = "CHECK_DIGIT",
	[SSCARD_PROBLEM_BIRTH_MISMATCH] = "BIRTH_MISMATCH",
	[SSCARD_PROBLEM_SEX_MISMATCH] = "SEX_MISMATCH",
	[SSCARD_PROBLEM_EXPIRY_ORDER] = "EXPIRY_ORDER",
	[SSCARD_PROBLEM_UNREADABLE] = "UNREADABLE",
};

SSCARD_API const char *sscard_problem_name(int code)
{
	if (code <= 0 || (size_t)code >= sizeof(problem_names) / sizeof(problem_names[0]) ||
	    problem_names[code] == NULL)
		return "UNKNOWN";
	return problem_names[code];
}

/* ---- building blocks ------------------------------------------------------ */

static bool all_digits(const char *s, size_t n)
{
	return strlen(s) >= n && strspn(s, "0123456789") >= n;
}

static bool is_leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned num(const char *s, size_t n)
{
	unsigned v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (unsigned)(s[i] - '0');
	return v;
}

/* y, m, d already digits */
static bool ymd_is_real(unsigned y, unsigned m, unsigned d)
{
	static const unsigned days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (y < 1900 || y > 2099 || m < 1 || m > 12 || d < 1)
		return false;
	return d <= days[m - 1] + (m == 2 && is_leap(y) ? 1u : 0u);
}

bool sscard_date_is_real(const char *s)
{
	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    !all_digits(s, 4) || !all_digits(s + 5, 2) || !all_digits(s + 8, 2))
		return false;
	return ymd_is_real(num(s, 4), num(s + 5, 2), num(s + 8, 2));
}

char sscard_ssn_check_char(const char *first17)
{
	/* weight of digit i is 2^(17-i) mod 11 (ISO 7064 MOD 11-2) */
	static const unsigned weight[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 };
	static const char check[] = "10X98765432";
	if (first17 == NULL || !all_digits(first17, 17))
		return 0;
	unsigned sum = 0;
	for (size_t i = 0; i < 17; i++)
		sum += weight[i] * (unsigned)(first17[i] - '0');
	return check[sum % 11];
}

/* ---- checks of one element ------------------------------------------------- */

/* A check returns 0 when the value is fine, else the problem code with
 * `why` filled in. */
typedef sscard_problem_code (*check_fn)(const char *v, char *why, size_t whysz);

__attribute__((format(printf, 3, 4)))
static sscard_problem_code format_problem(char *why, size_t whysz, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, whysz, fmt, ap);
	va_end(ap);
	return SSCARD_PROBLEM_FORMAT;
}

static sscard_problem_code check_card_id(const char *v, char *why, size_t whysz)
{
	/* region (3 bytes BCD) + D156000005 + 8 chip-unique bytes */
	if (strlen(v) != 32)
		return format_problem(why, whysz, "\"%s\" is not 16 bytes (32 hex digits)", v);
	if (!all_digits(v, 6))
		return format_problem(why, whysz, "\"%s\" does not start with a 6-digit region", v);
	if (strncmp(v + 6, "D156000005", 10) != 0)
		return format_problem(why, whysz, "\"%s\" lacks the application identifier D156000005 after the region", v);
	return 0;
}

static sscard_problem_code check_card_type(const char *v, char *why, size_t whysz)
{
	if (strlen(v) != 1 || strspn(v, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 1)
		return format_problem(why, whysz, "\"%s\" is not one letter or digit", v);
	return 0;
}

static sscard_problem_code check_spec_version(const char *v, char *why, size_t whysz)
{
	if (strlen(v) != 4 || !all_digits(v, 1) || v[1] != '.' || !all_digits(v + 2, 2))
		return format_problem(why, whysz, "\"%s\" is not a version like 3.00", v);
	return 0;
}

static sscard_problem_code check_issuer(const char *v, char *why, size_t whysz)
{
	if (!all_digits(v, strlen(v)) || strlen(v) < 6)
		return format_problem(why, whysz, "\"%s\" is not an organisation code of 6 or more digits", v);
	return 0;
}

static sscard_problem_code check_date(const char *v, char *why, size_t whysz)
{
	if (!sscard_date_is_real(v)) {
		snprintf(why, whysz, "\"%s\" is not a real calendar date", v);
		return SSCARD_PROBLEM_DATE;
	}
	return 0;
}

static sscard_problem_code check_card_number(const char *v, char *why, size_t whysz)
{
	/* (verify) the character set: the public example is X00000019 */
	if (strlen(v) != 9 || strspn(v, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 9)
		return format_problem(why, whysz, "\"%s\" is not 9 upper-case letters or digits", v);
	return 0;
}

static sscard_problem_code check_ssn(const char *v, char *why, size_t whysz)
{
	if (strlen(v) != 18 || !all_digits(v, 17) || strspn(v + 17, "0123456789X") != 1)
		return format_problem(why, whysz, "\"%s\" is not 17 digits and a check character (0-9, X)", v);
	if (!ymd_is_real(num(v + 6, 4), num(v + 10, 2), num(v + 12, 2))) {
		snprintf(why, whysz, "the birth date %.8s in \"%s\" is not a real date", v + 6, v);
		return SSCARD_PROBLEM_DATE;
	}
	char want = sscard_ssn_check_char(v);
	if (v[17] != want) {
		snprintf(why, whysz, "check character of \"%s\" is %c, should be %c", v, v[17], want);
		return SSCARD_PROBLEM_CHECK_DIGIT;
	}
	return 0;
}

static sscard_problem_code check_sex(const char *v, char *why, size_t whysz)
{
	if (strcmp(v, "1") != 0 && strcmp(v, "2") != 0)
		return format_problem(why, whysz, "\"%s\" is neither 1 (male) nor 2 (female)", v);
	return 0;
}

static sscard_problem_code check_ethnicity(const char *v, char *why, size_t whysz)
{
	/* GB 3304: 01..56, 97 other, 98 naturalised foreigner */
	unsigned n = strlen(v) == 2 && all_digits(v, 2) ? num(v, 2) : 0;
	if (!((n >= 1 && n <= 56) || n == 97 || n == 98))
		return format_problem(why, whysz, "\"%s\" is not a GB 3304 code (01-56, 97, 98)", v);
	return 0;
}

static sscard_problem_code check_birthplace(const char *v, char *why, size_t whysz)
{
	if (strlen(v) != 6 || !all_digits(v, 6) || num(v, 2) < 11)
		return format_problem(why, whysz, "\"%s\" is not a 6-digit GB/T 2260 region code", v);
	return 0;
}

static const struct {
	const char *key;
	check_fn check;
} checks[] = {
	{ "card_id", check_card_id },         { "card_type", check_card_type },
	{ "spec_version", check_spec_version },{ "issuer", check_issuer },
	{ "issue_date", check_date },          { "expiry_date", check_date },
	{ "card_number", check_card_number },  { "ssn", check_ssn },
	{ "sex", check_sex },                  { "ethnicity", check_ethnicity },
	{ "birthplace", check_birthplace },    { "birth_date", check_date },
};

static check_fn check_of(const sscard_element *e)
{
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
		if (strcmp(checks[i].key, e->key) == 0)
			return checks[i].check;
	return NULL; /* names: any text GBK could carry is fine */
}

/* ---- the whole set --------------------------------------------------------- */

static void add(sscard_problems *out, const sscard_element *e,
                sscard_problem_code code, bool relation, const char *why)
{
	if (out->count >= SSCARD_PROBLEMS_MAX)
		return; /* cannot happen: asserted above */
	sscard_problem *p = &out->item[out->count++];
	p->elem = e;
	p->code = code;
	p->relation = relation;
	snprintf(p->text, sizeof(p->text), "%s (%s): %s", e->label_en, e->key, why);
}

typedef struct vstate {
	const sscard_elem_values *in;
	bool good[SSCARD_ELEM_SLOTS]; /* present and passed its own check */
} vstate;

static const char *good_value(const vstate *st, const char *key)
{
	const sscard_element *e = sscard_elem_by_key(key);
	size_t i = sscard_elem_index(e);
	return st->good[i] ? st->in->text[i] : NULL;
}

static void check_one(vstate *st, const sscard_element *e, sscard_problems *out)
{
	size_t i = sscard_elem_index(e);
	const char *v = st->in->text[i];
	char why[WHY_MAX];
	if (st->in->withheld[i])
		return;
	if (st->in->unreadable[i]) {
		const char *said = st->in->unreadable_why[i];
		if (said != NULL && said[0] != '\0')
			snprintf(why, sizeof(why), "unreadable: %s", said);
		add(out, e, SSCARD_PROBLEM_UNREADABLE, false,
		    said != NULL && said[0] != '\0' ? why : "the card's record is malformed");
		return;
	}
	if (v == NULL || v[0] == '\0') {
		if (e->mandatory)
			add(out, e, SSCARD_PROBLEM_MISSING, false, "absent or blank");
		return;
	}
	check_fn check = check_of(e);
	sscard_problem_code code = check != NULL ? check(v, why, sizeof(why)) : 0;
	if (code != 0)
		add(out, e, code, false, why);
	else
		st->good[i] = true;
}

/* A relation between two good values a and b: 0 when they agree, else the
 * problem code (reported on `on`) with `why` filled in. */
typedef sscard_problem_code (*relation_fn)(const char *a, const char *b, char *why,
                                           size_t whysz);

static sscard_problem_code ssn_birth(const char *ssn, const char *birth, char *why,
                                     size_t whysz)
{
	if (strncmp(ssn + 6, birth, 4) == 0 && strncmp(ssn + 10, birth + 5, 2) == 0 &&
	    strncmp(ssn + 12, birth + 8, 2) == 0)
		return 0;
	snprintf(why, whysz, "%s differs from %.8s in the social security number", birth,
	         ssn + 6);
	return SSCARD_PROBLEM_BIRTH_MISMATCH;
}

/* GB 11643: the 17th digit is odd for men, even for women */
static sscard_problem_code ssn_sex(const char *ssn, const char *sex, char *why, size_t whysz)
{
	if ((unsigned)(ssn[16] - '0') % 2 == (sex[0] == '1' ? 1u : 0u))
		return 0;
	snprintf(why, whysz, "%s but the social security number's 17th digit %c says %s",
	         sex[0] == '1' ? "male" : "female", ssn[16], (ssn[16] - '0') % 2 ? "male" : "female");
	return SSCARD_PROBLEM_SEX_MISMATCH;
}

static sscard_problem_code issue_expiry(const char *issue, const char *expiry, char *why,
                                        size_t whysz)
{
	if (strcmp(expiry, issue) > 0)
		return 0;
	snprintf(why, whysz, "%s is not after the issue date %s", expiry, issue);
	return SSCARD_PROBLEM_EXPIRY_ORDER;
}

static const struct {
	const char *a, *b, *on; /* element keys; the problem is reported on `on` */
	relation_fn check;
} relations[] = {
	{ "ssn", "birth_date", "birth_date", ssn_birth },
	{ "ssn", "sex", "sex", ssn_sex },
	{ "issue_date", "expiry_date", "expiry_date", issue_expiry },
};

static void check_relations(const vstate *st, sscard_problems *out)
{
	char why[WHY_MAX];
	for (size_t i = 0; i < sizeof(relations) / sizeof(relations[0]); i++) {
		const char *a = good_value(st, relations[i].a);
		const char *b = good_value(st, relations[i].b);
		sscard_problem_code code = a != NULL && b != NULL ?
			relations[i].check(a, b, why, sizeof(why)) : 0;
		if (code != 0)
			add(out, sscard_elem_by_key(relations[i].on), code, true, why);
	}
}

bool sscard_validate_related(const sscard_element *x, const sscard_element *y)
{
	if (x == y)
		return true;
	for (size_t i = 0; i < sizeof(relations) / sizeof(relations[0]); i++) {
		const sscard_element *a = sscard_elem_by_key(relations[i].a);
		const sscard_element *b = sscard_elem_by_key(relations[i].b);
		if ((x == a && y == b) || (x == b && y == a))
			return true;
	}
	return false;
}

sscard_rc sscard_validate_values(const sscard_elem_values *in, sscard_problems *out)
{
	if (in == NULL || out == NULL)
		return SSCARD_E_INVALID_ARG;
	vstate st = { .in = in };
	out->count = 0;
	for (size_t i = 0; i < sscard_elem_count(); i++)
		check_one(&st, sscard_elem_at(i), out);
	check_relations(&st, out);
	return SSCARD_OK;
}

/* ---- a proposed write ------------------------------------------------------- */

static bool had(const sscard_problems *before, const sscard_problem *p)
{
	for (size_t i = 0; i < before->count; i++)
		if (before->item[i].elem == p->elem && before->item[i].code == p->code &&
		    strcmp(before->item[i].text, p->text) == 0)
			return true;
	return false;
}

/* Appends "; text" (or "text") to detail, cut at its end. */
static void append(char *detail, size_t detailsz, const char *text)
{
	size_t used = strlen(detail);
	if (used + 1 < detailsz)
		snprintf(detail + used, detailsz - used, "%s%s", used > 0 ? "; " : "", text);
}

/* The problems `after` has that refuse the write: its own always, new
 * relations unless forced. Returns how many; their texts go to detail. */
static size_t refusals(const sscard_problems *before, const sscard_problems *after,
                       const sscard_element *e, unsigned flags, char *detail,
                       size_t detailsz, bool *forceable)
{
	size_t n = 0;
	*forceable = true;
	for (size_t i = 0; i < after->count; i++) {
		const sscard_problem *p = &after->item[i];
		bool own = p->elem == e && !p->relation;
		if (!own && (had(before, p) || (flags & SSCARD_WRITE_FORCE) != 0))
			continue;
		*forceable = *forceable && !own;
		append(detail, detailsz, p->text);
		n++;
	}
	return n;
}

sscard_rc sscard_validate_write(const sscard_elem_values *before, const sscard_element *e,
                                const char *text, unsigned flags, char *detail,
                                size_t detailsz)
{
	uint8_t bytes[SSCARD_ELEM_VALUE_MAX];
	char shown[SSCARD_ELEM_TEXT_MAX], why[WRITE_WHY_MAX];
	size_t len = 0;
	sscard_problems pb, pa;
	bool forceable;

	if (detail != NULL && detailsz > 0)
		detail[0] = '\0';
	if (before == NULL || e == NULL || text == NULL)
		return SSCARD_E_INVALID_ARG;
	/* the value as the card would show it ("19750203" -> "1975-02-03") */
	sscard_rc rc = sscard_elem_encode(e, text, bytes, sizeof(bytes), &len, why, sizeof(why));
	if (rc == SSCARD_OK)
		rc = sscard_elem_decode(e, bytes, len, shown, sizeof(shown), why, sizeof(why));
	if (rc != SSCARD_OK)
		return sscard_detailf(detail, detailsz, rc, "%s", why);
	size_t i = sscard_elem_index(e);
	if (i >= sscard_elem_count())
		return SSCARD_OK; /* beyond SSSE's own elements (DF04): the codec's shape only */
	sscard_elem_values after = *before;
	after.text[i] = shown;
	after.withheld[i] = false;
	after.unreadable[i] = false;
	sscard_validate_values(before, &pb);
	sscard_validate_values(&after, &pa);
	why[0] = '\0';
	if (refusals(&pb, &pa, e, flags, why, sizeof(why), &forceable) == 0)
		return SSCARD_OK;
	return sscard_detailf(detail, detailsz, SSCARD_E_DATA_INVALID,
	                      "writing %s \"%s\" is refused: %s%s", e->key, shown, why,
	                      forceable ? " (only a deliberate repair may force it)" : "");
}
