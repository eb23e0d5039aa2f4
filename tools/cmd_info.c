/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cardtool info | read | pin: the social security application (issue #5).
 * What a counter sees: the holder's data with Chinese labels, whether it
 * is valid, and why not. PINs are read without echo and wiped after use.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <sscard/sm.h>

#include "cardtool.h"

/* ---- shared bits -------------------------------------------------------- */

/* Terminal columns of UTF-8 text: CJK (U+1100 and above in 3-byte form)
 * and everything beyond the BMP take two columns. */
static size_t display_width(const char *s)
{
	size_t w = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (*p != '\0') {
		size_t len = *p < 0x80 ? 1 : *p >= 0xF0 ? 4 : *p >= 0xE0 ? 3 : 2;
		unsigned cp = len == 3 ? ((unsigned)(p[0] & 0x0F) << 12) | ((unsigned)(p[1] & 0x3F) << 6) : 0;
		w += (len == 4 || (len == 3 && cp >= 0x1100)) ? 2 : 1;
		for (size_t i = 0; i < len && *p != '\0'; i++)
			p++;
	}
	return w;
}

static void print_padded(const char *s, size_t width)
{
	size_t w = display_width(s);
	fputs(s, stdout);
	for (; w < width; w++)
		putchar(' ');
}

static const char *const status_names[] = {
	[SSCARD_ELEM_NOT_READ] = "NOT_READ",   [SSCARD_ELEM_PRESENT] = "PRESENT",
	[SSCARD_ELEM_BLANK] = "BLANK",         [SSCARD_ELEM_NOT_FOUND] = "NOT_FOUND",
	[SSCARD_ELEM_WITHHELD] = "WITHHELD",   [SSCARD_ELEM_UNREADABLE] = "UNREADABLE",
};

static const char *status_name(sscard_elem_status st)
{
	return (size_t)st < sizeof(status_names) / sizeof(status_names[0]) ? status_names[st] : "?";
}

/* Label column: "社会保障号码 (social security number)". */
static void label_of(size_t i, char *out, size_t outsz)
{
	snprintf(out, outsz, "%s (%s)", sscard_element_label(i), sscard_element_label_en(i));
}

static size_t label_width(void)
{
	size_t w = 0;
	char label[160];
	for (size_t i = 0; i < sscard_element_count(); i++) {
		label_of(i, label, sizeof(label));
		if (display_width(label) > w)
			w = display_width(label);
	}
	return w;
}

/* Shown beside a value: what a code means. */
static const char *value_note(const char *key, const char *value)
{
	if (strcmp(key, "sex") == 0)
		return strcmp(value, "1") == 0 ? "男 male" : strcmp(value, "2") == 0 ? "女 female" : NULL;
	return NULL;
}

static int read_basic(cardtool *ct, sscard_card *card, sscard_basic **b)
{
	sscard_rc rc = sscard_basic_new(b);
	if (rc == SSCARD_OK)
		rc = sscard_read_basic(card, *b);
	return rc == SSCARD_OK ? CT_EXIT_OK : ct_fail(ct, card, rc, "read");
}

static json_object *problems_json(const sscard_basic *b)
{
	json_object *arr = json_object_new_array();
	for (size_t i = 0; i < sscard_basic_problem_count(b); i++) {
		const char *key, *text;
		int code;
		sscard_basic_problem(b, i, &key, &code, &text);
		json_object *p = json_object_new_object();
		json_object_object_add(p, "element", json_object_new_string(key));
		json_object_object_add(p, "code", json_object_new_string(sscard_problem_name(code)));
		json_object_object_add(p, "message", json_object_new_string(text));
		json_object_array_add(arr, p);
	}
	return arr;
}

/* Elements that are not there for a reason other than being blank. */
static bool has_reason(const sscard_basic *b, size_t i)
{
	sscard_elem_status st = sscard_basic_status(b, i);
	return st == SSCARD_ELEM_WITHHELD || st == SSCARD_ELEM_UNREADABLE ||
	       (st == SSCARD_ELEM_NOT_FOUND && sscard_basic_error(b, i) != SSCARD_E_RECORD_NOT_FOUND);
}

static json_object *unavailable_json(const sscard_basic *b)
{
	json_object *arr = json_object_new_array();
	for (size_t i = 0; i < sscard_element_count(); i++) {
		if (!has_reason(b, i))
			continue;
		json_object *u = json_object_new_object();
		json_object_object_add(u, "element", json_object_new_string(sscard_element_key(i)));
		json_object_object_add(u, "status", json_object_new_string(status_name(sscard_basic_status(b, i))));
		json_object_object_add(u, "code", json_object_new_string(sscard_rc_name(sscard_basic_error(b, i))));
		json_object_object_add(u, "detail", json_object_new_string(sscard_basic_detail(b, i)));
		json_object_array_add(arr, u);
	}
	return arr;
}

static void print_problems_human(const sscard_basic *b)
{
	if (sscard_basic_valid(b)) {
		bool withheld = false;
		for (size_t i = 0; i < sscard_element_count(); i++)
			withheld = withheld || sscard_basic_status(b, i) == SSCARD_ELEM_WITHHELD;
		printf("\n有效 valid: 是 yes%s\n",
		       withheld ? " (未读取的项目未校验 / withheld elements not checked)" : "");
		return;
	}
	printf("\n有效 valid: 否 NO\n");
	for (size_t i = 0; i < sscard_basic_problem_count(b); i++) {
		const char *text;
		int code;
		sscard_basic_problem(b, i, NULL, &code, &text);
		printf("  - [%s] %s\n", sscard_problem_name(code), text);
	}
}

/* ---- info --------------------------------------------------------------- */

static void info_usage(FILE *f)
{
	fprintf(f,
	        "Usage: cardtool info [--json] [--keystore FILE]\n\n"
	        "Reads the card identification and holder identity (SSSE EF05/EF06) and\n"
	        "validates them. --json: one object with card_id, card_type, spec_version,\n"
	        "issuer, issue_date, expiry_date, card_number, ssn, name, name_ext, sex,\n"
	        "ethnicity, birthplace, birth_date (absent ones omitted; dates YYYY-MM-DD),\n"
	        "\"valid\", \"problems\" and \"unavailable\" (elements the card did not give,\n"
	        "with the reason: e.g. WITHHELD on 3.0 cards without external authentication).\n"
	        "--keystore FILE (default $SSCARD_KEYSTORE): authenticate in SSSE with the\n"
	        "terminal keys first, so a 3.0 card shows the holder's identity (EF06);\n"
	        "\"authentication\" then gives the verdict (GENUINE, TERMINAL_ONLY, ...).\n"
	        "Exit: 0 valid, 1 read but invalid (or failed), 3 no card.\n");
}

static void info_json(const sscard_basic *b, const char *auth)
{
	json_object *o = json_object_new_object();
	for (size_t i = 0; i < sscard_element_count(); i++) {
		const char *v = sscard_basic_value(b, i);
		if (v != NULL)
			json_object_object_add(o, sscard_element_key(i), json_object_new_string(v));
	}
	json_object_object_add(o, "valid", json_object_new_boolean(sscard_basic_valid(b)));
	json_object_object_add(o, "problems", problems_json(b));
	json_object_object_add(o, "unavailable", unavailable_json(b));
	if (auth != NULL)
		json_object_object_add(o, "authentication", json_object_new_string(auth));
	ct_print_json(o);
}

static void info_human(const sscard_basic *b, const char *auth)
{
	size_t w = label_width();
	char label[160];
	if (auth != NULL) {
		print_padded("外部认证 (authentication)", w);
		printf("  %s\n", auth);
	}
	for (size_t i = 0; i < sscard_element_count(); i++) {
		const char *v = sscard_basic_value(b, i);
		if (v == NULL && !has_reason(b, i))
			continue;
		label_of(i, label, sizeof(label));
		print_padded(label, w);
		if (v != NULL) {
			const char *note = value_note(sscard_element_key(i), v);
			printf("  %s%s%s%s\n", v, note ? " (" : "", note ? note : "", note ? ")" : "");
		} else if (sscard_basic_status(b, i) == SSCARD_ELEM_WITHHELD) {
			/* 3.0 cards: EF06 opens only after EXTERNAL AUTHENTICATE */
			printf("  -- 未经外部认证不可读 / withheld: needs external authentication\n");
		} else {
			sscard_rc rc = sscard_basic_error(b, i);
			printf("  -- %s / %s\n", sscard_strerror_zh(rc), sscard_strerror(rc));
		}
	}
	print_problems_human(b);
}

/* Verdicts after which the card is still read (what it shows without
 * authentication), the verdict reported and the exit status 1. */
static bool auth_verdict_reported(sscard_rc rc)
{
	return rc == SSCARD_E_KEYS_MISMATCH || rc == SSCARD_E_NOT_GENUINE;
}

/* External authentication in SSSE with the keystore's terminal keys: what
 * a 3.0 card asks before it shows EF06. The verdict is reported; wrong keys
 * or a forged card still show EF05 with that verdict (*auth_rc set),
 * never a silent read. */
static int authenticate_ssse(cardtool *ct, sscard_card *card, const char *path,
                             const char **verdict_name, sscard_rc *auth_rc)
{
	sscard_keys *keys = NULL;
	sscard_auth_verdict verdict = SSCARD_AUTH_NOT_RUN;
	sscard_rc rc = sscard_keys_open_file(ct->ctx, path, &keys);
	if (rc != SSCARD_OK)
		return ct_fail(ct, NULL, rc, "keystore");
	rc = sscard_authenticate(card, keys, NULL, &verdict);
	sscard_keys_free(&keys);
	*verdict_name = sscard_auth_verdict_name((int)verdict);
	if (auth_verdict_reported(rc)) {
		*auth_rc = rc;
		if (!ct->json)
			fprintf(stderr, "cardtool: info: authentication: %s (%s)\n", *verdict_name,
			        sscard_card_last_detail(card));
		return CT_EXIT_OK;
	}
	if (rc != SSCARD_OK)
		return ct_fail(ct, card, rc, "authenticate");
	return CT_EXIT_OK;
}

/* Connect and, with a keystore (--keystore, else $SSCARD_KEYSTORE),
 * authenticate in SSSE: info and read see a 3.0 card's EF06 the same way. */
static int connect_with_keys(cardtool *ct, const char *keystore, sscard_card **card,
                             const char **auth, sscard_rc *auth_rc)
{
	int status = ct_connect(ct, card);
	if (status == CT_EXIT_OK && keystore != NULL && keystore[0] != '\0')
		status = authenticate_ssse(ct, *card, keystore, auth, auth_rc);
	return status;
}

static const struct option keystore_opts[] = { { "keystore", required_argument, NULL, 'k' },
	                                        { NULL, 0, NULL, 0 } };

int cmd_info(cardtool *ct, int argc, char **argv)
{
	if (ct_wants_help(argc, argv)) {
		info_usage(stdout);
		return CT_EXIT_OK;
	}
	const char *keystore = getenv("SSCARD_KEYSTORE");
	int c;
	while ((c = ct_getopt(ct, argc, argv, "k:", keystore_opts)) == 'k')
		keystore = optarg;
	if (c != -1 || optind != argc)
		return ct_usage_error(ct, "info", c != -1 ? NULL : "takes no operands");
	sscard_card *card = NULL;
	sscard_basic *b = NULL;
	const char *auth = NULL;
	sscard_rc auth_rc = SSCARD_OK;
	int status = connect_with_keys(ct, keystore, &card, &auth, &auth_rc);
	if (status == CT_EXIT_OK)
		status = read_basic(ct, card, &b);
	if (status == CT_EXIT_OK) {
		if (ct->json)
			info_json(b, auth);
		else
			info_human(b, auth);
		status = sscard_basic_valid(b) && auth_rc == SSCARD_OK ? CT_EXIT_OK : CT_EXIT_FAIL;
	}
	sscard_basic_free(&b);
	sscard_disconnect(&card);
	return status;
}

/* ---- read --------------------------------------------------------------- */

static void read_usage(FILE *f)
{
	fprintf(f,
	        "Usage: cardtool read TAG|NAME [--keystore FILE] [--json]\n"
	        "       cardtool read --all [--keystore FILE] [--json]\n\n"
	        "TAG is the element's tag in hex (08, 0x4E), NAME its key (ssn, name,\n"
	        "birth_date, ...) or English label. --all reads every element and shows\n"
	        "its tag, file and status.\n"
	        "--keystore FILE (default $SSCARD_KEYSTORE): authenticate in SSSE with the\n"
	        "terminal keys first, so a 3.0 card's holder elements (EF06) can be read.\n");
}

static void tag_hex(size_t i, char out[3])
{
	snprintf(out, 3, "%02X", (unsigned)sscard_element_tag(i));
}

static int read_one(cardtool *ct, sscard_card *card, const char *name)
{
	int i = sscard_element_find(name);
	if (i < 0) {
		return ct_usage_error(ct, "read", "no data element \"%s\"", name);
	}
	char text[128], tag[3];
	sscard_rc rc = sscard_read_element(card, name, text, sizeof(text));
	if (rc != SSCARD_OK)
		return ct_fail(ct, card, rc, "read");
	tag_hex((size_t)i, tag);
	if (ct->json) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "element", json_object_new_string(sscard_element_key((size_t)i)));
		json_object_object_add(o, "tag", json_object_new_string(tag));
		json_object_object_add(o, "file", json_object_new_string(sscard_element_file((size_t)i)));
		json_object_object_add(o, "value", text[0] ? json_object_new_string(text) : NULL);
		ct_print_json(o);
	} else {
		puts(text);
	}
	return CT_EXIT_OK;
}

static void read_all_json(const sscard_basic *b)
{
	json_object *arr = json_object_new_array();
	char tag[3];
	for (size_t i = 0; i < sscard_element_count(); i++) {
		json_object *e = json_object_new_object();
		const char *v = sscard_basic_value(b, i);
		tag_hex(i, tag);
		json_object_object_add(e, "tag", json_object_new_string(tag));
		json_object_object_add(e, "element", json_object_new_string(sscard_element_key(i)));
		json_object_object_add(e, "file", json_object_new_string(sscard_element_file(i)));
		json_object_object_add(e, "status", json_object_new_string(status_name(sscard_basic_status(b, i))));
		if (v != NULL)
			json_object_object_add(e, "value", json_object_new_string(v));
		if (sscard_basic_error(b, i) != SSCARD_OK) {
			json_object_object_add(e, "code", json_object_new_string(sscard_rc_name(sscard_basic_error(b, i))));
			json_object_object_add(e, "detail", json_object_new_string(sscard_basic_detail(b, i)));
		}
		json_object_array_add(arr, e);
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "elements", arr);
	json_object_object_add(o, "valid", json_object_new_boolean(sscard_basic_valid(b)));
	json_object_object_add(o, "problems", problems_json(b));
	ct_print_json(o);
}

static void read_all_human(const sscard_basic *b)
{
	size_t w = label_width();
	char label[160], tag[3];
	for (size_t i = 0; i < sscard_element_count(); i++) {
		const char *v = sscard_basic_value(b, i);
		tag_hex(i, tag);
		label_of(i, label, sizeof(label));
		printf("%s %-9s ", tag, sscard_element_file(i));
		print_padded(label, w);
		if (v != NULL)
			printf("  %s\n", v);
		else if (sscard_basic_error(b, i) != SSCARD_OK)
			printf("  -- %s: %s\n", status_name(sscard_basic_status(b, i)), sscard_basic_detail(b, i));
		else
			printf("  -- %s\n", status_name(sscard_basic_status(b, i)));
	}
	print_problems_human(b);
}

int cmd_read(cardtool *ct, int argc, char **argv)
{
	static const struct option more[] = { { "all", no_argument, NULL, 'a' },
		                              { "keystore", required_argument, NULL, 'k' },
		                              { NULL, 0, NULL, 0 } };
	const char *keystore = getenv("SSCARD_KEYSTORE"), *auth = NULL;
	bool all = false;
	int c;
	if (ct_wants_help(argc, argv)) {
		read_usage(stdout);
		return CT_EXIT_OK;
	}
	while ((c = ct_getopt(ct, argc, argv, "ak:", more)) == 'a' || c == 'k') {
		if (c == 'a')
			all = true;
		else
			keystore = optarg;
	}
	if (c != -1 || (all ? optind != argc : optind != argc - 1))
		return ct_usage_error(ct, "read", c != -1 ? NULL
		                                  : all ? "--all takes no element"
		                                        : "needs one element (TAG or NAME) or --all");
	sscard_card *card = NULL;
	sscard_basic *b = NULL;
	sscard_rc auth_rc = SSCARD_OK;
	int status = connect_with_keys(ct, keystore, &card, &auth, &auth_rc);
	if (status == CT_EXIT_OK && auth_rc != SSCARD_OK) /* read asks for EF06: an error */
		status = ct_fail(ct, card, auth_rc, "authenticate");
	if (status == CT_EXIT_OK && !all)
		status = read_one(ct, card, argv[optind]);
	else if (status == CT_EXIT_OK) {
		status = read_basic(ct, card, &b);
		if (status == CT_EXIT_OK && ct->json)
			read_all_json(b);
		else if (status == CT_EXIT_OK)
			read_all_human(b);
	}
	sscard_basic_free(&b);
	sscard_disconnect(&card);
	return status;
}

/* ---- pin ---------------------------------------------------------------- */

#define PIN_BUF 64

typedef enum pin_source { PIN_FROM_TTY, PIN_FROM_STDIN, PIN_FROM_ENV } pin_source;

static void pin_usage(FILE *f)
{
	fprintf(f,
	        "Usage: cardtool pin tries\n"
	        "       cardtool pin verify [--pin-stdin | --pin-env] [--force]\n"
	        "       cardtool pin change [--pin-stdin | --pin-env] [--force]\n"
	        "       cardtool pin unblock [--keystore FILE | --psam READER] [--df DF]\n\n"
	        "PINs are 6 digits, read from the terminal without echo; --pin-stdin\n"
	        "reads them one per line from standard input (change: current, then new);\n"
	        "--pin-env takes them from SSCARD_PIN (and SSCARD_NEW_PIN for change).\n"
	        "On a reader with a PIN pad (see `cardtool list`) the PIN is typed on the\n"
	        "reader unless --pin-stdin/--pin-env is given, and never crosses the host.\n"
	        "A PIN is never taken from the command line. With one try left the PIN is\n"
	        "not tried unless --force is given: a wrong PIN then blocks the card.\n"
	        "unblock resets a blocked PIN's try counter with the terminal's keys\n"
	        "(the same as `cardtool pin-unblock`).\n");
}

/* The environment's copy is wiped too, so no child process inherits it. */
static bool env_pin(const char *var, char *buf, size_t sz)
{
	char *v = getenv(var);
	if (v == NULL || strlen(v) >= sz)
		return false;
	strcpy(buf, v);
	OPENSSL_cleanse(v, strlen(v));
	unsetenv(var);
	return true;
}

static bool get_pin(pin_source src, const char *prompt, const char *var, char *buf, size_t sz)
{
	bool ok = false;
	switch (src) {
	case PIN_FROM_TTY: ok = ct_read_secret(prompt, buf, sz); break;
	case PIN_FROM_STDIN: ok = ct_read_line(stdin, buf, sz); break;
	case PIN_FROM_ENV: ok = env_pin(var, buf, sz); break;
	}
	if (!ok)
		OPENSSL_cleanse(buf, sz);
	return ok;
}

static const char *no_pin_text(pin_source src)
{
	static const char *const text[] = {
		[PIN_FROM_TTY] = "pin: no terminal to read the PIN from (use --pin-stdin or --pin-env)",
		[PIN_FROM_STDIN] = "pin: no PIN line on standard input",
		[PIN_FROM_ENV] = "pin: SSCARD_PIN (change: and SSCARD_NEW_PIN) not set",
	};
	return text[src];
}

static int pin_result(cardtool *ct, sscard_card *card, sscard_rc rc, const char *what, int tries)
{
	if (rc == SSCARD_OK) {
		if (ct->json) {
			json_object *o = json_object_new_object();
			json_object_object_add(o, "operation", json_object_new_string(what));
			json_object_object_add(o, "ok", json_object_new_boolean(1));
			ct_print_json(o);
		} else {
			printf("%s: OK\n", what);
		}
		return CT_EXIT_OK;
	}
	if (ct->json) {
		json_object *o = json_object_new_object(), *err = ct_error_object(card, rc, what);
		if (tries >= 0)
			json_object_object_add(err, "tries_left", json_object_new_int(tries));
		json_object_object_add(o, "error", err);
		ct_print_json(o);
		return ct_exit_for(rc);
	}
	int status = ct_fail(ct, card, rc, what);
	if (tries >= 0)
		fprintf(stderr, "cardtool: %d tr%s left / 剩余 %d 次\n", tries, tries == 1 ? "y" : "ies", tries);
	return status;
}

static int pin_tries(cardtool *ct, sscard_card *card)
{
	int tries = -1;
	sscard_rc rc = sscard_pin_tries(card, &tries);
	if (rc != SSCARD_OK)
		return ct_fail(ct, card, rc, "pin tries");
	if (ct->json) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "tries_left", tries >= 0 ? json_object_new_int(tries) : NULL);
		json_object_object_add(o, "verified", json_object_new_boolean(tries < 0));
		ct_print_json(o);
	} else if (tries >= 0) {
		printf("tries left / 剩余次数: %d%s\n", tries, tries == 0 ? " (blocked / 已锁定)" : "");
	} else {
		printf("PIN already verified in this session / 本次已验证\n");
	}
	return CT_EXIT_OK;
}

/* Refuse to spend the last try (or try a blocked PIN) unless forced. */
static int pin_guard(cardtool *ct, sscard_card *card, bool force)
{
	int tries = -1;
	sscard_rc rc = sscard_pin_tries(card, &tries);
	if (rc == SSCARD_E_NOT_SUPPORTED) {
		fprintf(stderr, "cardtool: warning: the card does not tell the tries left\n");
		return CT_EXIT_OK;
	}
	if (rc != SSCARD_OK)
		return ct_fail(ct, card, rc, "pin tries");
	if (tries == 0)
		return ct_fail(ct, card, SSCARD_E_PIN_BLOCKED, "pin");
	if (tries == 1 && !force) {
		json_object *extra = json_object_new_object();
		json_object_object_add(extra, "tries_left", json_object_new_int(1));
		return ct_tool_error(ct, CT_ERR_LAST_TRY, "pin", NULL, extra);
	}
	return CT_EXIT_OK;
}

static int pin_verify(cardtool *ct, sscard_card *card, pin_source src)
{
	char pin[PIN_BUF] = "";
	int tries = -1;
	if (src == PIN_FROM_TTY && (sscard_card_features(card) & SSCARD_FEATURE_PINPAD_VERIFY)) {
		fprintf(stderr, "enter the PIN on the reader's keypad / 请在读卡器键盘上输入密码\n");
		return pin_result(ct, card, sscard_pin_verify_pinpad(card, &tries), "pin verify", tries);
	}
	if (!get_pin(src, "PIN: ", "SSCARD_PIN", pin, sizeof(pin)))
		return ct_fail(ct, card, SSCARD_E_INVALID_ARG, no_pin_text(src));
	sscard_rc rc = sscard_pin_verify(card, pin, &tries);
	OPENSSL_cleanse(pin, sizeof(pin));
	return pin_result(ct, card, rc, "pin verify", tries);
}

static int pin_change(cardtool *ct, sscard_card *card, pin_source src)
{
	char old_pin[PIN_BUF] = "", new_pin[PIN_BUF] = "", again[PIN_BUF] = "";
	int tries = -1, status = CT_EXIT_OK;
	sscard_rc rc = SSCARD_E_INVALID_ARG;
	if (src == PIN_FROM_TTY && (sscard_card_features(card) & SSCARD_FEATURE_PINPAD_MODIFY)) {
		fprintf(stderr, "enter the current and the new PIN on the reader's keypad / "
		                "请在读卡器键盘上输入原密码和新密码\n");
		return pin_result(ct, card, sscard_pin_change_pinpad(card, &tries), "pin change", tries);
	}
	if (!get_pin(src, "current PIN: ", "SSCARD_PIN", old_pin, sizeof(old_pin)) ||
	    !get_pin(src, "new PIN: ", "SSCARD_NEW_PIN", new_pin, sizeof(new_pin)))
		status = ct_fail(ct, card, rc, no_pin_text(src));
	else if (src == PIN_FROM_TTY &&
	         (!get_pin(src, "new PIN again: ", NULL, again, sizeof(again)) ||
	          CRYPTO_memcmp(new_pin, again, sizeof(new_pin)) != 0))
		status = ct_fail(ct, card, rc, "pin change: the new PINs differ");
	else {
		rc = sscard_pin_change(card, old_pin, new_pin, &tries);
		status = pin_result(ct, card, rc, "pin change", tries);
	}
	OPENSSL_cleanse(old_pin, sizeof(old_pin));
	OPENSSL_cleanse(new_pin, sizeof(new_pin));
	OPENSSL_cleanse(again, sizeof(again));
	return status;
}

int cmd_pin(cardtool *ct, int argc, char **argv)
{
	static const struct option more[] = {
		{ "pin-stdin", no_argument, NULL, 's' }, { "pin-env", no_argument, NULL, 'e' },
		{ "force", no_argument, NULL, 'f' },     { NULL, 0, NULL, 0 } };
	pin_source src = PIN_FROM_TTY;
	bool force = false;
	int c;
	/* unblocking needs the terminal's keys: it is the secure channel's
	 * pin-unblock, reachable under this name too */
	if (argc >= 2 && strcmp(argv[1], "unblock") == 0)
		return cmd_pin_unblock(ct, argc - 1, argv + 1);
	if (ct_wants_help(argc, argv)) {
		pin_usage(stdout);
		return CT_EXIT_OK;
	}
	while ((c = ct_getopt(ct, argc, argv, NULL, more)) == 's' || c == 'e' || c == 'f') {
		if (c == 'f')
			force = true;
		else
			src = c == 's' ? PIN_FROM_STDIN : PIN_FROM_ENV;
	}
	const char *sub = optind == argc - 1 ? argv[optind] : NULL;
	if (c != -1)
		return ct_usage_error(ct, "pin", NULL);
	if (sub == NULL ||
	    (strcmp(sub, "tries") != 0 && strcmp(sub, "verify") != 0 && strcmp(sub, "change") != 0))
		return ct_usage_error(ct, "pin", "needs one of tries, verify, change, unblock "
		                                 "(a PIN is never taken from the command line)");
	if (src == PIN_FROM_STDIN)
		setvbuf(stdin, NULL, _IONBF, 0); /* as for the terminal: before any read */
	sscard_card *card = NULL;
	int status = ct_connect(ct, &card);
	if (status == CT_EXIT_OK && strcmp(sub, "tries") == 0)
		status = pin_tries(ct, card);
	else if (status == CT_EXIT_OK) {
		status = pin_guard(ct, card, force);
		if (status == CT_EXIT_OK)
			status = strcmp(sub, "verify") == 0 ? pin_verify(ct, card, src)
			                                    : pin_change(ct, card, src);
	}
	sscard_disconnect(&card);
	return status;
}
