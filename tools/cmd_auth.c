/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cardtool auth | write | lock | unlock | pin-unblock: the secure channel (#6)
 * with the configured key provider (--keystore FILE, else the
 * SSCARD_KEYSTORE environment variable).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cardtool.h"

typedef struct sm_opts {
	const char *keystore; /* a keystore, or with --psam the PSAM map */
	const char *psam;     /* the PSAM's reader */
	const char *df;
	const char *card_id; /* unlock: the card identification code, hex */
	bool permanent;
	bool yes; /* lock --permanent: confirmed on the command line */
	bool force; /* write: a deliberate repair (sscard_check_write()) */
} sm_opts;

typedef int (*sm_action)(cardtool *ct, sscard_card *card, sscard_keys *keys,
                         const sm_opts *o, int argc, char **argv);

typedef struct sm_command {
	const char *name;
	sm_action run;
	int nargs; /* positional arguments after the options */
	const char *usage;
} sm_command;

static void print_result(cardtool *ct, json_object *obj, const char *text)
{
	if (ct->json)
		ct_print_json(obj);
	else {
		puts(text);
		json_object_put(obj);
	}
}

static int do_auth(cardtool *ct, sscard_card *card, sscard_keys *keys, const sm_opts *o,
                   int argc, char **argv)
{
	sscard_auth_verdict v = SSCARD_AUTH_NOT_RUN;
	sscard_rc rc = sscard_authenticate(card, keys, o->df, &v);
	json_object *obj;
	char text[128];

	(void)argc;
	(void)argv;
	if (rc != SSCARD_OK && v == SSCARD_AUTH_NOT_RUN)
		return ct_fail(ct, card, rc, "auth");
	obj = json_object_new_object();
	json_object_object_add(obj, "df", json_object_new_string(o->df));
	json_object_object_add(obj, "provider", json_object_new_string(sscard_keys_provider(keys)));
	json_object_object_add(obj, "verdict", json_object_new_string(sscard_auth_verdict_name((int)v)));
	if (rc != SSCARD_OK)
		json_object_object_add(obj, "error", ct_error_object(card, rc, "auth"));
	snprintf(text, sizeof(text), "%s: %s%s%s", o->df, sscard_auth_verdict_name((int)v),
	         rc != SSCARD_OK ? " - " : "", rc != SSCARD_OK ? sscard_card_last_detail(card) : "");
	print_result(ct, obj, text);
	return ct_exit_for(rc);
}

static int do_write(cardtool *ct, sscard_card *card, sscard_keys *keys, const sm_opts *o,
                    int argc, char **argv)
{
	int written = 0;
	sscard_rc rc;
	json_object *obj;
	char text[160];

	(void)argc;
	rc = sscard_check_write(card, keys, argv[0], argv[1], o->force ? SSCARD_WRITE_FORCE : 0);
	if (rc == SSCARD_OK)
		rc = sscard_write_element(card, keys, argv[0], argv[1], &written);
	if (rc != SSCARD_OK)
		return ct_fail(ct, card, rc, "write");
	obj = json_object_new_object();
	json_object_object_add(obj, "element", json_object_new_string(argv[0]));
	json_object_object_add(obj, "value", json_object_new_string(argv[1]));
	json_object_object_add(obj, "written", json_object_new_boolean(written));
	json_object_object_add(obj, "verified", json_object_new_boolean(1));
	snprintf(text, sizeof(text), "%s: %s", argv[0],
	         written ? "written and verified" : "the card already holds this value");
	print_result(ct, obj, text);
	return CT_EXIT_OK;
}

static int do_lock(cardtool *ct, sscard_card *card, sscard_keys *keys, const sm_opts *o,
                   int argc, char **argv)
{
	char card_id[128] = "", text[256]; /* 128: any element (ssc.h) */
	json_object *obj;
	sscard_rc rc;

	(void)argc;
	(void)argv;
	if (o->permanent && !o->yes &&
	    !ct_confirm("Lock the application for good? This cannot be undone.", "YES"))
		return ct_tool_error(ct, CT_ERR_NOT_CONFIRMED, "lock", NULL, NULL);
	/* the card id unlock will need: a blocked card no longer shows it */
	if (sscard_read_element(card, "card_id", card_id, sizeof(card_id)) != SSCARD_OK)
		card_id[0] = '\0';
	rc = sscard_app_block(card, keys, o->df, o->permanent);
	if (rc != SSCARD_OK)
		return ct_fail(ct, card, rc, "lock");
	obj = json_object_new_object();
	json_object_object_add(obj, "df", json_object_new_string(o->df));
	json_object_object_add(obj, "blocked",
	                       json_object_new_string(o->permanent ? "permanent" : "temporary"));
	json_object_object_add(obj, "card_id", card_id[0] ? json_object_new_string(card_id) : NULL);
	snprintf(text, sizeof(text), "%s: blocked (%s)%s%s%s", o->df,
	         o->permanent ? "permanent: cannot be undone" : "temporary",
	         card_id[0] && !o->permanent ? "\ncard id: " : "",
	         card_id[0] && !o->permanent ? card_id : "",
	         card_id[0] && !o->permanent ? " (unlock needs it: --card-id)" : "");
	print_result(ct, obj, text);
	return CT_EXIT_OK;
}

static int do_unlock(cardtool *ct, sscard_card *card, sscard_keys *keys, const sm_opts *o,
                     int argc, char **argv)
{
	sscard_rc rc = sscard_app_unblock(card, keys, o->df, o->card_id);
	json_object *obj;
	char text[64];

	(void)argc;
	(void)argv;
	if (rc == SSCARD_E_BAD_DATA && o->card_id == NULL)
		return ct_tool_error(ct, CT_ERR_CARD_ID, "unlock", sscard_card_last_detail(card), NULL);
	if (rc != SSCARD_OK)
		return ct_fail(ct, card, rc, "unlock");
	obj = json_object_new_object();
	json_object_object_add(obj, "df", json_object_new_string(o->df));
	json_object_object_add(obj, "blocked", json_object_new_boolean(0));
	snprintf(text, sizeof(text), "%s: unblocked", o->df);
	print_result(ct, obj, text);
	return CT_EXIT_OK;
}

static int do_pin_unblock(cardtool *ct, sscard_card *card, sscard_keys *keys,
                          const sm_opts *o, int argc, char **argv)
{
	sscard_rc rc = sscard_pin_unblock(card, keys, o->df);
	json_object *obj;
	char text[64];

	(void)argc;
	(void)argv;
	if (rc != SSCARD_OK)
		return ct_fail(ct, card, rc, "pin-unblock");
	obj = json_object_new_object();
	json_object_object_add(obj, "df", json_object_new_string(o->df));
	json_object_object_add(obj, "pin_unblocked", json_object_new_boolean(1));
	snprintf(text, sizeof(text), "%s: PIN unblocked (tries reset)", o->df);
	print_result(ct, obj, text);
	return CT_EXIT_OK;
}

static const sm_command sm_commands[] = {
	{ "auth", do_auth, 0, "auth [--df DF]: internal and external authentication; prints "
	                      "GENUINE, TERMINAL_ONLY, NOT_GENUINE or KEYS_MISMATCH" },
	{ "write", do_write, 2, "write [--force] ELEMENT VALUE: protected write of one SSSE "
	                        "element (key, hex tag or label), validated with the card's "
	                        "other data first, read back and verified" },
	{ "lock", do_lock, 0, "lock [--df DF] [--permanent]: application block (a lost card)" },
	{ "unlock", do_unlock, 0, "unlock [--df DF] [--card-id HEX]: lift a temporary "
	                          "application block" },
	{ "pin-unblock", do_pin_unblock, 0, "pin-unblock [--df DF]: reset a blocked PIN's try "
	                                    "counter (the PIN stays the same)" },
};

static void sm_usage(FILE *f, const sm_command *c)
{
	fprintf(f, "Usage: cardtool %s\n\n"
	           "Options:\n"
	           "  -k, --keystore FILE  software keystore (default $SSCARD_KEYSTORE); it must be\n"
	           "                       readable by its owner only (chmod 600)\n"
	           "  -P, --psam READER    keys from the PSAM in READER (e.g. the reader's second\n"
	           "                       slot, or sim:PROFILE); --keystore is then its map\n"
	           "                       (without one: the ministry's key index table)\n"
	           "  -d, --df DF          the DF: SSSE (default), DF01 .. DF07\n",
	        c->usage);
	if (c->run == do_lock)
		fprintf(f, "  -p, --permanent      lock for good (9303); cannot be undone: asks to type\n"
		           "                       YES on the terminal first\n"
		           "  -y, --yes            confirm --permanent without asking (scripts)\n");
	if (c->run == do_write)
		fprintf(f, "  -f, --force          write even though the value disagrees with another\n"
		           "                       element (SSN against birth date or sex, expiry\n"
		           "                       against issue): only for a deliberate repair; a\n"
		           "                       value that fails its own check is never written\n");
	if (c->run == do_unlock)
		fprintf(f, "  -c, --card-id HEX    the card identification code (32 hex digits): a\n"
		           "                       blocked SSSE does not show it, and keys diversified\n"
		           "                       by city or province need it\n");
}

static int run_sm(cardtool *ct, const sm_command *c, int argc, char **argv)
{
	static const struct option opts[] = { { "keystore", required_argument, NULL, 'k' },
		                              { "df", required_argument, NULL, 'd' },
		                              { "permanent", no_argument, NULL, 'p' },
		                              { "card-id", required_argument, NULL, 'c' },
		                              { "psam", required_argument, NULL, 'P' },
		                              { "force", no_argument, NULL, 'f' },
		                              { "yes", no_argument, NULL, 'y' },
		                              { NULL, 0, NULL, 0 } };
	sm_opts o = { .df = "SSSE" };
	sscard_keys *keys = NULL;
	sscard_card *card = NULL;
	sscard_rc rc;
	int opt, status;

	while ((opt = ct_getopt(ct, argc, argv, "k:d:pc:P:fy", opts)) != -1) {
		if (opt == 'k')
			o.keystore = optarg;
		else if (opt == 'P')
			o.psam = optarg;
		else if (opt == 'd')
			o.df = optarg;
		else if (opt == 'p' && c->run == do_lock)
			o.permanent = true;
		else if (opt == 'y' && c->run == do_lock)
			o.yes = true;
		else if (opt == 'f' && c->run == do_write)
			o.force = true;
		else if (opt == 'c' && c->run == do_unlock)
			o.card_id = optarg;
		else if (opt == 'h') {
			sm_usage(stdout, c);
			return CT_EXIT_OK;
		} else {
			return ct_usage_error(ct, c->name, opt == '?' ? NULL : "option not taken here");
		}
	}
	if (argc - optind != c->nargs)
		return ct_usage_error(ct, c->name, c->nargs == 0 ? "takes no operands"
		                                                 : "needs ELEMENT and VALUE");
	rc = o.psam ? sscard_keys_open_psam(ct->ctx, o.psam, o.keystore, &keys)
	            : sscard_keys_open_file(ct->ctx, o.keystore, &keys);
	if (rc != SSCARD_OK)
		return ct_fail(ct, NULL, rc, o.psam ? "PSAM" : "keystore");
	status = ct_connect(ct, &card);
	if (status == CT_EXIT_OK) {
		status = c->run(ct, card, keys, &o, c->nargs, argv + optind);
		sscard_disconnect(&card);
	}
	sscard_keys_free(&keys);
	return status;
}

static int run_named(cardtool *ct, const char *name, int argc, char **argv)
{
	for (size_t i = 0; i < sizeof(sm_commands) / sizeof(sm_commands[0]); i++)
		if (strcmp(sm_commands[i].name, name) == 0)
			return run_sm(ct, &sm_commands[i], argc, argv);
	return CT_EXIT_USAGE;
}

int cmd_auth(cardtool *ct, int argc, char **argv) { return run_named(ct, "auth", argc, argv); }
int cmd_write(cardtool *ct, int argc, char **argv) { return run_named(ct, "write", argc, argv); }
int cmd_lock(cardtool *ct, int argc, char **argv) { return run_named(ct, "lock", argc, argv); }
int cmd_unlock(cardtool *ct, int argc, char **argv) { return run_named(ct, "unlock", argc, argv); }
int cmd_pin_unblock(cardtool *ct, int argc, char **argv)
{
	return run_named(ct, "pin-unblock", argc, argv);
}
