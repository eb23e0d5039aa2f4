/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cardtool: the technician's command-line tool. Global options, the
 * command table and the helpers every subcommand shares. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cardtool.h"

static const cardtool_cmd commands[] = {
	{"apdu", cmd_apdu, "send raw APDUs or an APDU script"},
	{"atr", cmd_atr, "decode an ATR (given in hex, or the card's)"},
	{"list", cmd_list, "list readers, cards present, ATRs and PIN-pad features"},
	{"monitor", cmd_monitor, "print reader/card events until interrupted (kiosks)"},
	{"info", cmd_info, "the card's and holder's basic information, validated"},
	{"read", cmd_read, "read one data element (tag or name) or --all"},
	{"pin", cmd_pin, "PIN: tries left, verify, change"},
	{"diagnose", cmd_diagnose, "read-only health probe: OK, ATTENTION or REPLACE, and why"},
	{"auth", cmd_auth, "authenticate card and terminal (keystore)"},
	{"write", cmd_write, "protected write of one element (keystore)"},
	{"lock", cmd_lock, "application block: lock a lost card (keystore)"},
	{"unlock", cmd_unlock, "lift a temporary application block (keystore)"},
	{"pin-unblock", cmd_pin_unblock, "reset a blocked PIN's try counter (keystore)"},
};

static const struct {
	sscard_rc rc;
	int code;
} exit_map[] = {
	{SSCARD_E_INVALID_ARG, CT_EXIT_USAGE},
	{SSCARD_E_NO_READER, CT_EXIT_CARD},
	{SSCARD_E_READER_AMBIGUOUS, CT_EXIT_CARD},
	{SSCARD_E_NO_CARD, CT_EXIT_CARD},
	{SSCARD_E_CARD_REMOVED, CT_EXIT_CARD},
	{SSCARD_E_NO_SERVICE, CT_EXIT_SYSTEM},
	{SSCARD_E_NOMEM, CT_EXIT_SYSTEM},
	{SSCARD_E_IO, CT_EXIT_SYSTEM},
	{SSCARD_E_INTERNAL, CT_EXIT_SYSTEM},
	{SSCARD_E_NOT_IMPLEMENTED, CT_EXIT_SYSTEM},
};

int ct_exit_for(sscard_rc rc)
{
	if (rc == SSCARD_OK)
		return CT_EXIT_OK;
	for (size_t i = 0; i < sizeof(exit_map) / sizeof(exit_map[0]); i++)
		if (exit_map[i].rc == rc)
			return exit_map[i].code;
	return CT_EXIT_FAIL;
}

/* Length of the valid UTF-8 sequence at s, 0 if there is none. */
static size_t utf8_len(const unsigned char *s)
{
	static const struct {
		unsigned char mask, lead;
		size_t len;
		uint32_t min;
	} forms[] = {{0x80, 0x00, 1, 0}, {0xE0, 0xC0, 2, 0x80}, {0xF0, 0xE0, 3, 0x800},
	             {0xF8, 0xF0, 4, 0x10000}};
	for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
		if ((s[0] & forms[f].mask) != forms[f].lead)
			continue;
		uint32_t cp = s[0] & (unsigned char)~forms[f].mask;
		for (size_t i = 1; i < forms[f].len; i++) {
			if ((s[i] & 0xC0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i] & 0x3Fu);
		}
		bool ok = cp >= forms[f].min && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF);
		return ok ? forms[f].len : 0;
	}
	return 0;
}

/* s with every byte that is not UTF-8 written as \xNN (a reader name or a
 * path from the system need not be UTF-8); NULL if s is valid as it is. */
static char *utf8_escaped(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0, bad = 0;

	while (p[n] != '\0') {
		size_t l = utf8_len(p + n);
		bad += l == 0;
		n += l == 0 ? 1 : l;
	}
	char *out = bad ? malloc(n + 3 * bad + 1) : NULL;
	if (out == NULL)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		size_t l = utf8_len(p + i);
		if (l == 0)
			o += (size_t)sprintf(out + o, "\\x%02X", p[i++]);
		else
			for (size_t k = 0; k < l; k++)
				out[o++] = (char)p[i++];
	}
	out[o] = '\0';
	return out;
}

/* Every string in obj valid UTF-8, whatever came in. */
static void json_make_utf8(json_object *obj)
{
	if (json_object_is_type(obj, json_type_string)) {
		char *fixed = utf8_escaped(json_object_get_string(obj));
		if (fixed != NULL)
			json_object_set_string(obj, fixed);
		free(fixed);
	} else if (json_object_is_type(obj, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(obj); i++)
			json_make_utf8(json_object_array_get_idx(obj, i));
	} else if (json_object_is_type(obj, json_type_object)) {
		json_object_object_foreach(obj, key, val) {
			(void)key; /* keys are ours, ASCII */
			json_make_utf8(val);
		}
	}
}

void ct_print_json_flags(json_object *obj, int flags)
{
	json_make_utf8(obj);
	puts(json_object_to_json_string_ext(obj, flags | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(obj);
}

void ct_print_json(json_object *obj)
{
	ct_print_json_flags(obj, isatty(STDOUT_FILENO) ? JSON_C_TO_STRING_PRETTY
	                                               : JSON_C_TO_STRING_PLAIN);
}

/* The one cardtool run of this process (a tool, not the library: one
 * context, one thread), so error reports without a card can still tell
 * why connect failed. */
static cardtool *running;

/* Before there is a card, the context knows why connect failed. */
static const char *ct_detail(sscard_card *card)
{
	if (card != NULL)
		return sscard_card_last_detail(card);
	return running ? sscard_ctx_last_detail(running->ctx) : "";
}

json_object *ct_error_object(sscard_card *card, sscard_rc rc, const char *what)
{
	const char *detail = ct_detail(card);
	uint16_t sw = card ? sscard_card_last_sw(card) : 0;
	json_object *err = json_object_new_object();

	json_object_object_add(err, "code", json_object_new_string(sscard_rc_name(rc)));
	json_object_object_add(err, "rc", json_object_new_int(rc));
	json_object_object_add(err, "message", json_object_new_string(sscard_strerror(rc)));
	json_object_object_add(err, "message_zh", json_object_new_string(sscard_strerror_zh(rc)));
	json_object_object_add(err, "operation", json_object_new_string(what));
	if (detail[0] != '\0')
		json_object_object_add(err, "detail", json_object_new_string(detail));
	if (sw != 0) {
		char swhex[5];

		snprintf(swhex, sizeof(swhex), "%04X", sw);
		json_object_object_add(err, "sw", json_object_new_string(swhex));
	}
	return err;
}

int ct_fail(cardtool *ct, sscard_card *card, sscard_rc rc, const char *what)
{
	if (ct->json) {
		json_object *top = json_object_new_object();

		json_object_object_add(top, "error", ct_error_object(card, rc, what));
		ct_print_json(top);
	} else {
		const char *detail = ct_detail(card);

		fprintf(stderr, "%s: %s: %s / %s%s%s%s\n", ct->prog, what, sscard_strerror(rc),
		        sscard_strerror_zh(rc), detail[0] ? " (" : "", detail, detail[0] ? ")" : "");
	}
	return ct_exit_for(rc);
}

static const struct {
	const char *code, *message, *message_zh;
	int exit;
} tool_errors[] = {
	[CT_ERR_USAGE] = {"USAGE", "usage error", "用法错误", CT_EXIT_USAGE},
	[CT_ERR_LAST_TRY] = {"LAST_TRY",
	                     "one PIN try left: a wrong PIN blocks the card; not tried (use --force)",
	                     "仅剩 1 次：输错将锁卡，未尝试（确需尝试请加 --force）", CT_EXIT_FAIL},
	[CT_ERR_FILE] = {"FILE", "cannot read the file", "无法读取文件", CT_EXIT_SYSTEM},
	[CT_ERR_NO_READER] = {"NO_READER", "no reader matches the name", "没有与该名称匹配的读卡器",
	                      CT_EXIT_CARD},
	[CT_ERR_CARD_ID] = {"CARD_ID_NEEDED",
	                    "the card id is needed: a blocked card does not show it; give --card-id "
	                    "HEX (lock printed it)",
	                    "需要卡识别码：已锁定的卡不显示它，请用 --card-id 提供（锁卡时已显示）",
	                    CT_EXIT_USAGE},
	[CT_ERR_NOT_CONFIRMED] = {"NOT_CONFIRMED",
	                          "a permanent lock cannot be undone: not confirmed, nothing sent",
	                          "永久锁定无法撤销：未确认，未发送任何指令", CT_EXIT_FAIL},
};

int ct_tool_error(cardtool *ct, ct_error e, const char *what, const char *detail,
                  json_object *extra)
{
	if (ct->json) {
		json_object *top = json_object_new_object(), *err = json_object_new_object();

		json_object_object_add(err, "code", json_object_new_string(tool_errors[e].code));
		json_object_object_add(err, "message", json_object_new_string(tool_errors[e].message));
		json_object_object_add(err, "message_zh",
		                       json_object_new_string(tool_errors[e].message_zh));
		json_object_object_add(err, "operation", json_object_new_string(what));
		if (detail != NULL && detail[0] != '\0')
			json_object_object_add(err, "detail", json_object_new_string(detail));
		if (extra != NULL) {
			json_object_object_foreach(extra, key, val)
				json_object_object_add(err, key, json_object_get(val));
		}
		json_object_object_add(top, "error", err);
		ct_print_json(top);
	} else {
		bool more = detail != NULL && detail[0] != '\0';

		fprintf(stderr, "%s: %s: %s%s%s / %s\n", ct->prog, what, tool_errors[e].message,
		        more ? ": " : "", more ? detail : "", tool_errors[e].message_zh);
	}
	json_object_put(extra);
	return tool_errors[e].exit;
}

/* A formatted string on the heap, never cut; NULL when out of memory. */
__attribute__((format(printf, 1, 0)))
static char *heap_vprintf(const char *fmt, va_list ap)
{
	va_list again;
	char *s = NULL;
	int n;

	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	if (n >= 0 && (s = malloc((size_t)n + 1)) != NULL)
		vsnprintf(s, (size_t)n + 1, fmt, again);
	va_end(again);
	return s;
}

__attribute__((format(printf, 1, 2)))
static char *heap_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = heap_vprintf(fmt, ap);
	va_end(ap);
	return s;
}

int ct_usage_error(cardtool *ct, const char *what, const char *fmt, ...)
{
	char *why = NULL, *detail;
	va_list ap;
	int status;

	if (fmt != NULL) {
		va_start(ap, fmt);
		why = heap_vprintf(fmt, ap);
		va_end(ap);
	}
	detail = heap_printf("%s (see: cardtool%s%s --help)",
	                     why != NULL ? why : ct->why[0] != '\0' ? ct->why : "bad command line",
	                     what != NULL ? " " : "", what != NULL ? what : "");
	status = ct_tool_error(ct, CT_ERR_USAGE, what != NULL ? what : ct->prog,
	                       detail != NULL ? detail : "bad command line", NULL);
	free(why);
	free(detail);
	return status;
}

int ct_connect(cardtool *ct, sscard_card **card)
{
	sscard_rc rc = sscard_connect(ct->ctx, ct->reader, card);

	if (rc != SSCARD_OK)
		return ct_fail(ct, NULL, rc, "connect");
	return CT_EXIT_OK;
}


bool ct_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return true;
	}
	return false;
}

static void log_to_stderr(void *ud, sscard_log_level level, const char *msg)
{
	static const char *const names[] = {"", "error", "warning", "info", "debug"};

	(void)ud;
	fprintf(stderr, "sscard %s: %s\n", names[level], msg);
}

static void trace_to_stderr(void *ud, sscard_trace_dir dir, const char *hex)
{
	(void)ud;
	fprintf(stderr, "%s %s\n", dir == SSCARD_TRACE_COMMAND ? ">>" : "<<", hex);
}

/* Logging and tracing as -v / -vv ask; called again for every -v. */
static void apply_verbose(cardtool *ct)
{
	if (ct->ctx == NULL || ct->verbose == 0)
		return;
	sscard_ctx_set_log(ct->ctx, log_to_stderr, NULL);
	sscard_ctx_set_log_level(ct->ctx, ct->verbose > 1 ? SSCARD_LOG_DEBUG : SSCARD_LOG_INFO);
	if (ct->verbose > 1)
		sscard_ctx_set_trace(ct->ctx, trace_to_stderr, NULL);
}

#define CT_OPTS_MAX 24

/* The global options a command takes after its name as well. */
static const struct option global_opts[] = {
	{"reader", required_argument, NULL, 'r'}, {"json", no_argument, NULL, 'j'},
	{"verbose", no_argument, NULL, 'v'},      {"help", no_argument, NULL, 'h'},
};

/* Is c a global option the parser applies itself (help is the command's)? */
static bool is_global(int c)
{
	for (size_t i = 0; i < sizeof(global_opts) / sizeof(global_opts[0]); i++)
		if (global_opts[i].val == c)
			return c != 'h';
	return false;
}

/* Applies a global option; false if its argument is unusable. */
static bool apply_global(cardtool *ct, int c)
{
	switch (c) {
	case 'r':
		if (optarg[0] == '\0') {
			snprintf(ct->why, sizeof(ct->why),
			         "--reader wants a reader name, a part of one or sim:PROFILE, not \"\"");
			return false;
		}
		ct->reader = optarg;
		return true;
	case 'j': ct->json = true; return true;
	case 'v': ct->verbose++; apply_verbose(ct); return true;
	default: return false;
	}
}

/* What getopt found wrong ('?' unknown, ':' missing value), into ct->why. */
static void option_problem(cardtool *ct, int c, char **argv)
{
	const char *arg = argv[optind - 1];

	if (optopt != 0 && (strncmp(arg, "--", 2) != 0))
		snprintf(ct->why, sizeof(ct->why), c == ':' ? "option -%c needs a value"
		                                           : "unknown option -%c", optopt);
	else
		snprintf(ct->why, sizeof(ct->why), c == ':' ? "option %s needs a value"
		                                           : "unknown option %s", arg);
}

int ct_getopt(cardtool *ct, int argc, char **argv, const char *shortopts,
              const struct option *longopts)
{
	struct option all[CT_OPTS_MAX];
	char shorts[64];
	size_t n = 0;
	int c;

	for (size_t i = 0; i < sizeof(global_opts) / sizeof(global_opts[0]); i++)
		all[n++] = global_opts[i];
	for (const struct option *o = longopts; o != NULL && o->name != NULL && n < CT_OPTS_MAX - 1; o++)
		all[n++] = *o;
	all[n] = (struct option){NULL, 0, NULL, 0};
	snprintf(shorts, sizeof(shorts), ":r:jvh%s", shortopts != NULL ? shortopts : "");
	opterr = 0; /* the messages are ours: JSON with --json */
	ct->why[0] = '\0';
	while ((c = getopt_long(argc, argv, shorts, all, NULL)) != -1) {
		if (c == '?' || c == ':') {
			option_problem(ct, c, argv);
			return '?';
		}
		if (!is_global(c))
			return c;
		if (!apply_global(ct, c))
			return '?';
	}
	return -1;
}

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
	        "Usage: %s [--reader NAME] [--json] [-v] COMMAND [ARGS...]\n"
	        "       %s --version | --help\n\n"
	        "Options:\n"
	        "  -r, --reader NAME  reader: exact name, unique substring, or sim:PROFILE\n"
	        "                     (default: $SSCARD_READER, else the first reader with a card)\n"
	        "  -j, --json         machine-readable output (one JSON object)\n"
	        "  -v, --verbose      log to stderr; twice: also trace APDUs (PINs masked)\n"
	        "  -h, --help         this help; COMMAND --help for a command's\n"
	        "  -V, --version      print the version\n\n"
	        "Commands:\n",
	        prog, prog);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nExit codes: 0 success, 1 operation failed, 2 usage, 3 no reader/card,\n"
	           "4 system error (diagnose: 0 OK, 1 ATTENTION, 2 REPLACE, 3 NOT_SSC/NO_CARD, 4 error).\n");
}

static const cardtool_cmd *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* A result that never reached stdout (a full disk, a closed pipe) is a
 * system error, whatever the command thought. */
static int output_written(const cardtool *ct, int status)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return status;
	fprintf(stderr, "%s: cannot write the output: %s / 无法写出结果\n", ct->prog,
	        strerror(errno != 0 ? errno : EIO));
	return CT_EXIT_SYSTEM;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"reader", required_argument, NULL, 'r'}, {"json", no_argument, NULL, 'j'},
		{"verbose", no_argument, NULL, 'v'},      {"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},      {NULL, 0, NULL, 0}};
	cardtool ct = {.prog = "cardtool"};
	const cardtool_cmd *cmd;
	int c, status;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:r:jvhV", opts, NULL)) != -1) {
		if (c == '?' || c == ':') {
			option_problem(&ct, c, argv);
			return ct_usage_error(&ct, NULL, NULL);
		}
		if (c == 'h') {
			usage(stdout, ct.prog);
			return CT_EXIT_OK;
		}
		if (c == 'V') {
			printf("cardtool %s\n", sscard_version());
			return CT_EXIT_OK;
		}
		if (!apply_global(&ct, c))
			return ct_usage_error(&ct, NULL, NULL);
	}
	if (optind >= argc) {
		usage(stderr, ct.prog);
		return ct_usage_error(&ct, NULL, "no command given");
	}
	cmd = find_command(argv[optind]);
	if (cmd == NULL) {
		snprintf(ct.why, sizeof(ct.why), "unknown command '%s'", argv[optind]);
		return ct_usage_error(&ct, NULL, NULL);
	}
	if (sscard_ctx_new(&ct.ctx) != SSCARD_OK) {
		fprintf(stderr, "%s: out of memory\n", ct.prog);
		return CT_EXIT_SYSTEM;
	}
	running = &ct;
	apply_verbose(&ct);
	{
		int first = optind;

		optind = 0; /* re-initialise getopt: the command parses its own argv */
		status = cmd->run(&ct, argc - first, argv + first);
	}
	sscard_ctx_free(&ct.ctx);
	return output_written(&ct, status);
}
