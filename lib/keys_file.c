/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The software keystore: a text file of (master) keys, format in
 * include/sscard/sm.h. Keys are parsed into memory that is wiped when the
 * provider is freed; the file's text is wiped as soon as it is parsed.
 * The file is refused unless only its owner can read it (as ssh does).
 */
#include "keys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "internal.h"

#define KEYSTORE_MAX_BYTES 65536u
#define KEYSTORE_ERR_MAX 160u

static const struct {
	const char *name;
	sscard_alg alg;
} alg_names[] = {
	{ "3DES", SSCARD_ALG_3DES },
	{ "SM4", SSCARD_ALG_SM4 },
};

static const struct {
	const char *name;
	sscard_div_level level;
} level_names[] = {
	{ "province", SSCARD_LEVEL_PROVINCE },
	{ "city", SSCARD_LEVEL_CITY },
	{ "card", SSCARD_LEVEL_CARD },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the provider ------------------------------------------------------- */

const sscard_ks_entry *sscard_keystore_find(const sscard_keystore *ks,
                                            sscard_key_usage usage, const char *df)
{
	for (size_t i = 0; i < ks->nkeys; i++)
		if (ks->keys[i].usage == usage && strcmp(ks->keys[i].df, df) == 0)
			return &ks->keys[i];
	return NULL;
}

static sscard_rc ks_lookup(void *impl, sscard_key_usage usage, const char *df,
                           sscard_key_info *info)
{
	const sscard_ks_entry *k = sscard_keystore_find(impl, usage, df);

	if (!k)
		return SSCARD_E_KEY_NOT_FOUND;
	info->alg = k->alg;
	info->id = k->id;
	return SSCARD_OK;
}

const uint8_t *sscard_level_factor(const sscard_div_factors *f, sscard_div_level level)
{
	switch (level) {
	case SSCARD_LEVEL_PROVINCE: return f->have_region ? f->province : NULL;
	case SSCARD_LEVEL_CITY: return f->have_region ? f->city : NULL;
	case SSCARD_LEVEL_CARD: return f->have_card ? f->card : NULL;
	}
	return NULL;
}

bool sscard_div_level_parse(const char *name, sscard_div_level *level)
{
	for (size_t i = 0; i < COUNT(level_names); i++)
		if (strcmp(level_names[i].name, name) == 0) {
			*level = level_names[i].level;
			return true;
		}
	return false;
}

sscard_rc sscard_card_key(sscard_alg alg, const uint8_t master[SSCARD_KEY_LEN],
                          const sscard_div_level *levels, size_t nlevels,
                          const sscard_div_factors *f, uint8_t out[SSCARD_KEY_LEN])
{
	uint8_t next[SSCARD_KEY_LEN];
	sscard_rc rc = SSCARD_OK;

	memcpy(out, master, SSCARD_KEY_LEN);
	for (size_t i = 0; rc == SSCARD_OK && i < nlevels; i++) {
		const uint8_t *factor = sscard_level_factor(f, levels[i]);
		if (!factor) {
			rc = SSCARD_E_BAD_DATA; /* the card did not give this factor */
			break;
		}
		rc = sscard_crypto_diversify(alg, out, factor, SSCARD_FACTOR_LEN, next);
		memcpy(out, next, SSCARD_KEY_LEN);
	}
	OPENSSL_cleanse(next, sizeof(next));
	if (rc != SSCARD_OK)
		OPENSSL_cleanse(out, SSCARD_KEY_LEN);
	return rc;
}

/* The keystore entry's key for this card. */
static sscard_rc card_key(const sscard_ks_entry *k, const sscard_div_factors *f,
                          uint8_t out[SSCARD_KEY_LEN])
{
	return sscard_card_key(k->alg, k->key, k->levels, k->nlevels, f, out);
}

/* The process key of the entry's key for this card and use. */
static sscard_rc process_key(const sscard_ks_entry *k, const sscard_key_use *use,
                             uint8_t pk[SSCARD_KEY_LEN])
{
	uint8_t key[SSCARD_KEY_LEN];
	sscard_rc rc;

	if (k->alg != use->alg)
		return SSCARD_E_KEYS_MISMATCH; /* an SM4 key for a DES card */
	rc = card_key(k, use->factors, key);
	if (rc == SSCARD_OK)
		rc = sscard_session_key(k->alg, key, use->process, pk);
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

static sscard_rc ks_encrypt(void *impl, const sscard_key_use *use, const uint8_t *in,
                            size_t len, uint8_t *out)
{
	const sscard_ks_entry *k = sscard_keystore_find(impl, use->usage, use->df);
	uint8_t pk[SSCARD_KEY_LEN];
	sscard_rc rc;

	if (!k)
		return SSCARD_E_KEY_NOT_FOUND;
	rc = process_key(k, use, pk);
	if (rc == SSCARD_OK)
		rc = sscard_session_encrypt(k->alg, pk, in, len, out);
	OPENSSL_cleanse(pk, sizeof(pk));
	return rc;
}

static sscard_rc ks_mac(void *impl, const sscard_key_use *use, const uint8_t *data,
                        size_t len, uint8_t mac[SSCARD_MAC_LEN])
{
	const sscard_ks_entry *k = sscard_keystore_find(impl, use->usage, use->df);
	uint8_t pk[SSCARD_KEY_LEN];
	sscard_rc rc;

	if (!k)
		return SSCARD_E_KEY_NOT_FOUND;
	rc = process_key(k, use, pk);
	if (rc == SSCARD_OK)
		rc = sscard_session_mac(k->alg, pk, data, len, mac);
	OPENSSL_cleanse(pk, sizeof(pk));
	return rc;
}

static void ks_free(void *impl)
{
	sscard_keystore_free(impl);
}

static const sscard_keys_ops keystore_ops = {
	.name = "file",
	.lookup = ks_lookup,
	.encrypt = ks_encrypt,
	.mac = ks_mac,
	.free = ks_free,
};

/* ---- the parser --------------------------------------------------------- */

typedef struct parser {
	unsigned line;
	char *err;
	size_t errsz;
} parser;

static sscard_rc parse_fail(parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static sscard_rc parse_fail(parser *p, const char *fmt, ...)
{
	char msg[KEYSTORE_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->err && p->errsz)
		snprintf(p->err, p->errsz, "keystore line %u: %s", p->line, msg);
	return SSCARD_E_KEYSTORE;
}

static bool parse_levels(char *text, sscard_ks_entry *k)
{
	char *save = NULL;

	k->nlevels = 0;
	if (strcmp(text, "-") == 0)
		return true;
	for (char *tok = strtok_r(text, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (k->nlevels == SSCARD_KS_MAX_LEVELS ||
		    !sscard_div_level_parse(tok, &k->levels[k->nlevels]))
			return false;
		k->nlevels++;
	}
	return k->nlevels > 0;
}

/* The DFs a card key can live in (sm.c selects them). */
static bool parse_df(const char *text, char df[SSCARD_DF_NAME_MAX])
{
	static const char *const known[] = { "SSSE", "DF01", "DF02", "DF03",
		                             "DF04", "DF05", "DF07" };

	for (size_t i = 0; i < COUNT(known); i++)
		if (strcmp(text, known[i]) == 0) {
			memcpy(df, known[i], strlen(known[i]) + 1);
			return true;
		}
	return false;
}

static bool parse_id(const char *text, uint8_t *id)
{
	size_t n = 0;

	return strlen(text) == 2 && sscard_hex_decode(text, id, 1, &n) == SSCARD_OK && n == 1;
}

/* The fields after "key" (USAGE DF ID ALG DIVERSIFY KEY) or "psam"
 * (USAGE DF ID PSAMUSAGE INDEX). */
static sscard_rc parse_entry(parser *p, sscard_keystore *ks, char **save, bool psam)
{
	const char *what = psam ? "a psam line has 6 fields" : "a key line has 7 fields";
	const size_t nf = psam ? 5 : 6;
	char *f[6];
	sscard_ks_entry *k;
	size_t i, n = 0;

	for (i = 0; i < nf; i++)
		if (!(f[i] = strtok_r(NULL, " \t\r", save)))
			return parse_fail(p, "%s", what);
	if (strtok_r(NULL, " \t\r", save))
		return parse_fail(p, "%s", what);
	if (ks->nkeys == SSCARD_KS_MAX_KEYS)
		return parse_fail(p, "more than %u keys", SSCARD_KS_MAX_KEYS);
	k = &ks->keys[ks->nkeys];
	memset(k, 0, sizeof(*k));
	k->psam = psam;
	if (!sscard_key_usage_parse(f[0], &k->usage))
		return parse_fail(p, "unknown usage (external, internal, unblock, line, update, "
		                  "update-ef0d)");
	if (!parse_df(f[1], k->df))
		return parse_fail(p, "DF must be SSSE or DF01 .. DF07");
	if (sscard_keystore_find(ks, k->usage, k->df))
		return parse_fail(p, "a second %s key for %s", f[0], k->df);
	if (!parse_id(f[2], &k->id))
		return parse_fail(p, "key id must be 2 hex digits");
	if (psam) {
		if (!parse_id(f[3], &k->psam_usage) || (k->psam_usage >> 5) == 0 ||
		    (k->psam_usage >> 5) > SSCARD_KS_MAX_LEVELS)
			return parse_fail(p, "the PSAM usage byte must be 2 hex digits with 1 to 3 "
			                  "diversification levels in its high 3 bits (e.g. 48)");
		if (!parse_id(f[4], &k->psam_index))
			return parse_fail(p, "the PSAM key index must be 2 hex digits");
		ks->nkeys++;
		return SSCARD_OK;
	}
	for (i = 0; i < COUNT(alg_names) && strcmp(alg_names[i].name, f[3]) != 0; i++)
		;
	if (i == COUNT(alg_names))
		return parse_fail(p, "algorithm must be 3DES or SM4");
	k->alg = alg_names[i].alg;
	if (!parse_levels(f[4], k))
		return parse_fail(p, "diversification must be - or levels from province,city,card");
	if (strlen(f[5]) != 2 * SSCARD_KEY_LEN ||
	    sscard_hex_decode(f[5], k->key, sizeof(k->key), &n) != SSCARD_OK ||
	    n != SSCARD_KEY_LEN)
		return parse_fail(p, "the key must be %u hex digits", 2 * SSCARD_KEY_LEN);
	ks->nkeys++;
	return SSCARD_OK;
}

/* One line; *version set by the version line. */
static sscard_rc parse_line(parser *p, sscard_keystore *ks, char *line, bool *version)
{
	char *save = NULL;
	char *word = strtok_r(line, " \t\r", &save);
	char *arg;

	if (!word || word[0] == '#')
		return SSCARD_OK;
	if (!*version) {
		arg = strtok_r(NULL, " \t\r", &save);
		if (strcmp(word, "sscard-keystore") != 0 || !arg || strcmp(arg, "1") != 0 ||
		    strtok_r(NULL, " \t\r", &save))
			return parse_fail(p, "the first line must be \"sscard-keystore 1\"");
		*version = true;
		return SSCARD_OK;
	}
	if (strcmp(word, "key") == 0 || strcmp(word, "psam") == 0)
		return parse_entry(p, ks, &save, word[0] == 'p');
	return parse_fail(p, "unknown item (expected \"key\" or \"psam\")");
}

static sscard_rc parse_buffer(parser *p, sscard_keystore *ks, char *buf)
{
	bool version = false;
	char *line = buf;
	sscard_rc rc = SSCARD_OK;

	while (line && rc == SSCARD_OK) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		p->line++;
		rc = parse_line(p, ks, line, &version);
		line = nl ? nl + 1 : NULL;
	}
	if (rc == SSCARD_OK && !version)
		return parse_fail(p, "empty keystore (no \"sscard-keystore 1\" line)");
	return rc;
}

sscard_rc sscard_keystore_parse(const char *text, size_t len, sscard_keystore **out,
                                char *err, size_t errsz)
{
	parser p = { 0, err, errsz };
	sscard_keystore *ks;
	char *buf;
	sscard_rc rc;

	if (err && errsz)
		err[0] = '\0';
	if (!text || !out)
		return SSCARD_E_INVALID_ARG;
	*out = NULL;
	if (len > KEYSTORE_MAX_BYTES)
		return parse_fail(&p, "file larger than %u bytes", KEYSTORE_MAX_BYTES);
	if (memchr(text, '\0', len))
		return parse_fail(&p, "NUL byte in the keystore");
	buf = malloc(len + 1);
	ks = calloc(1, sizeof(*ks));
	if (!buf || !ks) {
		free(buf);
		free(ks);
		return SSCARD_E_NOMEM;
	}
	memcpy(buf, text, len);
	buf[len] = '\0';
	rc = parse_buffer(&p, ks, buf);
	OPENSSL_cleanse(buf, len + 1);
	free(buf);
	if (rc != SSCARD_OK) {
		sscard_keystore_free(ks);
		return rc;
	}
	*out = ks;
	return SSCARD_OK;
}

void sscard_keystore_free(sscard_keystore *ks)
{
	if (!ks)
		return;
	OPENSSL_cleanse(ks, sizeof(*ks));
	free(ks);
}

/* The software provider holds keys: every entry must be a key line. */
static sscard_rc keys_from_store(sscard_ctx *ctx, sscard_keystore *ks, sscard_keys **out,
                                 char *err, size_t errsz)
{
	for (size_t i = 0; i < ks->nkeys; i++)
		if (ks->keys[i].psam) {
			if (err && errsz)
				snprintf(err, errsz, "the keystore has psam lines: open it with "
				                     "the PSAM provider (cardtool --psam READER)");
			sscard_keystore_free(ks);
			return SSCARD_E_KEYSTORE;
		}
	return sscard_keys_new(ctx, &keystore_ops, ks, out);
}

sscard_rc sscard_keys_parse_text(sscard_ctx *ctx, const char *text, size_t len,
                                 sscard_keys **out, char *err, size_t errsz)
{
	sscard_keystore *ks = NULL;
	sscard_rc rc;

	if (out)
		*out = NULL;
	rc = sscard_keystore_parse(text, len, &ks, err, errsz);
	if (rc != SSCARD_OK)
		return rc;
	return keys_from_store(ctx, ks, out, err, errsz);
}

/* ---- the file ----------------------------------------------------------- */

/* Only the owner (the user or root) may read or write it. */
static sscard_rc check_file(const struct stat *st, const char *path, char *err,
                            size_t errsz)
{
	if (!S_ISREG(st->st_mode)) {
		snprintf(err, errsz, "keystore %s is not a regular file", path);
		return SSCARD_E_KEYSTORE;
	}
	if (st->st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errsz,
		         "keystore %s is accessible by group or others (mode %04o): "
		         "chmod 600 it", path, (unsigned)(st->st_mode & 07777));
		return SSCARD_E_KEYSTORE;
	}
	if (st->st_uid != geteuid() && st->st_uid != 0) {
		snprintf(err, errsz, "keystore %s is owned by another user", path);
		return SSCARD_E_KEYSTORE;
	}
	return SSCARD_OK;
}

static sscard_rc read_all(int fd, char *buf, size_t bufsz, size_t *len)
{
	size_t got = 0;

	while (got < bufsz) {
		ssize_t n = read(fd, buf + got, bufsz - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return SSCARD_E_IO;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	*len = got;
	return SSCARD_OK;
}

sscard_rc sscard_keystore_load(sscard_ctx *ctx, const char *path, sscard_keystore **out)
{
	char err[SSCARD_DETAIL_MAX] = "";
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	sscard_rc rc;
	int fd;

	*out = NULL;
	if (!path)
		path = getenv("SSCARD_KEYSTORE");
	if (!path || !path[0])
		return sscard_ctx_fail(ctx, SSCARD_E_KEYSTORE, "no keystore given (set SSCARD_KEYSTORE)");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sscard_ctx_fail(ctx, errno == ENOENT ? SSCARD_E_KEYSTORE : SSCARD_E_IO,
		                       "keystore %s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0) {
		snprintf(err, sizeof(err), "keystore %s: %s", path, strerror(errno));
		rc = SSCARD_E_IO;
	} else {
		rc = check_file(&st, path, err, sizeof(err));
	}
	if (rc == SSCARD_OK && !(buf = malloc(KEYSTORE_MAX_BYTES + 1)))
		rc = SSCARD_E_NOMEM;
	if (rc == SSCARD_OK)
		rc = read_all(fd, buf, KEYSTORE_MAX_BYTES + 1, &len);
	close(fd);
	if (rc == SSCARD_OK)
		rc = sscard_keystore_parse(buf, len, out, err, sizeof(err));
	if (buf) {
		OPENSSL_cleanse(buf, KEYSTORE_MAX_BYTES + 1);
		free(buf);
	}
	if (rc != SSCARD_OK)
		sscard_ctx_fail(ctx, rc, "%s", err[0] ? err : "keystore cannot be loaded");
	return rc;
}

SSCARD_API sscard_rc sscard_keys_open_file(sscard_ctx *ctx, const char *path,
                                           sscard_keys **out)
{
	char err[SSCARD_DETAIL_MAX] = "";
	sscard_keystore *ks = NULL;
	sscard_rc rc;

	if (!out)
		return SSCARD_E_INVALID_ARG;
	*out = NULL;
	rc = sscard_keystore_load(ctx, path, &ks);
	if (rc != SSCARD_OK)
		return rc;
	rc = keys_from_store(ctx, ks, out, err, sizeof(err));
	if (rc != SSCARD_OK)
		sscard_ctx_fail(ctx, rc, "%s", err[0] ? err : sscard_strerror(rc));
	return rc;
}
