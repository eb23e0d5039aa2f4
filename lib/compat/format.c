/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The customary output: GBK fields, each followed by '|', built in the
 * caller's buffer without ever passing the documented maximum. Every
 * field has a maximum length from the data element table (see
 * sscard_compat.h); a field over it is refused, never cut.
 */
#include <ctype.h>
#include <string.h>

#include "compat_int.h"

_Static_assert(SSCARD_COMPAT_READCARDBAS_MAX <= SSCARD_COMPAT_OUT_BUFFER,
               "iReadCardBas output fits the customary buffer");
_Static_assert(SSCARD_COMPAT_HSM_STEP1_MAX <= SSCARD_COMPAT_OUT_BUFFER,
               "Step1 output fits the customary buffer");
_Static_assert(SSCARD_COMPAT_READCARD_MAX <= SSCARD_COMPAT_OUT_BUFFER,
               "iReadCard output fits the customary buffer");
_Static_assert(SSCARD_COMPAT_ALGFLAG_LEN + SSCARD_COMPAT_KEYADDR_LEN +
                       2u * SSCARD_COMPAT_RANDOM_LEN + 4u + 1u <= SSCARD_COMPAT_HSM_STEP_MAX,
               "the external-only Step1 output fits SSCARD_COMPAT_HSM_STEP_MAX");
_Static_assert(SSCARD_COMPAT_MESSAGE_MAX <= SSCARD_COMPAT_OUT_BUFFER,
               "messages fit the customary buffer");

void compat_out_init(compat_out *o, char *buf, size_t cap)
{
	o->buf = buf;
	o->cap = cap;
	o->len = 0;
	o->failed = cap == 0;
	if (cap)
		buf[0] = '\0';
}

void compat_out_field(compat_out *o, const char *utf8, size_t maxlen)
{
	long n;
	size_t room;

	if (o->failed)
		return;
	/* a '|' inside a field would shift every field after it */
	if (strchr(utf8, '|')) {
		o->failed = true;
		return;
	}
	/* room for the field (at most maxlen), its '|' and the final NUL */
	room = o->cap - o->len;
	if (room < 2) {
		o->failed = true;
		return;
	}
	if (room - 1 > maxlen + 1)
		room = maxlen + 1;
	else
		room -= 1;
	n = compat_utf8_to_gbk(utf8, o->buf + o->len, room);
	if (n < 0) {
		o->buf[o->len] = '\0';
		o->failed = true;
		return;
	}
	o->len += (size_t)n;
	o->buf[o->len++] = '|';
	o->buf[o->len] = '\0';
}

void compat_out_raw(compat_out *o, const char *ascii)
{
	size_t n = strlen(ascii);

	if (o->failed)
		return;
	if (strchr(ascii, '|') || o->cap - o->len <= n) {
		o->failed = true;
		return;
	}
	memcpy(o->buf + o->len, ascii, n + 1);
	o->len += n;
}

long compat_region(const char *card_id, char region[SSCARD_COMPAT_REGION_LEN + 1])
{
	region[0] = '\0';
	if (strlen(card_id) != SSCARD_COMPAT_CARDID_LEN)
		return SSCARD_COMPAT_BAD_CARD_ID;
	for (size_t i = 0; i < SSCARD_COMPAT_REGION_LEN; i++)
		if (!isdigit((unsigned char)card_id[i]))
			return SSCARD_COMPAT_BAD_CARD_ID;
	memcpy(region, card_id, SSCARD_COMPAT_REGION_LEN);
	region[SSCARD_COMPAT_REGION_LEN] = '\0';
	return SSCARD_COMPAT_OK;
}

int compat_date(const char *in, char out[SSCARD_COMPAT_DATE_LEN + 1])
{
	size_t n = 0;

	out[0] = '\0';
	if (in[0] == '\0')
		return 0;
	for (size_t i = 0; in[i]; i++) {
		bool dash_here = in[i] == '-' && (i == 4 || i == 7) && strlen(in) == 10;

		if (dash_here)
			continue;
		if (!isdigit((unsigned char)in[i]) || n == SSCARD_COMPAT_DATE_LEN) {
			out[0] = '\0';
			return -1;
		}
		out[n++] = in[i];
	}
	out[n] = '\0';
	if (n != SSCARD_COMPAT_DATE_LEN) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

long compat_format_basic(const compat_basic *b, char *out)
{
	char region[SSCARD_COMPAT_REGION_LEN + 1];
	char issue[SSCARD_COMPAT_DATE_LEN + 1], expiry[SSCARD_COMPAT_DATE_LEN + 1];
	compat_out o;
	long rc = compat_region(b->card_id, region);

	if (rc != SSCARD_COMPAT_OK)
		return compat_fail(out, rc, 0);
	if (compat_date(b->issue_date, issue) != 0 || compat_date(b->expiry_date, expiry) != 0)
		return compat_fail(out, SSCARD_COMPAT_DATA_INVALID, 0);
	compat_out_init(&o, out, SSCARD_COMPAT_READCARDBAS_MAX);
	compat_out_field(&o, region, SSCARD_COMPAT_REGION_LEN);
	compat_out_field(&o, b->ssn, SSCARD_COMPAT_SSN_LEN);
	compat_out_field(&o, b->card_number, SSCARD_COMPAT_CARDNO_LEN);
	compat_out_field(&o, b->card_id, SSCARD_COMPAT_CARDID_LEN);
	compat_out_field(&o, b->name, SSCARD_COMPAT_NAME_LEN);
	compat_out_field(&o, b->historical, SSCARD_COMPAT_HIST_LEN);
	compat_out_field(&o, b->spec_version, SSCARD_COMPAT_VERSION_LEN);
	compat_out_field(&o, issue, SSCARD_COMPAT_DATE_LEN);
	compat_out_field(&o, expiry, SSCARD_COMPAT_DATE_LEN);
	/* the terminal number comes from the PSAM when there is one; the
	 * terminal device number is not known here (sscard-compat(3)) */
	compat_out_field(&o, b->terminal, SSCARD_COMPAT_TERMNO_LEN);
	compat_out_field(&o, "", SSCARD_COMPAT_DEVNO_LEN);
	if (o.failed) {
		memset(out, 0, o.len + 1); /* no half-built fields behind the message */
		return compat_fail(out, SSCARD_COMPAT_DATA_INVALID, 0);
	}
	return SSCARD_COMPAT_OK;
}
