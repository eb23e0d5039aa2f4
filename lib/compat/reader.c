/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * iType -> reader. The customary interface names a kind of reader
 * (contact, contactless, or one then the other); libsscard names readers.
 * A reader of each kind comes from the environment
 * (SSCARD_COMPAT_CONTACT / SSCARD_COMPAT_CONTACTLESS, the contact one
 * defaulting to libsscard's SSCARD_READER), else from the PC/SC reader
 * list: the first reader holding a card whose name fits the kind.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sscard/atr.h>

#include "compat_int.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

size_t compat_kinds_of(int iType, compat_kind kinds[2])
{
	switch (iType) {
	case SSCARD_COMPAT_CONTACT:
		kinds[0] = COMPAT_KIND_CONTACT;
		return 1;
	case SSCARD_COMPAT_CONTACTLESS:
		kinds[0] = COMPAT_KIND_CONTACTLESS;
		return 1;
	case SSCARD_COMPAT_AUTO_CONTACT:
		kinds[0] = COMPAT_KIND_CONTACT;
		kinds[1] = COMPAT_KIND_CONTACTLESS;
		return 2;
	case SSCARD_COMPAT_AUTO_CONTACTLESS:
		kinds[0] = COMPAT_KIND_CONTACTLESS;
		kinds[1] = COMPAT_KIND_CONTACT;
		return 2;
	default:
		return 0;
	}
}

/* How PC/SC drivers name the contactless interface of a reader (CCID
 * dual readers: "... PICC 00 00"; OMNIKEY "5x21-CL"; Identiv "CL Reader"). */
static const char *const contactless_markers[] = {
	"PICC", "Contactless", "-CL", " CL ", "NFC",
};

static bool contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return false;
}

bool compat_name_contactless(const char *name)
{
	for (size_t i = 0; i < COUNT(contactless_markers); i++)
		if (contains_nocase(name, contactless_markers[i]))
			return true;
	return false;
}

/* The configured reader of a kind, or NULL. An empty variable counts as
 * unset. */
static const char *configured_reader(compat_kind kind)
{
	const char *v = getenv(kind == COMPAT_KIND_CONTACT ? SSCARD_COMPAT_ENV_CONTACT
	                                                   : SSCARD_COMPAT_ENV_CONTACTLESS);

	if ((!v || !*v) && kind == COMPAT_KIND_CONTACT)
		v = getenv("SSCARD_READER");
	return v && *v ? v : NULL;
}

/* Whether the card in reader i answers like a social security card (its
 * ATR has the 3B 6D 00 00 layout of design.md s.4). */
static bool holds_ssc(const sscard_reader_list *list, size_t i)
{
	const uint8_t *atr = NULL;
	size_t len = 0;
	sscard_atr parsed;

	if (sscard_reader_list_atr(list, i, &atr, &len) != SSCARD_OK || len == 0)
		return false;
	sscard_atr_parse(atr, len, &parsed); /* filled as far as it got */
	return sscard_atr_looks_ssc(&parsed) != 0;
}

/*
 * The PC/SC reader of `kind` to use: the first holding a card with a
 * social security card's ATR, else the first holding any card (so a
 * PSAM in a counter reader's second slot is not taken for the patient's
 * card while another reader has it). NO_READER when the machine has no
 * reader of that kind, NO_CARD when none holds a card.
 */
static sscard_rc pick_reader(const sscard_reader_list *list, compat_kind kind, size_t *pick)
{
	size_t any_card = SIZE_MAX;
	bool seen_kind = false;

	for (size_t i = 0; i < sscard_reader_list_count(list); i++) {
		if (compat_name_contactless(sscard_reader_list_name(list, i)) !=
		    (kind == COMPAT_KIND_CONTACTLESS))
			continue;
		seen_kind = true;
		if (!sscard_reader_list_card_present(list, i))
			continue;
		if (holds_ssc(list, i)) {
			*pick = i;
			return SSCARD_OK;
		}
		if (any_card == SIZE_MAX)
			any_card = i;
	}
	if (any_card != SIZE_MAX) {
		*pick = any_card;
		return SSCARD_OK;
	}
	return seen_kind ? SSCARD_E_NO_CARD : SSCARD_E_NO_READER;
}

/* Connect to the reader `name` unless a two-step operation holds it
 * (then nothing reaches its card: SSCARD_E_SHARING, *held set). */
static sscard_rc connect_named(sscard_ctx *ctx, const char *name, sscard_card **card,
                               char *reader, bool *held)
{
	if (strlen(name) >= COMPAT_READER_NAME_MAX)
		return SSCARD_E_INVALID_ARG;
	strcpy(reader, name);
	if (compat_busy(name)) {
		*held = true;
		return SSCARD_E_SHARING;
	}
	return sscard_connect(ctx, name, card);
}

static sscard_rc connect_first_of_kind(sscard_ctx *ctx, compat_kind kind, sscard_card **card,
                                       char *reader, bool *held)
{
	sscard_reader_list *list = NULL;
	size_t pick = 0;
	sscard_rc rc = sscard_list_readers(ctx, &list);

	if (rc != SSCARD_OK)
		return rc;
	rc = pick_reader(list, kind, &pick);
	if (rc == SSCARD_OK)
		rc = connect_named(ctx, sscard_reader_list_name(list, pick), card, reader, held);
	sscard_reader_list_free(&list);
	return rc;
}

sscard_rc compat_connect_kind(sscard_ctx *ctx, compat_kind kind, sscard_card **card,
                              char *reader, bool *held)
{
	const char *name = configured_reader(kind);

	if (name)
		return connect_named(ctx, name, card, reader, held);
	return connect_first_of_kind(ctx, kind, card, reader, held);
}

/* Whether the next kind is worth trying after this failure. */
static bool try_next_kind(sscard_rc rc)
{
	return rc == SSCARD_E_NO_READER || rc == SSCARD_E_NO_CARD || rc == SSCARD_E_NO_SERVICE;
}

static bool no_such_reader(sscard_rc rc)
{
	return rc == SSCARD_E_NO_READER || rc == SSCARD_E_NO_SERVICE;
}

sscard_rc compat_connect(sscard_ctx *ctx, int iType, sscard_card **card, char *reader,
                         bool *held)
{
	compat_kind kinds[2];
	size_t n = compat_kinds_of(iType, kinds);
	sscard_rc rc = SSCARD_E_INVALID_ARG;

	for (size_t i = 0; i < n; i++) {
		sscard_rc this_rc = compat_connect_kind(ctx, kinds[i], card, reader, held);

		/* "no card" in the first reader says more than "there is no
		 * reader of the second kind" (or no PC/SC at all) */
		if (i == 0 || !no_such_reader(this_rc))
			rc = this_rc;
		if (!try_next_kind(this_rc))
			break;
	}
	return rc;
}
