/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sscardd's configuration file (format: sscardd(8)): "key = value" lines,
 * '#' comments. One table says what each key sets and how it is checked.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svc.h"

static const char *const method_names[SVC_M_COUNT] = {
	[SVC_M_LIST_READERS] = "listReaders", [SVC_M_READ_BASIC] = "readBasic",
	[SVC_M_DIAGNOSE] = "diagnose",        [SVC_M_STEP1] = "readBasicStep1",
	[SVC_M_STEP2] = "readBasicStep2",     [SVC_M_CANCEL] = "cancel",
	[SVC_M_VERIFY_PINPAD] = "verifyPinPad",
};

const char *svc_method_name(svc_method_id m)
{
	return (unsigned)m < SVC_M_COUNT ? method_names[m] : NULL;
}

int svc_method_find(const char *name)
{
	for (int i = 0; i < (int)SVC_M_COUNT; i++)
		if (strcmp(method_names[i], name) == 0)
			return i;
	return -1;
}

void svc_config_defaults(svc_config *c)
{
	memset(c, 0, sizeof(*c));
	c->port = SVC_DEFAULT_PORT;
	c->listen_v4 = c->listen_v6 = true;
	c->timeout_ms = 30000;
	for (size_t i = 0; i < SVC_M_COUNT; i++)
		c->methods[i] = true;
	c->kiosk = true;
	c->max_connections = 16;
	c->max_message = 4096;
	c->rate = 20;
#ifdef SSCARDD_UI_DIR
	snprintf(c->ui_dir, sizeof(c->ui_dir), "%s", SSCARDD_UI_DIR);
#endif
}

/* ---- values ------------------------------------------------------------- */

typedef enum kind { K_UINT, K_BOOL, K_STRING, K_ORIGIN, K_READER, K_LISTEN, K_METHODS } kind;

typedef struct key_spec {
	const char *key;
	kind kind;
	size_t off;          /* where in svc_config */
	size_t size;         /* K_STRING: buffer size */
	unsigned min, max;   /* K_UINT */
} key_spec;

#define AT(f) offsetof(svc_config, f)
static const key_spec keys[] = {
	{ "port", K_UINT, AT(port), 0, 1, 65535 },
	{ "listen", K_LISTEN, 0, 0, 0, 0 },
	{ "origin", K_ORIGIN, 0, 0, 0, 0 },
	{ "reader", K_READER, 0, 0, 0, 0 },
	{ "keystore", K_STRING, AT(keystore), SVC_PATH_MAX, 0, 0 },
	{ "psam", K_STRING, AT(psam), SVC_NAME_MAX, 0, 0 },
	{ "psam_map", K_STRING, AT(psam_map), SVC_PATH_MAX, 0, 0 },
	{ "timeout_ms", K_UINT, AT(timeout_ms), 0, 100, 600000 },
	{ "methods", K_METHODS, 0, 0, 0, 0 },
	{ "kiosk", K_BOOL, AT(kiosk), 0, 0, 0 },
	{ "vendor_shim", K_BOOL, AT(vendor_shim), 0, 0, 0 },
	{ "max_connections", K_UINT, AT(max_connections), 0, 1, 1024 },
	{ "max_message", K_UINT, AT(max_message), 0, 256, 65536 },
	{ "rate", K_UINT, AT(rate), 0, 1, 10000 },
	{ "ui_dir", K_STRING, AT(ui_dir), SVC_PATH_MAX, 0, 0 },
};
#undef AT

typedef int (*setter)(svc_config *c, const key_spec *k, char *v, char *err, size_t errsz);

static int set_uint(svc_config *c, const key_spec *k, char *v, char *err, size_t errsz)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (!isdigit((unsigned char)v[0]) || *end != '\0' || errno != 0 || n < k->min || n > k->max) {
		snprintf(err, errsz, "%s: '%s' is not a number from %u to %u", k->key, v, k->min, k->max);
		return -1;
	}
	*(unsigned *)(void *)((char *)c + k->off) = (unsigned)n;
	return 0;
}

static const struct { const char *word; bool value; } bools[] = {
	{ "yes", true }, { "true", true }, { "on", true }, { "1", true },
	{ "no", false }, { "false", false }, { "off", false }, { "0", false },
};

static int set_bool(svc_config *c, const key_spec *k, char *v, char *err, size_t errsz)
{
	for (size_t i = 0; i < sizeof(bools) / sizeof(bools[0]); i++) {
		if (strcmp(v, bools[i].word) == 0) {
			*(bool *)(void *)((char *)c + k->off) = bools[i].value;
			return 0;
		}
	}
	snprintf(err, errsz, "%s: '%s' is not yes or no", k->key, v);
	return -1;
}

static int set_string(svc_config *c, const key_spec *k, char *v, char *err, size_t errsz)
{
	if (strlen(v) >= k->size) {
		snprintf(err, errsz, "%s: too long", k->key);
		return -1;
	}
	memcpy((char *)c + k->off, v, strlen(v) + 1);
	return 0;
}

static int add_to(char list[][SVC_NAME_MAX], size_t *n, size_t max, const char *v,
                  const char *key, char *err, size_t errsz)
{
	if (*n >= max || strlen(v) >= SVC_NAME_MAX) {
		snprintf(err, errsz, "%s: too many or too long (at most %zu of %u bytes)", key, max,
		         SVC_NAME_MAX - 1);
		return -1;
	}
	memcpy(list[(*n)++], v, strlen(v) + 1);
	return 0;
}

static int set_origin(svc_config *c, const key_spec *k, char *v, char *err, size_t errsz)
{
	if (!svc_origin_valid(v)) {
		snprintf(err, errsz, "%s: '%s' is not an exact scheme://host[:port] origin", k->key, v);
		return -1;
	}
	return add_to(c->origins, &c->norigins, SVC_MAX_ORIGINS, v, k->key, err, errsz);
}

static int set_reader(svc_config *c, const key_spec *k, char *v, char *err, size_t errsz)
{
	return add_to(c->readers, &c->nreaders, SVC_MAX_READERS, v, k->key, err, errsz);
}

/* Split a comma/blank separated list in place; calls fn on each word. */
static int each_word(char *v, int (*fn)(svc_config *, const char *, char *, size_t),
                     svc_config *c, char *err, size_t errsz)
{
	for (char *save = NULL, *w = strtok_r(v, ", \t", &save); w != NULL;
	     w = strtok_r(NULL, ", \t", &save))
		if (fn(c, w, err, errsz) != 0)
			return -1;
	return 0;
}

static int listen_word(svc_config *c, const char *w, char *err, size_t errsz)
{
	if (strcmp(w, "127.0.0.1") == 0)
		c->listen_v4 = true;
	else if (strcmp(w, "::1") == 0)
		c->listen_v6 = true;
	else {
		snprintf(err, errsz, "listen: '%s' refused: sscardd listens on 127.0.0.1 and ::1 only", w);
		return -1;
	}
	return 0;
}

static int set_listen(svc_config *c, const key_spec *k, char *v, char *err, size_t errsz)
{
	(void)k;
	c->listen_v4 = c->listen_v6 = false;
	if (each_word(v, listen_word, c, err, errsz) != 0)
		return -1;
	if (!c->listen_v4 && !c->listen_v6) {
		snprintf(err, errsz, "listen: no address");
		return -1;
	}
	return 0;
}

static int method_word(svc_config *c, const char *w, char *err, size_t errsz)
{
	int m = svc_method_find(w);
	if (m < 0) {
		snprintf(err, errsz, "methods: unknown method '%s'", w);
		return -1;
	}
	c->methods[m] = true;
	return 0;
}

static int set_methods(svc_config *c, const key_spec *k, char *v, char *err, size_t errsz)
{
	(void)k;
	memset(c->methods, 0, sizeof(c->methods));
	return each_word(v, method_word, c, err, errsz);
}

static const setter setters[] = {
	[K_UINT] = set_uint,     [K_BOOL] = set_bool,     [K_STRING] = set_string,
	[K_ORIGIN] = set_origin, [K_READER] = set_reader, [K_LISTEN] = set_listen,
	[K_METHODS] = set_methods,
};

/* ---- lines -------------------------------------------------------------- */

static char *trim(char *s)
{
	size_t n;
	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

static int parse_line(svc_config *c, char *line, char *err, size_t errsz)
{
	char *eq, *key, *value;

	line = trim(line);
	if (line[0] == '\0' || line[0] == '#')
		return 0;
	eq = strchr(line, '=');
	if (eq == NULL) {
		snprintf(err, errsz, "expected 'key = value'");
		return -1;
	}
	*eq = '\0';
	key = trim(line);
	value = trim(eq + 1);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].key, key) == 0)
			return setters[keys[i].kind](c, &keys[i], value, err, errsz);
	snprintf(err, errsz, "unknown key '%.64s'", key);
	return -1;
}

int svc_config_parse(svc_config *c, const char *text, size_t len, char *err, size_t errsz)
{
	char line[1024], msg[256] = "";
	size_t lineno = 0, pos = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - (text + pos)) : len - pos;

		lineno++;
		if (n >= sizeof(line) || memchr(text + pos, '\0', n) != NULL) {
			snprintf(err, errsz, "line %zu: too long or not text", lineno);
			return -1;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		if (parse_line(c, line, msg, sizeof(msg)) != 0) {
			snprintf(err, errsz, "line %zu: %s", lineno, msg);
			return -1;
		}
		pos += n + 1;
	}
	return 0;
}

int svc_config_load(svc_config *c, const char *path, bool required, char *err, size_t errsz)
{
	static char text[65536]; /* read once, at start */
	char msg[320];
	size_t n;
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		if (errno == ENOENT && !required)
			return 0;
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	n = fread(text, 1, sizeof(text), f);
	fclose(f);
	if (n == sizeof(text)) {
		snprintf(err, errsz, "%s: larger than %zu bytes", path, sizeof(text) - 1);
		return -1;
	}
	if (svc_config_parse(c, text, n, msg, sizeof(msg)) != 0) {
		snprintf(err, errsz, "%s: %s", path, msg);
		return -1;
	}
	return 0;
}

void svc_config_finish(svc_config *c)
{
	char own[SVC_NAME_MAX];

	snprintf(own, sizeof(own), "http://127.0.0.1:%u", c->port);
	if (!svc_origin_allowed(c, own) && c->norigins < SVC_MAX_ORIGINS)
		memcpy(c->origins[c->norigins++], own, strlen(own) + 1);
}

bool svc_origin_allowed(const svc_config *c, const char *origin)
{
	for (size_t i = 0; origin != NULL && i < c->norigins; i++)
		if (strcmp(c->origins[i], origin) == 0)
			return true;
	return false;
}

bool svc_host_allowed(const svc_config *c, const char *host)
{
	static const char *const names[] = { "127.0.0.1", "localhost", "[::1]" };
	char want[64];

	for (size_t i = 0; host != NULL && i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(want, sizeof(want), "%s:%u", names[i], c->port);
		if (strcmp(host, want) == 0)
			return true;
	}
	return false;
}

bool svc_reader_served(const svc_config *c, const char *name)
{
	if (c->psam[0] != '\0' && strstr(name, c->psam) != NULL)
		return false;
	if (c->nreaders == 0)
		return true;
	for (size_t i = 0; i < c->nreaders; i++)
		if (strcmp(c->readers[i], name) == 0)
			return true;
	return false;
}

static bool host_char(char ch)
{
	return isalnum((unsigned char)ch) || ch == '.' || ch == '-';
}

/* host: a name or IPv4 of host_char, or [IPv6]; then :port or nothing */
static bool host_port_valid(const char *p)
{
	size_t n = 0;

	if (*p == '[') {
		const char *close = strchr(p, ']');
		if (close == NULL || close == p + 1 || strspn(p + 1, "0123456789abcdefABCDEF:.") !=
		    (size_t)(close - p - 1))
			return false;
		p = close + 1;
	} else {
		while (host_char(p[n]))
			n++;
		if (n == 0)
			return false;
		p += n;
	}
	if (*p == '\0')
		return true;
	n = strspn(p + 1, "0123456789");
	return *p == ':' && n >= 1 && n <= 5 && p[1 + n] == '\0' && atol(p + 1) <= 65535;
}

bool svc_origin_valid(const char *s)
{
	static const char *const schemes[] = { "http://", "https://" };

	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (strncmp(s, schemes[i], strlen(schemes[i])) == 0)
			return host_port_valid(s + strlen(schemes[i]));
	return false;
}
