/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cardtool apdu: raw APDUs from the command line or a script file. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cardtool.h"

#define LINE_MAX_LEN 4096u
#define RAPDU_MAX (65536u + 2u)

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
	        "Usage: cardtool apdu HEX [HEX...]\n"
	        "       cardtool apdu --script FILE   (FILE '-' = stdin)\n\n"
	        "Sends each C-APDU through the library's exchange path (T=0 61xx/6Cxx\n"
	        "handled) and prints the answer and its status word.\n"
	        "Script lines: HEX [= SW], where SW is the expected status word (4 hex\n"
	        "digits, X as a wildcard digit); '#' starts a comment. The script stops at\n"
	        "the first answer that does not match (exit 1).\n");
}

/* "90XX" style pattern against a status word. */
static bool sw_matches(const char *pattern, uint16_t sw)
{
	char actual[5];

	snprintf(actual, sizeof(actual), "%04X", sw);
	if (strlen(pattern) != 4)
		return false;
	for (int i = 0; i < 4; i++) {
		char p = pattern[i];

		if (p >= 'a' && p <= 'z')
			p = (char)(p - 'a' + 'A');
		if (p != 'X' && p != actual[i])
			return false;
	}
	return true;
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
		if (expect != NULL) {
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

/* Send one hex APDU; returns false when the run must stop. */
static bool send_one(apdu_run *run, const char *hex, const char *expect)
{
	uint8_t capdu[SSCARD_APDU_MAX_ENCODED];
	size_t clen = 0, rlen = 0;
	char canon[2 * 300 + 1];
	sscard_rc rc = sscard_hex_decode(hex, capdu, sizeof(capdu), &clen);

	if (rc != SSCARD_OK) {
		fprintf(stderr, "cardtool apdu: '%s' is not hex\n", hex);
		run->status = CT_EXIT_USAGE;
		return false;
	}
	shown_hex(capdu, clen, canon, sizeof(canon));
	rc = sscard_transmit(run->card, capdu, clen, run->rapdu, RAPDU_MAX, &rlen);
	OPENSSL_cleanse(capdu, clen);
	if (rc != SSCARD_OK) {
		if (run->results != NULL) {
			run->error = ct_error_object(run->card, rc, canon);
			run->status = ct_exit_for(rc);
		} else {
			run->status = ct_fail(run->ct, run->card, rc, canon);
		}
		return false;
	}
	report(run, canon, run->rapdu, rlen, expect);
	if (expect != NULL &&
	    !sw_matches(expect, (uint16_t)(run->rapdu[rlen - 2] << 8 | run->rapdu[rlen - 1]))) {
		if (run->results == NULL)
			fprintf(stderr, "cardtool apdu: expected %s\n", expect);
		run->status = CT_EXIT_FAIL;
		return false;
	}
	return true;
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

static void run_script(apdu_run *run, const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char line[LINE_MAX_LEN];
	unsigned lineno = 0;

	if (f == NULL) {
		perror(path);
		run->status = CT_EXIT_SYSTEM;
		return;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *hash, *eq, *cmd, *expect = NULL;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			fprintf(stderr, "%s:%u: line too long\n", path, lineno);
			run->status = CT_EXIT_USAGE;
			break;
		}
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		if ((eq = strchr(line, '=')) != NULL) {
			*eq = '\0';
			expect = trim(eq + 1);
		}
		cmd = trim(line);
		if (*cmd == '\0')
			continue;
		if (!send_one(run, cmd, expect))
			break;
	}
	if (f != stdin)
		fclose(f);
}

int cmd_apdu(cardtool *ct, int argc, char **argv)
{
	static const struct option opts[] = {{"script", required_argument, NULL, 's'},
	                                      {NULL, 0, NULL, 0}};
	apdu_run run = {.ct = ct, .status = CT_EXIT_OK};
	const char *script = NULL;
	int c;

	while ((c = ct_getopt(ct, argc, argv, "s:", opts)) != -1) {
		if (c == 's') {
			script = optarg;
		} else if (c == 'h') {
			apdu_usage(stdout);
			return CT_EXIT_OK;
		} else {
			apdu_usage(stderr);
			return CT_EXIT_USAGE;
		}
	}
	if ((script == NULL) == (optind >= argc)) {
		apdu_usage(stderr);
		return CT_EXIT_USAGE;
	}
	run.rapdu = malloc(RAPDU_MAX);
	if (run.rapdu == NULL)
		return CT_EXIT_SYSTEM;
	if ((c = ct_connect(ct, &run.card)) != CT_EXIT_OK) {
		free(run.rapdu);
		return c;
	}
	if (ct->json)
		run.results = json_object_new_array();
	if (script != NULL)
		run_script(&run, script);
	else
		for (int i = optind; i < argc && send_one(&run, argv[i], NULL); i++)
			;
	if (run.results != NULL) {
		json_object *top = json_object_new_object();

		json_object_object_add(top, "exchanges", run.results);
		if (run.error != NULL)
			json_object_object_add(top, "error", run.error);
		ct_print_json(top);
	}
	sscard_disconnect(&run.card);
	free(run.rapdu);
	return run.status;
}
