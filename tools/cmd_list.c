/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cardtool list: the PC/SC readers, whether a card is in each, its ATR and
 * the reader's PIN-pad features. */
#include <stdio.h>
#include <string.h>

#include "cardtool.h"
#include "internal.h"

typedef struct feature_name {
	unsigned bit;
	const char *name;
} feature_name;

static const feature_name feature_names[] = {
	{ SSCARD_FEATURE_PINPAD_VERIFY, "pinpad-verify" },
	{ SSCARD_FEATURE_PINPAD_MODIFY, "pinpad-modify" },
};

static void list_usage(FILE *f)
{
	fprintf(f, "Usage: cardtool [--json] list\n\n"
	           "Lists the PC/SC readers: card present, the card's ATR, and the reader's\n"
	           "PIN-pad features (pinpad-verify, pinpad-modify: the PIN is typed on the\n"
	           "reader and never crosses the host).\n");
}

static json_object *reader_json(const sscard_reader_list *list, size_t i, const char *atrhex)
{
	json_object *o = json_object_new_object();
	json_object *feats = json_object_new_array();
	unsigned f = sscard_reader_list_features(list, i);

	json_object_object_add(o, "index", json_object_new_int((int)i));
	json_object_object_add(o, "name", json_object_new_string(sscard_reader_list_name(list, i)));
	json_object_object_add(o, "card_present",
	                       json_object_new_boolean(sscard_reader_list_card_present(list, i)));
	json_object_object_add(o, "atr", atrhex[0] ? json_object_new_string(atrhex) : NULL);
	for (size_t k = 0; k < sizeof feature_names / sizeof feature_names[0]; k++)
		if (f & feature_names[k].bit)
			json_object_array_add(feats, json_object_new_string(feature_names[k].name));
	json_object_object_add(o, "features", feats);
	return o;
}

static void reader_text(const sscard_reader_list *list, size_t i, const char *atrhex)
{
	unsigned f = sscard_reader_list_features(list, i);
	bool card = sscard_reader_list_card_present(list, i);

	printf("%zu: %s\n", i, sscard_reader_list_name(list, i));
	printf("   card: %s%s\n", card ? "present" : "none",
	       card && !atrhex[0] ? " (no ATR: mute)" : "");
	if (atrhex[0])
		printf("   ATR: %s\n", atrhex);
	printf("   features:");
	if (f == 0)
		printf(" none");
	for (size_t k = 0; k < sizeof feature_names / sizeof feature_names[0]; k++)
		if (f & feature_names[k].bit)
			printf(" %s", feature_names[k].name);
	printf("\n");
}

int cmd_list(cardtool *ct, int argc, char **argv)
{
	sscard_reader_list *list = NULL;
	json_object *readers = NULL;

	int c = ct_getopt(ct, argc, argv, NULL, NULL);

	if (c == 'h') {
		list_usage(stdout);
		return CT_EXIT_OK;
	}
	if (c != -1 || optind != argc)
		return ct_usage_error(ct, "list", c != -1 ? NULL : "takes no operands");
	sscard_rc rc = sscard_list_readers(ct->ctx, &list);
	if (rc == SSCARD_E_NO_READER)
		rc = SSCARD_OK; /* no reader: an empty list, not an error */
	if (rc != SSCARD_OK)
		return ct_fail(ct, NULL, rc, "list readers");
	if (ct->json)
		readers = json_object_new_array();
	size_t n = sscard_reader_list_count(list);
	for (size_t i = 0; i < n; i++) {
		const uint8_t *atr = NULL;
		size_t atrlen = 0;
		char atrhex[2 * SSCARD_ATR_MAX + 1] = "";

		if (sscard_reader_list_atr(list, i, &atr, &atrlen) == SSCARD_OK)
			sscard_hex_encode(atr, atrlen, atrhex, sizeof atrhex);
		if (ct->json)
			json_object_array_add(readers, reader_json(list, i, atrhex));
		else
			reader_text(list, i, atrhex);
	}
	if (ct->json) {
		json_object *top = json_object_new_object();
		json_object_object_add(top, "readers", readers);
		ct_print_json(top);
	} else if (n == 0) {
		printf("no PC/SC reader found\n");
	}
	sscard_reader_list_free(&list);
	return CT_EXIT_OK;
}
