/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cardtool list: the PC/SC readers, whether a card is in each, its ATR and
 * the reader's PIN-pad features; with --reader only the readers it names
 * (sscard_reader_match(): the rule connecting uses), or the simulated card. */
#include <stdio.h>
#include <stdlib.h>
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

/* One line of the list. */
typedef struct reader_row {
	size_t index;
	const char *name;
	bool present;
	char atrhex[2 * SSCARD_ATR_MAX + 1];
	unsigned features;
} reader_row;

static void list_usage(FILE *f)
{
	fprintf(f, "Usage: cardtool list [--reader NAME] [--json]\n\n"
	           "Lists the PC/SC readers: card present, the card's ATR, and the reader's\n"
	           "PIN-pad features (pinpad-verify, pinpad-modify: the PIN is typed on the\n"
	           "reader and never crosses the host). With --reader only the readers the\n"
	           "name designates (exact, a part, a part ignoring case: the best level);\n"
	           "--reader sim:PROFILE lists the simulated card.\n");
}

static json_object *reader_json(const reader_row *r)
{
	json_object *o = json_object_new_object();
	json_object *feats = json_object_new_array();

	json_object_object_add(o, "index", json_object_new_int((int)r->index));
	json_object_object_add(o, "name", json_object_new_string(r->name));
	json_object_object_add(o, "card_present", json_object_new_boolean(r->present));
	json_object_object_add(o, "atr", r->atrhex[0] ? json_object_new_string(r->atrhex) : NULL);
	for (size_t k = 0; k < sizeof feature_names / sizeof feature_names[0]; k++)
		if (r->features & feature_names[k].bit)
			json_object_array_add(feats, json_object_new_string(feature_names[k].name));
	json_object_object_add(o, "features", feats);
	return o;
}

static void reader_text(const reader_row *r)
{
	printf("%zu: %s\n", r->index, r->name);
	printf("   card: %s%s\n", r->present ? "present" : "none",
	       r->present && !r->atrhex[0] ? " (no ATR: mute)" : "");
	if (r->atrhex[0])
		printf("   ATR: %s\n", r->atrhex);
	printf("   features:");
	if (r->features == 0)
		printf(" none");
	for (size_t k = 0; k < sizeof feature_names / sizeof feature_names[0]; k++)
		if (r->features & feature_names[k].bit)
			printf(" %s", feature_names[k].name);
	printf("\n");
}

/* Prints the rows (JSON: {"readers": [...]}) and drops them. */
static void print_rows(const cardtool *ct, const reader_row *rows, size_t n)
{
	json_object *readers = ct->json ? json_object_new_array() : NULL;

	for (size_t i = 0; i < n; i++) {
		if (ct->json)
			json_object_array_add(readers, reader_json(&rows[i]));
		else
			reader_text(&rows[i]);
	}
	if (ct->json) {
		json_object *top = json_object_new_object();
		json_object_object_add(top, "readers", readers);
		ct_print_json(top);
	} else if (n == 0) {
		printf("no PC/SC reader found\n");
	}
}

static reader_row row_of(const sscard_reader_list *list, size_t i)
{
	reader_row r = { .index = i, .name = sscard_reader_list_name(list, i),
	                 .present = sscard_reader_list_card_present(list, i),
	                 .features = sscard_reader_list_features(list, i) };
	const uint8_t *atr = NULL;
	size_t atrlen = 0;

	if (sscard_reader_list_atr(list, i, &atr, &atrlen) == SSCARD_OK)
		sscard_hex_encode(atr, atrlen, r.atrhex, sizeof r.atrhex);
	return r;
}

/* The simulated card as the one "reader" of the list. */
static int list_sim(cardtool *ct)
{
	sscard_card *card = NULL;
	reader_row r = { .name = ct->reader, .present = true };
	const uint8_t *atr = NULL;
	size_t atrlen = 0;
	int status = ct_connect(ct, &card);

	if (status != CT_EXIT_OK)
		return status;
	sscard_card_atr(card, &atr, &atrlen);
	sscard_hex_encode(atr, atrlen, r.atrhex, sizeof r.atrhex);
	r.features = sscard_card_features(card);
	print_rows(ct, &r, 1);
	sscard_disconnect(&card);
	return CT_EXIT_OK;
}

/* "\"foo\" matches none of: \"A\", \"B\"" (NULL when out of memory). */
static char *no_match_detail(const sscard_reader_list *list, const char *wanted)
{
	size_t n = sscard_reader_list_count(list), size = strlen(wanted) + 64;
	for (size_t i = 0; i < n; i++)
		size += strlen(sscard_reader_list_name(list, i)) + 4;
	char *out = malloc(size);
	if (out == NULL)
		return NULL;
	size_t used = (size_t)snprintf(out, size, "\"%s\" matches %s", wanted,
	                               n ? "none of:" : "nothing: no reader is connected");
	for (size_t i = 0; i < n; i++)
		used += (size_t)snprintf(out + used, size - used, "%s \"%s\"", i ? "," : "",
		                         sscard_reader_list_name(list, i));
	return out;
}

/* The PC/SC readers `wanted` (NULL: all) designates at its best level. */
static int list_pcsc(cardtool *ct, const char *wanted)
{
	sscard_reader_list *list = NULL;
	sscard_rc rc = sscard_list_readers(ct->ctx, &list);
	if (rc == SSCARD_E_NO_READER)
		rc = SSCARD_OK; /* no reader: an empty list, not an error */
	if (rc != SSCARD_OK)
		return ct_fail(ct, NULL, rc, "list readers");
	size_t n = sscard_reader_list_count(list), shown = 0;
	int best = SSCARD_MATCH_NONE;
	for (size_t i = 0; wanted != NULL && i < n; i++) {
		int m = sscard_reader_match(sscard_reader_list_name(list, i), wanted);
		best = m > best ? m : best;
	}
	reader_row *rows = calloc(n > 0 ? n : 1, sizeof(*rows));
	if (rows == NULL) {
		sscard_reader_list_free(&list);
		return ct_fail(ct, NULL, SSCARD_E_NOMEM, "list readers");
	}
	for (size_t i = 0; i < n; i++)
		if (wanted == NULL || (best != SSCARD_MATCH_NONE &&
		                       sscard_reader_match(sscard_reader_list_name(list, i), wanted) == best))
			rows[shown++] = row_of(list, i);
	int status = CT_EXIT_OK;
	if (wanted != NULL && shown == 0) {
		char *detail = no_match_detail(list, wanted);
		status = ct_tool_error(ct, CT_ERR_NO_READER, "list", detail ? detail : wanted, NULL);
		free(detail);
	} else
		print_rows(ct, rows, shown);
	free(rows);
	sscard_reader_list_free(&list);
	return status;
}

int cmd_list(cardtool *ct, int argc, char **argv)
{
	int c = ct_getopt(ct, argc, argv, NULL, NULL);

	if (c == 'h') {
		list_usage(stdout);
		return CT_EXIT_OK;
	}
	if (c != -1 || optind != argc)
		return ct_usage_error(ct, "list", c != -1 ? NULL : "takes no operands");
	if (ct->reader != NULL && strncmp(ct->reader, "sim:", 4) == 0)
		return list_sim(ct);
	return list_pcsc(ct, ct->reader);
}
