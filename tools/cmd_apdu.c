/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cardtool apdu: raw APDUs from the command line or a script file. Every
 * APDU and expected status word is checked before the first one is sent:
 * a script with a typo on line 9 sends nothing.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cardtool.h"

#define LINE_MAX_LEN 4096u
#define RAPDU_MAX (65536u + 2u)

/* One APDU to send, checked. */
typedef struct apdu_item {
	uint8_t *capdu;
	size_t clen;
	char expect[5]; /* the expected status word pattern, "" for none */
} apdu_item;

typedef struct apdu_list {
	apdu_item *item;
	size_t count, cap;
} apdu_list;

typedef struct apdu_run {
	cardtool *ct;
	sscard_card *card;
	json_object *results; /* --json: array of exchanges */
	json_object *error;   /* --json: the error that stopped the run */
	uint8_t *rapdu;
	int status;
} apdu_run;

static void apdu_usage(FILE *f)
{
	fprintf(f,
	        "Usage: cardtool apdu HEX [HEX...] [--json]\n"
	        "       cardtool apdu --script FILE [--json]   (FILE '-' = stdin)\n\n"
	        "Sends each C-APDU through the library's exchange path (T=0 61xx/6Cxx\n"
	        "handled) and prints the answer and its status word.\n"
	        "Script lines: HEX [= SW], where SW is the expected status word (4 hex\n"
	        "digits, X as a wildcard digit); '#' starts a comment. Every line is\n"
	        "checked before the first APDU is sent; the script stops at the first\n"
	        "answer that does not match (exit 1). PIN and key data is masked in the\n"
	        "output and the trace.\n");
}

static void list_free(apdu_list *l)
{
	for (size_t i = 0; i < l->count; i++) {
		OPENSSL_cleanse(l->item[i].capdu, l->item[i].clen);
		free(l->item[i].capdu);
	}
	free(l->item);
	memset(l, 0, sizeof(*l));
}

/* "9000", "90XX", "61xx": 4 hex digits or X; stored upper-case. */
static bool sw_pattern(const char *text, char out[5])
{
	if (strlen(text) != 4)
		return false;
	for (size_t i = 0; i < 4; i++) {
		if (!isxdigit((unsigned char)text[i]) && text[i] != 'X' && text[i] != 'x')
			return false;
		out[i] = (char)toupper((unsigned char)text[i]);
	}
	out[4] = '\0';
	return true;
}

static bool sw_matches(const char *pattern, uint16_t sw)
{
	char actual[5];

	snprintf(actual, sizeof(actual), "%04X", sw);
	for (size_t i = 0; i < 4; i++)
		if (pattern[i] != 'X' && pattern[i] != actual[i])
			return false;
	return true;
}

static bool room_for_one(apdu_list *l)
{
	if (l->count < l->cap)
		return true;
	size_t cap = l->cap ? 2 * l->cap : 8;
	apdu_item *more = realloc(l->item, cap * sizeof(*more));
	if (more == NULL)
		return false;
	l->item = more;
	l->cap = cap;
	return true;
}

/* Check one APDU (never echoed: it may hold a PIN) and its expected status
 * word, and add it to l; false with `why` naming `where` otherwise. */
static bool add_item(apdu_list *l, const char *hex, const char *expect, const char *where,
                     char *why, size_t whysz)
{
	apdu_item it = {.capdu = malloc(strlen(hex) / 2 + 1)};
	sscard_apdu parsed;

	if (it.capdu == NULL) {
		snprintf(why, whysz, "out of memory");
		return false;
	}
	if (sscard_hex_decode(hex, it.capdu, strlen(hex) / 2 + 1, &it.clen) != SSCARD_OK)
		snprintf(why, whysz, "%s: not hex (pairs of hex digits, spaces or colons between bytes)",
		         where);
	else if (it.clen < 4)
		snprintf(why, whysz, "%s: an APDU needs at least CLA INS P1 P2 (4 bytes), not %zu",
		         where, it.clen);
	else if (sscard_apdu_parse(it.capdu, it.clen, &parsed) != SSCARD_OK)
		snprintf(why, whysz, "%s: not an ISO 7816-4 command (Lc and Le do not fit its length)",
		         where);
	else if (expect != NULL && !sw_pattern(expect, it.expect))
		snprintf(why, whysz, "%s: expected status word \"%.8s\" is not 4 hex digits (X for any)",
		         where, expect);
	else if (!room_for_one(l))
		snprintf(why, whysz, "out of memory");
	else {
		l->item[l->count++] = it;
		return true;
	}
	OPENSSL_cleanse(it.capdu, it.clen);
	free(it.capdu);
	return false;
}

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

/* One script line: "HEX [= SW] [# comment]"; blank lines are skipped. */
static bool parse_line(apdu_list *l, char *line, const char *where, char *why, size_t whysz)
{
	char *hash = strchr(line, '#'), *eq, *cmd, *expect = NULL;

	if (hash != NULL)
		*hash = '\0';
	if ((eq = strchr(line, '=')) != NULL) {
		*eq = '\0';
		expect = trim(eq + 1);
	}
	cmd = trim(line);
	if (*cmd == '\0' && expect == NULL)
		return true;
	return add_item(l, cmd, expect, where, why, whysz);
}

/* The whole script, checked; an exit status. */
static int parse_script(cardtool *ct, const char *path, apdu_list *l)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char line[LINE_MAX_LEN], where[PATH_MAX + 16], why[PATH_MAX + 256] = "";
	unsigned lineno = 0;
	bool ok = true;

	if (f == NULL) {
		snprintf(why, sizeof(why), "%s: %s", path, strerror(errno));
		return ct_tool_error(ct, CT_ERR_FILE, "apdu", why, NULL);
	}
	while (ok && fgets(line, sizeof(line), f) != NULL) {
		snprintf(where, sizeof(where), "%s:%u", path, ++lineno);
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(why, sizeof(why), "%s: line longer than %u bytes", where, LINE_MAX_LEN - 2);
			ok = false;
		} else {
			ok = parse_line(l, line, where, why, sizeof(why));
		}
	}
	OPENSSL_cleanse(line, sizeof(line));
	if (f != stdin)
		fclose(f);
	if (ok && l->count == 0)
		snprintf(why, sizeof(why), "%s: no APDU in the script", path);
	return ok && l->count > 0 ? CT_EXIT_OK : ct_usage_error(ct, "apdu", "%s", why);
}

static int parse_args(cardtool *ct, int argc, char **argv, apdu_list *l)
{
	char where[32], why[256];

	for (int i = optind; i < argc; i++) {
		snprintf(where, sizeof(where), "APDU %d", i - optind + 1);
		if (!add_item(l, argv[i], NULL, where, why, sizeof(why)))
			return ct_usage_error(ct, "apdu", "%s", why);
	}
	return CT_EXIT_OK;
}

/* Hex of a C-APDU as shown: the data of a PIN or key command masked, as
 * in the library's trace (sscard_apdu_sensitive()). */
static void shown_hex(const uint8_t *capdu, size_t clen, char *out, size_t outsz)
{
	sscard_apdu a;
	size_t n = sscard_hex_encode(capdu, clen, out, outsz);

	if (sscard_apdu_parse(capdu, clen, &a) != SSCARD_OK || !sscard_apdu_sensitive(&a) ||
	    a.nc == 0)
		return;
	size_t from = 2 * (size_t)(a.data - capdu), to = from + 2 * a.nc;
	for (size_t i = from; i < to && i < n; i++)
		out[i] = '*';
}

static void report(apdu_run *run, const char *capdu_hex, const uint8_t *r, size_t rlen,
                   const char *expect)
{
	uint16_t sw = (uint16_t)(r[rlen - 2] << 8 | r[rlen - 1]);
	char *hex = malloc(2 * rlen + 1);
	char swhex[5];

	if (hex == NULL)
		return;
	sscard_hex_encode(r, rlen - 2, hex, 2 * rlen + 1);
	snprintf(swhex, sizeof(swhex), "%04X", sw);
	if (run->results != NULL) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "command", json_object_new_string(capdu_hex));
		json_object_object_add(o, "data", json_object_new_string(hex));
		json_object_object_add(o, "sw", json_object_new_string(swhex));
		json_object_object_add(o, "meaning", json_object_new_string(sscard_sw_text(sw)));
		if (expect[0] != '\0') {
			json_object_object_add(o, "expected", json_object_new_string(expect));
			json_object_object_add(o, "match", json_object_new_boolean(sw_matches(expect, sw)));
		}
		json_object_array_add(run->results, o);
	} else {
		printf("> %s\n< %s%s%s (%s / %s)\n", capdu_hex, hex, hex[0] ? " " : "", swhex,
		       sscard_sw_text(sw), sscard_sw_text_zh(sw));
	}
	free(hex);
}

/* Send one checked APDU; returns false when the run must stop. */
static bool send_one(apdu_run *run, const apdu_item *it)
{
	size_t rlen = 0;
	char canon[2 * 300 + 1];
	sscard_rc rc;

	shown_hex(it->capdu, it->clen, canon, sizeof(canon));
	rc = sscard_transmit(run->card, it->capdu, it->clen, run->rapdu, RAPDU_MAX, &rlen);
	if (rc != SSCARD_OK) {
		if (run->results != NULL) {
			run->error = ct_error_object(run->card, rc, canon);
			run->status = ct_exit_for(rc);
		} else {
			run->status = ct_fail(run->ct, run->card, rc, canon);
		}
		return false;
	}
	report(run, canon, run->rapdu, rlen, it->expect);
	uint16_t sw = (uint16_t)(run->rapdu[rlen - 2] << 8 | run->rapdu[rlen - 1]);
	if (it->expect[0] != '\0' && !sw_matches(it->expect, sw)) {
		if (run->results == NULL)
			fprintf(stderr, "cardtool apdu: expected %s, the card answered %04X (%s)\n",
			        it->expect, sw, sscard_sw_text(sw));
		run->status = CT_EXIT_FAIL;
		return false;
	}
	return true;
}

static void send_all(apdu_run *run, const apdu_list *l)
{
	for (size_t i = 0; i < l->count && send_one(run, &l->item[i]); i++)
		;
}

static int apdu_options(cardtool *ct, int argc, char **argv, const char **script)
{
	static const struct option opts[] = {{"script", required_argument, NULL, 's'},
	                                      {NULL, 0, NULL, 0}};
	int c;

	while ((c = ct_getopt(ct, argc, argv, "s:", opts)) != -1) {
		if (c == 'h') {
			apdu_usage(stdout);
			return -1;
		}
		if (c != 's')
			return ct_usage_error(ct, "apdu", NULL);
		*script = optarg;
	}
	if ((*script == NULL) == (optind >= argc))
		return ct_usage_error(ct, "apdu", *script == NULL ? "needs APDUs in hex or --script FILE"
		                                                  : "takes --script or APDUs, not both");
	return CT_EXIT_OK;
}

int cmd_apdu(cardtool *ct, int argc, char **argv)
{
	apdu_run run = {.ct = ct, .status = CT_EXIT_OK};
	apdu_list list = {0};
	const char *script = NULL;
	int status = apdu_options(ct, argc, argv, &script);

	if (status != CT_EXIT_OK)
		return status < 0 ? CT_EXIT_OK : status;
	status = script != NULL ? parse_script(ct, script, &list) : parse_args(ct, argc, argv, &list);
	run.rapdu = status == CT_EXIT_OK ? malloc(RAPDU_MAX) : NULL;
	if (status == CT_EXIT_OK && run.rapdu == NULL)
		status = ct_fail(ct, NULL, SSCARD_E_NOMEM, "apdu");
	if (status == CT_EXIT_OK)
		status = ct_connect(ct, &run.card);
	if (status == CT_EXIT_OK) {
		run.results = ct->json ? json_object_new_array() : NULL;
		send_all(&run, &list);
		status = run.status;
	}
	if (run.results != NULL) {
		json_object *top = json_object_new_object();

		json_object_object_add(top, "exchanges", run.results);
		if (run.error != NULL)
			json_object_object_add(top, "error", run.error);
		ct_print_json(top);
	}
	sscard_disconnect(&run.card);
	free(run.rapdu);
	list_free(&list);
	return status;
}
