/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cardtool: shared declarations of the subcommands (one file per group). */
#ifndef CARDTOOL_H
#define CARDTOOL_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include <json-c/json.h>
#include <sscard/sscard.h>

/* Exit codes (documented in cardtool(1)); `diagnose` has its own 0-4. */
enum {
	CT_EXIT_OK = 0,
	CT_EXIT_FAIL = 1,  /* the operation failed / the input is invalid */
	CT_EXIT_USAGE = 2, /* bad command line */
	CT_EXIT_CARD = 3,  /* no reader, no card, card removed */
	CT_EXIT_SYSTEM = 4 /* pcscd down, out of memory, I/O */
};

/* Global options, parsed before the command name. */
typedef struct cardtool {
	const char *reader; /* --reader or NULL (SSCARD_READER / first with card) */
	bool json;          /* --json */
	int verbose;        /* -v (repeatable): log level; -vv adds APDU trace */
	sscard_ctx *ctx;
	const char *prog;
	char why[160];      /* what ct_getopt() found wrong */
} cardtool;

/* Errors of cardtool's own (not the library's), for ct_tool_error(). */
typedef enum ct_error {
	CT_ERR_USAGE,   /* the command line is wrong: exit 2 */
	CT_ERR_LAST_TRY, /* one PIN try left and no --force: exit 1 */
	CT_ERR_FILE,     /* a file cannot be read: exit 4 */
	CT_ERR_NO_READER, /* --reader names no reader: exit 3 */
	CT_ERR_CARD_ID,   /* unlock of a blocked card without --card-id: exit 2 */
	CT_ERR_NOT_CONFIRMED /* lock --permanent not confirmed: exit 1 */
} ct_error;

typedef struct cardtool_cmd {
	const char *name;
	int (*run)(cardtool *ct, int argc, char **argv); /* argv[0] = command name */
	const char *summary;
} cardtool_cmd;

/* Report an error of cardtool's own like ct_fail(): "cardtool: what:
 * message (detail)" on stderr, or {"error": {code, message, message_zh,
 * operation, detail}} on stdout with --json (code "USAGE", "LAST_TRY").
 * `extra` (may be NULL) is added to the JSON error object. Returns the
 * exit code. */
int ct_tool_error(cardtool *ct, ct_error err, const char *what, const char *detail,
                  json_object *extra);
/* A usage error of command `what` (NULL: of cardtool itself):
 * ct_tool_error(CT_ERR_USAGE) with `why` (NULL: what ct_getopt() found)
 * and a pointer to --help. */
int ct_usage_error(cardtool *ct, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Connect to the card the options select; prints the error itself
 * (JSON when --json) and returns the exit code, or 0 with *card set. */
int ct_connect(cardtool *ct, sscard_card **card);
/* Map an rc to an exit code (CT_EXIT_*). */
int ct_exit_for(sscard_rc rc);
/* Print an error: "cardtool: what: strerror (detail)" or a JSON object
 * {"error": {...}} on stdout when --json. Returns ct_exit_for(rc). */
int ct_fail(cardtool *ct, sscard_card *card, sscard_rc rc, const char *what);
/* The {"code","rc","message","message_zh","operation","detail","sw"} object
 * describing an error, for commands that embed it in their own output. */
json_object *ct_error_object(sscard_card *card, sscard_rc rc, const char *what);
/* Print a JSON object (pretty when stdout is a terminal) and drop it.
 * Strings that are not UTF-8 (a reader name, a path) are printed with
 * their stray bytes as \xNN: the output is always valid UTF-8 JSON. */
void ct_print_json(json_object *obj);
/* The same with json-c's flags (JSON_C_TO_STRING_PLAIN: one line). */
void ct_print_json_flags(json_object *obj, int flags);
/*
 * The one option parser of every command: getopt_long over the command's
 * own options (`shortopts`, `longopts` as for getopt_long, either may be
 * NULL) and the global ones (-r/--reader, -j/--json, -v/--verbose,
 * -h/--help), before or after the operands. Global options are applied
 * to ct here. Returns the code of a command option, 'h' for help, -1 at
 * the end, '?' on an error (unknown option, missing or empty argument).
 */
int ct_getopt(cardtool *ct, int argc, char **argv, const char *shortopts,
              const struct option *longopts);
/* True if argv holds -h/--help; commands print their usage then. */
bool ct_wants_help(int argc, char **argv);

/* One line without its newline; false at EOF or if longer than sz. */
bool ct_read_line(FILE *in, char *buf, size_t sz);
/* Prompt on /dev/tty and read one line without echo (tools/prompt.c);
 * the terminal is restored on every way out, SIGINT, SIGTERM, SIGHUP and
 * SIGQUIT included (then the secret is wiped and the process dies of the
 * signal). False without a terminal or a whole line. */
bool ct_read_secret(const char *prompt, char *buf, size_t sz);

/* Ask on /dev/tty; true only when the user types `answer` exactly. False
 * without a terminal. */
bool ct_confirm(const char *question, const char *answer);

/* Subcommands, one per file tools/cmd_*.c */
int cmd_apdu(cardtool *ct, int argc, char **argv);
int cmd_atr(cardtool *ct, int argc, char **argv);
int cmd_list(cardtool *ct, int argc, char **argv);
int cmd_monitor(cardtool *ct, int argc, char **argv);
int cmd_info(cardtool *ct, int argc, char **argv);
int cmd_read(cardtool *ct, int argc, char **argv);
int cmd_pin(cardtool *ct, int argc, char **argv);
int cmd_diagnose(cardtool *ct, int argc, char **argv);
int cmd_auth(cardtool *ct, int argc, char **argv);
int cmd_write(cardtool *ct, int argc, char **argv);
int cmd_lock(cardtool *ct, int argc, char **argv);
int cmd_unlock(cardtool *ct, int argc, char **argv);
int cmd_pin_unblock(cardtool *ct, int argc, char **argv);

#endif
