/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The profile loader: one JSON file (doc/profile-format.md) -> one card.
 * Strict: an unknown field, a wrong type or an impossible value is
 * SSCARD_E_PROFILE with "FILE: field X: problem".
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/crypto.h>
#include <sscard/card.h>

#include "sim/profile.h"

#define PROFILE_MAX_BYTES (4u * 1024u * 1024u)

/* ---- errors ------------------------------------------------------------ */

bool sim_pfail(sim_loader *ld, const char *field, const char *fmt, ...)
{
	char problem[256];
	va_list ap;

	if (ld->failed)
		return false;
	va_start(ap, fmt);
	vsnprintf(problem, sizeof(problem), fmt, ap);
	va_end(ap);
	if (ld->err != NULL && ld->errsz > 0)
		snprintf(ld->err, ld->errsz, "%s: field %s: %s", ld->name, field, problem);
	ld->failed = true;
	return false;
}

/* ---- typed getters ------------------------------------------------------- */

/* Only these keys may appear in `obj` (typos are errors, not ignored). */
bool sim_pkeys(sim_loader *ld, const char *where, json_object *obj,
               const char *const *allowed)
{
	json_object_object_foreach(obj, key, val) {
		bool ok = false;

		(void)val;
		for (size_t i = 0; allowed[i] != NULL && !ok; i++)
			ok = strcmp(key, allowed[i]) == 0;
		if (!ok) {
			char field[128];

			snprintf(field, sizeof(field), "%s%s%s", where, where[0] ? "." : "", key);
			return sim_pfail(ld, field, "unknown field");
		}
	}
	return true;
}

bool sim_pstr(sim_loader *ld, json_object *v, const char *field, const char **out)
{
	*out = "";
	if (!json_object_is_type(v, json_type_string))
		return sim_pfail(ld, field, "must be a string");
	*out = json_object_get_string(v);
	return true;
}

bool sim_pint(sim_loader *ld, json_object *v, const char *field, long min, long max,
              long *out)
{
	int64_t x;

	*out = 0;
	if (!json_object_is_type(v, json_type_int))
		return sim_pfail(ld, field, "must be an integer");
	errno = 0;
	x = json_object_get_int64(v);
	if (errno != 0 || x < min || x > max)
		return sim_pfail(ld, field, "must be between %ld and %ld", min, max);
	*out = (long)x;
	return true;
}

bool sim_phex(sim_loader *ld, json_object *v, const char *field, uint8_t *out,
              size_t outsz, size_t *outlen)
{
	const char *s;
	sscard_rc rc;

	if (!sim_pstr(ld, v, field, &s))
		return false;
	rc = sscard_hex_decode(s, out, outsz, outlen);
	if (rc == SSCARD_E_BUFFER_TOO_SMALL)
		return sim_pfail(ld, field, "longer than %zu bytes", outsz);
	if (rc != SSCARD_OK)
		return sim_pfail(ld, field, "not hex (pairs of 0-9A-F, spaces allowed)");
	return true;
}

static bool get_sw(sim_loader *ld, json_object *v, const char *field, uint16_t *sw)
{
	uint8_t b[2];
	size_t n = 0;

	if (!sim_phex(ld, v, field, b, sizeof(b), &n))
		return false;
	if (n != 2)
		return sim_pfail(ld, field, "a status word is 4 hex digits");
	*sw = (uint16_t)(b[0] << 8 | b[1]);
	return true;
}

/* ---- card header: ATR, protocol, algorithm, version ----------------------- */

/* ATR and protocol: every kind of card has them. */
static bool load_atr(sim_loader *ld, json_object *root)
{
	sscard_sim *sim = ld->sim;
	json_object *v;
	long x;

	if (!json_object_object_get_ex(root, "atr", &v))
		return sim_pfail(ld, "atr", "missing");
	if (!sim_phex(ld, v, "atr", sim->atr, sizeof(sim->atr), &sim->atr_len))
		return false;
	if (sim->atr_len < 2)
		return sim_pfail(ld, "atr", "an ATR has at least TS and T0");
	sim->protocol = 0;
	if (json_object_object_get_ex(root, "protocol", &v)) {
		if (!sim_pint(ld, v, "protocol", 0, 1, &x))
			return false;
		sim->protocol = (int)x;
	}
	if (json_object_object_get_ex(root, "description", &v) &&
	    !json_object_is_type(v, json_type_string))
		return sim_pfail(ld, "description", "must be a string");
	return true;
}

static bool load_header(sim_loader *ld, json_object *root)
{
	sscard_sim *sim = ld->sim;
	json_object *v;
	const char *alg;
	long x;

	if (!json_object_object_get_ex(root, "version", &v))
		return sim_pfail(ld, "version", "missing (2 or 3)");
	if (!sim_pint(ld, v, "version", 2, 3, &x))
		return false;
	sim->version = (int)x;
	if (!json_object_object_get_ex(root, "algorithm", &v))
		return sim_pfail(ld, "algorithm", "missing (\"3des\" or \"sm4\")");
	if (!sim_pstr(ld, v, "algorithm", &alg))
		return false;
	if (strcmp(alg, "3des") == 0)
		sim->alg = SSCARD_ALG_3DES;
	else if (strcmp(alg, "sm4") == 0)
		sim->alg = SSCARD_ALG_SM4;
	else
		return sim_pfail(ld, "algorithm", "\"%s\" is neither \"3des\" nor \"sm4\"", alg);
	return load_atr(ld, root);
}

/* ---- PIN ------------------------------------------------------------------ */

static bool load_pin(sim_loader *ld, json_object *root)
{
	static const char *const keys[] = { "value", "tries", "max", NULL };
	sscard_sim *sim = ld->sim;
	json_object *pin, *v;
	const char *value;
	size_t n;
	long x;

	if (!json_object_object_get_ex(root, "pin", &pin))
		return sim_pfail(ld, "pin", "missing");
	if (!json_object_is_type(pin, json_type_object))
		return sim_pfail(ld, "pin", "must be an object");
	if (!sim_pkeys(ld, "pin", pin, keys))
		return false;
	if (!json_object_object_get_ex(pin, "value", &v))
		return sim_pfail(ld, "pin.value", "missing");
	if (!sim_pstr(ld, v, "pin.value", &value))
		return false;
	n = strlen(value);
	if (n < 4 || n > SIM_PIN_MAX_DIGITS || strspn(value, "0123456789") != n)
		return sim_pfail(ld, "pin.value", "must be 4 to %u decimal digits", SIM_PIN_MAX_DIGITS);
	memcpy(sim->pin, value, n + 1);
	sim->pin_max = 3;
	if (json_object_object_get_ex(pin, "max", &v)) {
		if (!sim_pint(ld, v, "pin.max", 1, 15, &x))
			return false;
		sim->pin_max = (int)x;
	}
	sim->pin_tries = sim->pin_max;
	if (json_object_object_get_ex(pin, "tries", &v)) {
		if (!sim_pint(ld, v, "pin.tries", 0, sim->pin_max, &x))
			return false;
		sim->pin_tries = (int)x;
	}
	return true;
}

/* ---- files: raw records, binary contents, access conditions ---------------- */

/* "free", "pin", "never", or "ext:XX" (after EXTERNAL AUTHENTICATE with
 * key id XX). */
static bool parse_ac(sim_loader *ld, json_object *v, const char *field, sim_ac *out,
                     uint8_t *key)
{
	static const struct { const char *name; sim_ac ac; } acs[] = {
		{ "free", SIM_AC_FREE }, { "pin", SIM_AC_PIN }, { "never", SIM_AC_NEVER },
	};
	const char *s;
	size_t n = 0;

	if (!sim_pstr(ld, v, field, &s))
		return false;
	for (size_t i = 0; i < sizeof(acs) / sizeof(acs[0]); i++)
		if (strcmp(s, acs[i].name) == 0) {
			*out = acs[i].ac;
			return true;
		}
	if (strncmp(s, "ext:", 4) == 0 && strlen(s) == 6 &&
	    sscard_hex_decode(s + 4, key, 1, &n) == SSCARD_OK && n == 1) {
		*out = SIM_AC_EXT;
		return true;
	}
	return sim_pfail(ld, field, "\"%s\" is not one of free, pin, never, ext:XX (key id)", s);
}

/* Records as hex strings, each stored as written (they may be corrupt on
 * purpose); `cap` is the record's room, at least its length. */
bool sim_pset_records(sim_loader *ld, sim_file *f, json_object *arr, const char *field)
{
	size_t n;

	if (!json_object_is_type(arr, json_type_array))
		return sim_pfail(ld, field, "must be an array of hex strings");
	n = json_object_array_length(arr);
	if (n > f->maxrec)
		return sim_pfail(ld, field, "%zu records, the file holds %zu", n, f->maxrec);
	f->nrec = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t rec[SIM_RECORD_MAX];
		char item[96];
		size_t len = 0;

		snprintf(item, sizeof(item), "%s[%zu]", field, i);
		if (!sim_phex(ld, json_object_array_get_idx(arr, i), item, rec, sizeof(rec), &len))
			return false;
		if (!sim_fs_set_record(f, i, rec, len, len))
			return sim_pfail(ld, item, "cannot be stored");
	}
	return true;
}

static bool load_one_file(sim_loader *ld, const char *path, json_object *spec)
{
	static const char *const keys[] = { "records", "data", "read", "write", NULL };
	char field[96];
	json_object *v;
	sim_file *f;
	int idx;

	snprintf(field, sizeof(field), "files.%s", path);
	idx = sim_fs_by_path(ld->sim, path);
	if (idx == SIM_NO_FILE)
		return sim_pfail(ld, field, "no such file on a %d.0 card", ld->sim->version);
	f = &ld->sim->files[idx];
	if (!json_object_is_type(spec, json_type_object))
		return sim_pfail(ld, field, "must be an object");
	if (!sim_pkeys(ld, field, spec, keys))
		return false;
	if (json_object_object_get_ex(spec, "records", &v)) {
		snprintf(field, sizeof(field), "files.%s.records", path);
		if (f->type != SIM_EF_RECORD)
			return sim_pfail(ld, field, "not a record file");
		if (!sim_pset_records(ld, f, v, field))
			return false;
	}
	if (json_object_object_get_ex(spec, "data", &v)) {
		uint8_t *buf = malloc(SIM_BINARY_MAX);
		size_t len = 0;
		bool ok;

		snprintf(field, sizeof(field), "files.%s.data", path);
		if (buf == NULL)
			return sim_pfail(ld, field, "out of memory");
		ok = f->type == SIM_EF_BINARY ? sim_phex(ld, v, field, buf, SIM_BINARY_MAX, &len)
		                              : sim_pfail(ld, field, "not a transparent file");
		if (ok && !sim_fs_set_body(f, buf, len))
			ok = sim_pfail(ld, field, "cannot be stored");
		free(buf);
		if (!ok)
			return false;
	}
	if (json_object_object_get_ex(spec, "read", &v)) {
		snprintf(field, sizeof(field), "files.%s.read", path);
		if (!parse_ac(ld, v, field, &f->read_ac, &f->read_key))
			return false;
	}
	if (json_object_object_get_ex(spec, "write", &v)) {
		snprintf(field, sizeof(field), "files.%s.write", path);
		if (!parse_ac(ld, v, field, &f->write_ac, &f->write_key))
			return false;
	}
	return true;
}

static bool load_files(sim_loader *ld, json_object *root)
{
	json_object *files;

	if (!json_object_object_get_ex(root, "files", &files))
		return true;
	if (!json_object_is_type(files, json_type_object))
		return sim_pfail(ld, "files", "must be an object of paths");
	json_object_object_foreach(files, path, spec)
		if (!load_one_file(ld, path, spec))
			return false;
	return true;
}

/* ---- lifecycle -------------------------------------------------------------- */

static bool load_lifecycle(sim_loader *ld, json_object *root)
{
	json_object *lc;

	if (!json_object_object_get_ex(root, "lifecycle", &lc))
		return true;
	if (!json_object_is_type(lc, json_type_object))
		return sim_pfail(ld, "lifecycle", "must be an object of DF paths");
	json_object_object_foreach(lc, path, v) {
		char field[96];
		const char *s;
		int idx = sim_fs_by_path(ld->sim, path);

		snprintf(field, sizeof(field), "lifecycle.%s", path);
		if (idx == SIM_NO_FILE || ld->sim->files[idx].type != SIM_DF ||
		    ld->sim->files[idx].parent == SIM_NO_FILE)
			return sim_pfail(ld, field, "not an application DF of this card");
		if (!sim_pstr(ld, v, field, &s))
			return false;
		if (strcmp(s, "active") == 0)
			ld->sim->files[idx].life = SIM_LIFE_ACTIVE;
		else if (strcmp(s, "blocked") == 0)
			ld->sim->files[idx].life = SIM_LIFE_BLOCKED;
		else if (strcmp(s, "locked") == 0)
			ld->sim->files[idx].life = SIM_LIFE_LOCKED;
		else
			return sim_pfail(ld, field, "\"%s\" is not active, blocked or locked", s);
	}
	return true;
}

/* ---- keys ------------------------------------------------------------------ */

static bool parse_key_class(sim_loader *ld, json_object *v, const char *field,
                            sim_key_class *out)
{
	static const struct { const char *name; sim_key_class cls; } classes[] = {
		{ "external", SIM_KEY_EXTERNAL }, { "internal", SIM_KEY_INTERNAL },
		{ "unblock", SIM_KEY_UNBLOCK },   { "line", SIM_KEY_LINE },
		{ "update", SIM_KEY_UPDATE },     { "update-ef0d", SIM_KEY_UPDATE_EF0D },
	};
	const char *s;

	if (!sim_pstr(ld, v, field, &s))
		return false;
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (strcmp(s, classes[i].name) == 0) {
			*out = classes[i].cls;
			return true;
		}
	return sim_pfail(ld, field, "\"%s\" is not external, internal, unblock, line, update "
	                 "or update-ef0d", s);
}

/* The card identification code (tag 01 in SSSE/EF05): the city and
 * province diversification factors come from its region digits. */
static void card_id_of(const sscard_sim *sim, uint8_t out[16])
{
	int ef = sim_fs_by_path(sim, "SSSE/EF05");
	int idx;

	memset(out, 0, 16);
	if (ef == SIM_NO_FILE)
		return;
	idx = sim_fs_record_by_tag(&sim->files[ef], 0x01);
	if (idx >= 0 && sim->files[ef].records[idx].len >= 2 + 16)
		memcpy(out, sim->files[ef].records[idx].data + 2, 16);
}

static bool parse_levels(sim_loader *ld, json_object *arr, const char *field,
                         sscard_div_level levels[3], size_t *n)
{
	if (!json_object_is_type(arr, json_type_array))
		return sim_pfail(ld, field, "must be an array of \"province\", \"city\", \"card\"");
	*n = json_object_array_length(arr);
	if (*n > 3)
		return sim_pfail(ld, field, "at most 3 levels");
	for (size_t i = 0; i < *n; i++) {
		const char *s;

		if (!sim_pstr(ld, json_object_array_get_idx(arr, i), field, &s))
			return false;
		if (!sscard_div_level_parse(s, &levels[i]))
			return sim_pfail(ld, field, "\"%s\" is not province, city or card", s);
	}
	return true;
}

/* What every key entry of a profile starts with (cards and PSAMs alike):
 * an object of known fields, marked as a test key, with an optional name.
 * Clears *k and names the entry in `where` ("keys[N]"). */
bool sim_key_start(sim_loader *ld, json_object *o, size_t i, const char *const *allowed,
                   sim_key *k, char *where, size_t wsz)
{
	char field[64];
	json_object *v;
	const char *s;

	snprintf(where, wsz, "keys[%zu]", i);
	memset(k, 0, sizeof(*k));
	if (!json_object_is_type(o, json_type_object))
		return sim_pfail(ld, where, "must be an object");
	if (!sim_pkeys(ld, where, o, allowed))
		return false;
	snprintf(field, sizeof(field), "%s.test", where);
	if (!json_object_object_get_ex(o, "test", &v) || !json_object_is_type(v, json_type_boolean) ||
	    !json_object_get_boolean(v))
		return sim_pfail(ld, field, "must be true: profiles carry test keys only");
	if (json_object_object_get_ex(o, "name", &v)) {
		snprintf(field, sizeof(field), "%s.name", where);
		if (!sim_pstr(ld, v, field, &s))
			return false;
		snprintf(k->name, sizeof(k->name), "%s", s);
	}
	return true;
}

static bool load_key(sim_loader *ld, json_object *o, size_t i)
{
	static const char *const keys[] = { "name", "df", "class", "id", "master",
		                            "diversify", "tries", "test", NULL };
	sscard_sim *sim = ld->sim;
	sim_key *k = &sim->keys[sim->nkeys];
	uint8_t master[SSCARD_KEY_LEN], card_id[16];
	sscard_div_level levels[3];
	const char *s;
	char field[64], where[32];
	json_object *v;
	size_t n = 0, nlevels = 0;
	long x;
	bool ok;

	if (!sim_key_start(ld, o, i, keys, k, where, sizeof(where)))
		return false;
#define FIELD(name) (snprintf(field, sizeof(field), "%s.%s", where, name), field)
	if (!json_object_object_get_ex(o, "df", &v))
		return sim_pfail(ld, FIELD("df"), "missing");
	if (!sim_pstr(ld, v, FIELD("df"), &s))
		return false;
	k->df = sim_fs_by_path(sim, s);
	if (k->df == SIM_NO_FILE) { /* "DF04" as the keystore writes it */
		char under[SIM_PATH_MAX + 8];

		snprintf(under, sizeof(under), "SSSE/%s", s);
		k->df = sim_fs_by_path(sim, under);
	}
	if (k->df == SIM_NO_FILE || sim->files[k->df].type != SIM_DF)
		return sim_pfail(ld, field, "\"%s\" is not a DF of this card", s);
	if (!json_object_object_get_ex(o, "class", &v))
		return sim_pfail(ld, FIELD("class"), "missing");
	if (!parse_key_class(ld, v, FIELD("class"), &k->cls))
		return false;
	if (!json_object_object_get_ex(o, "id", &v))
		return sim_pfail(ld, FIELD("id"), "missing");
	if (!sim_pint(ld, v, FIELD("id"), 0, 255, &x))
		return false;
	k->id = (uint8_t)x;
	k->alg = sim->alg;
	if (json_object_object_get_ex(o, "tries", &v)) {
		if (!sim_pint(ld, v, FIELD("tries"), 0, 15, &x))
			return false;
		k->tries = k->max_tries = (int)x;
	}
	if (json_object_object_get_ex(o, "diversify", &v) &&
	    !parse_levels(ld, v, FIELD("diversify"), levels, &nlevels))
		return false;
	if (!json_object_object_get_ex(o, "master", &v))
		return sim_pfail(ld, FIELD("master"), "missing");
	if (!sim_phex(ld, v, FIELD("master"), master, sizeof(master), &n))
		return false;
	if (n != SSCARD_KEY_LEN) {
		OPENSSL_cleanse(master, sizeof(master));
		return sim_pfail(ld, field, "a key is 16 bytes (32 hex digits)");
	}
	card_id_of(sim, card_id);
	ok = sim_card_key(sim->alg, master, levels, nlevels, sim->atr, sim->atr_len, card_id,
	                  k->value) == SSCARD_OK;
	OPENSSL_cleanse(master, sizeof(master));
	if (!ok)
		return sim_pfail(ld, FIELD("diversify"), "cannot diversify: the ATR is shorter than 8 bytes or elements.card_id has no region digits");
#undef FIELD
	sim->nkeys++;
	return true;
}

static bool load_keys(sim_loader *ld, json_object *root)
{
	json_object *arr;
	size_t n;

	if (!json_object_object_get_ex(root, "keys", &arr))
		return true;
	if (!json_object_is_type(arr, json_type_array))
		return sim_pfail(ld, "keys", "must be an array");
	n = json_object_array_length(arr);
	if (n > SIM_MAX_KEYS)
		return sim_pfail(ld, "keys", "at most %u keys", SIM_MAX_KEYS);
	for (size_t i = 0; i < n; i++)
		if (!load_key(ld, json_object_array_get_idx(arr, i), i))
			return false;
	return true;
}

/* ---- faults ---------------------------------------------------------------- */

static bool file_ref(sim_loader *ld, json_object *v, const char *field, int *idx)
{
	const char *s;

	if (!sim_pstr(ld, v, field, &s))
		return false;
	*idx = sim_fs_by_path(ld->sim, s);
	if (*idx == SIM_NO_FILE || ld->sim->files[*idx].type == SIM_DF)
		return sim_pfail(ld, field, "\"%s\" is not an EF of this card", s);
	return true;
}

static bool load_chip_error(sim_loader *ld, json_object *o)
{
	static const char *const keys[] = { "file", "sw", "on", NULL };
	const char *on = "all";
	json_object *v;
	sim_file *f;
	uint16_t sw;
	int idx;

	if (!json_object_is_type(o, json_type_object))
		return sim_pfail(ld, "faults.chip_error", "must be an object");
	if (!sim_pkeys(ld, "faults.chip_error", o, keys))
		return false;
	if (!json_object_object_get_ex(o, "file", &v))
		return sim_pfail(ld, "faults.chip_error.file", "missing");
	if (!file_ref(ld, v, "faults.chip_error.file", &idx))
		return false;
	sw = SW_MEMORY_FAILURE;
	if (json_object_object_get_ex(o, "sw", &v) && !get_sw(ld, v, "faults.chip_error.sw", &sw))
		return false;
	if (sw == SW_OK || (sw & 0xF000u) < 0x6000u)
		return sim_pfail(ld, "faults.chip_error.sw", "%04X is not an error status word", sw);
	if (json_object_object_get_ex(o, "on", &v) && !sim_pstr(ld, v, "faults.chip_error.on", &on))
		return false;
	f = &ld->sim->files[idx];
	f->fault_sw = sw;
	f->fault_on_read = strcmp(on, "read") == 0 || strcmp(on, "all") == 0;
	f->fault_on_write = strcmp(on, "write") == 0 || strcmp(on, "all") == 0;
	if (!f->fault_on_read && !f->fault_on_write)
		return sim_pfail(ld, "faults.chip_error.on", "\"%s\" is not read, write or all", on);
	return true;
}

/* Replace one record's bytes after everything else is loaded. */
static bool load_corrupt_record(sim_loader *ld, json_object *o)
{
	static const char *const keys[] = { "file", "record", "hex", NULL };
	uint8_t rec[SIM_RECORD_MAX];
	json_object *v;
	sim_file *f;
	size_t len = 0;
	long n;
	int idx;

	if (!json_object_is_type(o, json_type_object))
		return sim_pfail(ld, "faults.corrupt_record", "must be an object");
	if (!sim_pkeys(ld, "faults.corrupt_record", o, keys))
		return false;
	if (!json_object_object_get_ex(o, "file", &v))
		return sim_pfail(ld, "faults.corrupt_record.file", "missing");
	if (!file_ref(ld, v, "faults.corrupt_record.file", &idx))
		return false;
	f = &ld->sim->files[idx];
	if (f->type != SIM_EF_RECORD)
		return sim_pfail(ld, "faults.corrupt_record.file", "not a record file");
	if (!json_object_object_get_ex(o, "record", &v))
		return sim_pfail(ld, "faults.corrupt_record.record", "missing (record number)");
	if (!sim_pint(ld, v, "faults.corrupt_record.record", 1, (long)f->nrec, &n))
		return false;
	if (!json_object_object_get_ex(o, "hex", &v))
		return sim_pfail(ld, "faults.corrupt_record.hex", "missing");
	if (!sim_phex(ld, v, "faults.corrupt_record.hex", rec, sizeof(rec), &len))
		return false;
	f->records[n - 1].cap = len > f->records[n - 1].cap ? len : f->records[n - 1].cap;
	memset(f->records[n - 1].data, 0, SIM_RECORD_MAX);
	memcpy(f->records[n - 1].data, rec, len);
	f->records[n - 1].len = len;
	return true;
}

static bool load_flaky(sim_loader *ld, json_object *o)
{
	static const char *const keys[] = { "rate", "seed", "sw", NULL };
	sim_faults *ft = &ld->sim->faults;
	json_object *v;
	long seed = 1;

	if (!json_object_is_type(o, json_type_object))
		return sim_pfail(ld, "faults.flaky", "must be an object");
	if (!sim_pkeys(ld, "faults.flaky", o, keys))
		return false;
	if (!json_object_object_get_ex(o, "rate", &v) ||
	    !(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))
		return sim_pfail(ld, "faults.flaky.rate", "missing or not a number");
	ft->flaky_rate = json_object_get_double(v);
	if (!(ft->flaky_rate > 0.0 && ft->flaky_rate < 1.0))
		return sim_pfail(ld, "faults.flaky.rate", "must be between 0 and 1 (exclusive)");
	if (json_object_object_get_ex(o, "seed", &v) &&
	    !sim_pint(ld, v, "faults.flaky.seed", 0, 2147483647L, &seed))
		return false;
	ft->flaky_state = (uint64_t)seed;
	ft->flaky_sw = SW_DATA_INVALID;
	if (json_object_object_get_ex(o, "sw", &v) && !get_sw(ld, v, "faults.flaky.sw", &ft->flaky_sw))
		return false;
	return true;
}

static bool load_torn_write(sim_loader *ld, json_object *o)
{
	static const char *const keys[] = { "file", NULL };
	json_object *v;

	ld->sim->faults.torn_write = true;
	ld->sim->faults.torn_file = SIM_NO_FILE;
	if (json_object_is_type(o, json_type_boolean)) {
		ld->sim->faults.torn_write = json_object_get_boolean(o);
		return true;
	}
	if (!json_object_is_type(o, json_type_object))
		return sim_pfail(ld, "faults.torn_write", "must be true or {\"file\": PATH}");
	if (!sim_pkeys(ld, "faults.torn_write", o, keys))
		return false;
	if (json_object_object_get_ex(o, "file", &v) &&
	    !file_ref(ld, v, "faults.torn_write.file", &ld->sim->faults.torn_file))
		return false;
	return true;
}

static bool load_garbled(sim_loader *ld, json_object *o)
{
	static const char *const keys[] = { "after", "hex", NULL };
	sim_faults *ft = &ld->sim->faults;
	json_object *v;
	long x = 0;

	if (!json_object_is_type(o, json_type_object))
		return sim_pfail(ld, "faults.garbled", "must be an object");
	if (!sim_pkeys(ld, "faults.garbled", o, keys))
		return false;
	if (json_object_object_get_ex(o, "after", &v) &&
	    !sim_pint(ld, v, "faults.garbled.after", 0, 1000000, &x))
		return false;
	if (!json_object_object_get_ex(o, "hex", &v))
		return sim_pfail(ld, "faults.garbled.hex", "missing (the bytes the host gets; \"\" for none)");
	if (!sim_phex(ld, v, "faults.garbled.hex", ft->garble, sizeof(ft->garble), &ft->garble_len))
		return false;
	ft->garbled = true;
	ft->garbled_after = (unsigned long)x;
	return true;
}

static bool load_counts(sim_loader *ld, json_object *faults)
{
	sim_faults *ft = &ld->sim->faults;
	json_object *v;
	long x;

	if (json_object_object_get_ex(faults, "no_atr", &v)) {
		if (!json_object_is_type(v, json_type_boolean))
			return sim_pfail(ld, "faults.no_atr", "must be true or false");
		ft->no_atr = json_object_get_boolean(v);
	}
	if (json_object_object_get_ex(faults, "bad_atr", &v)) {
		if (!sim_phex(ld, v, "faults.bad_atr", ft->bad_atr, sizeof(ft->bad_atr),
		              &ft->bad_atr_len))
			return false;
		if (ft->bad_atr_len == 0)
			return sim_pfail(ld, "faults.bad_atr", "empty (use no_atr for a card without ATR)");
	}
	if (json_object_object_get_ex(faults, "mute_after", &v)) {
		if (!sim_pint(ld, v, "faults.mute_after", 1, 1000000, &x))
			return false;
		ft->mute_after = (unsigned long)x;
	}
	if (json_object_object_get_ex(faults, "remove_after", &v)) {
		if (!sim_pint(ld, v, "faults.remove_after", 1, 1000000, &x))
			return false;
		ft->remove_after = (unsigned long)x;
	}
	if (json_object_object_get_ex(faults, "slow_ms", &v)) {
		if (!sim_pint(ld, v, "faults.slow_ms", 1, 10000, &x))
			return false;
		ft->slow_ms = (unsigned)x;
	}
	return true;
}

static bool load_faults(sim_loader *ld, json_object *root)
{
	static const char *const keys[] = { "no_atr", "bad_atr", "mute_after", "remove_after",
		                            "slow_ms", "chip_error", "corrupt_record",
		                            "torn_write", "flaky", "garbled", NULL };
	json_object *faults, *v;

	ld->sim->faults.torn_file = SIM_NO_FILE;
	if (!json_object_object_get_ex(root, "faults", &faults))
		return true;
	if (!json_object_is_type(faults, json_type_object))
		return sim_pfail(ld, "faults", "must be an object");
	if (!sim_pkeys(ld, "faults", faults, keys) || !load_counts(ld, faults))
		return false;
	if (json_object_object_get_ex(faults, "chip_error", &v) && !load_chip_error(ld, v))
		return false;
	if (json_object_object_get_ex(faults, "corrupt_record", &v) && !load_corrupt_record(ld, v))
		return false;
	if (json_object_object_get_ex(faults, "torn_write", &v) && !load_torn_write(ld, v))
		return false;
	if (json_object_object_get_ex(faults, "flaky", &v) && !load_flaky(ld, v))
		return false;
	if (json_object_object_get_ex(faults, "garbled", &v) && !load_garbled(ld, v))
		return false;
	return true;
}

/* ---- the whole profile ------------------------------------------------------ */

/* "kind": "card" (the default) or "psam" (psam.c) */
static bool is_psam(sim_loader *ld, json_object *root, bool *psam)
{
	json_object *v;
	const char *kind = "card";

	if (json_object_object_get_ex(root, "kind", &v) && !sim_pstr(ld, v, "kind", &kind))
		return false;
	*psam = strcmp(kind, "psam") == 0;
	if (!*psam && strcmp(kind, "card") != 0)
		return sim_pfail(ld, "kind", "\"%s\" is neither \"card\" nor \"psam\"", kind);
	return true;
}

static bool load_root(sim_loader *ld, json_object *root)
{
	static const char *const keys[] = { "description", "kind", "version", "algorithm",
		                            "atr", "protocol", "pin", "elements", "files",
		                            "keys", "lifecycle", "faults", NULL };
	bool psam = false;

	if (!json_object_is_type(root, json_type_object))
		return sim_pfail(ld, "(top)", "a profile is one JSON object");
	if (!is_psam(ld, root, &psam))
		return false;
	if (psam)
		return load_atr(ld, root) && sim_pload_psam(ld, root) && load_faults(ld, root);
	if (!sim_pkeys(ld, "", root, keys) || !load_header(ld, root))
		return false;
	if (sim_fs_build_layout(ld->sim) != 0)
		return sim_pfail(ld, "(top)", "out of memory building the file system");
	/* data first: the keys are diversified from the card identification
	 * code; faults last: they damage the data */
	return sim_pelements(ld, root) && load_files(ld, root) && load_pin(ld, root) &&
	       load_keys(ld, root) && load_lifecycle(ld, root) && load_faults(ld, root);
}

sscard_rc sscard_sim_load_string(const char *name, const char *json, sscard_sim **out,
                                 char *err, size_t errsz)
{
	sim_loader ld = { .name = name != NULL ? name : "(profile)", .err = err, .errsz = errsz };
	json_tokener *tok;
	json_object *root;
	sscard_rc rc = SSCARD_E_PROFILE;

	if (json == NULL || out == NULL)
		return SSCARD_E_INVALID_ARG;
	*out = NULL;
	if (err != NULL && errsz > 0)
		err[0] = '\0';
	tok = json_tokener_new();
	ld.sim = calloc(1, sizeof(*ld.sim));
	if (tok == NULL || ld.sim == NULL) {
		json_tokener_free(tok);
		free(ld.sim);
		return SSCARD_E_NOMEM;
	}
	root = json_tokener_parse_ex(tok, json, (int)strlen(json) + 1);
	if (root == NULL)
		sim_pfail(&ld, "(top)", "not valid JSON: %s",
		          json_tokener_error_desc(json_tokener_get_error(tok)));
	else if (load_root(&ld, root))
		rc = SSCARD_OK;
	json_object_put(root);
	json_tokener_free(tok);
	if (rc != SSCARD_OK) {
		sscard_sim_free(&ld.sim);
		return rc;
	}
	snprintf(ld.sim->source, sizeof(ld.sim->source), "%s", ld.name);
	ld.sim->present = true;
	sim_reset_state(ld.sim);
	*out = ld.sim;
	return SSCARD_OK;
}

/* Read the whole profile, growing the buffer as the file goes (a profile
 * is a few KiB; the 4 MiB bound is for what is refused, not allocated). */
static sscard_rc read_file(const char *path, char **text, char *err, size_t errsz)
{
	FILE *fp = fopen(path, "rb");
	size_t n = 0, cap = 8192;
	bool failed = false, too_big = false;
	char *buf;

	if (fp == NULL) {
		if (err != NULL && errsz > 0)
			snprintf(err, errsz, "%s: cannot open: %s", path, strerror(errno));
		return SSCARD_E_IO;
	}
	buf = malloc(cap + 1);
	while (buf != NULL) {
		n += fread(buf + n, 1, cap - n, fp);
		if (n < cap || ferror(fp))
			break;
		if (cap > PROFILE_MAX_BYTES) {
			too_big = true;
			break;
		}
		char *bigger = realloc(buf, 2 * cap + 1);
		if (bigger == NULL) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = bigger;
		cap *= 2;
	}
	failed = ferror(fp) != 0;
	fclose(fp);
	if (buf == NULL)
		return SSCARD_E_NOMEM;
	too_big = too_big || n > PROFILE_MAX_BYTES;
	if (failed || too_big || memchr(buf, '\0', n) != NULL) {
		if (err != NULL && errsz > 0)
			snprintf(err, errsz, "%s: %s", path,
			         failed ? "read error" : too_big ? "larger than 4 MiB"
			                                         : "contains a NUL byte");
		free(buf);
		return failed ? SSCARD_E_IO : SSCARD_E_PROFILE;
	}
	buf[n] = '\0';
	*text = buf;
	return SSCARD_OK;
}

sscard_rc sscard_sim_load(const char *path, sscard_sim **out, char *err, size_t errsz)
{
	char *text = NULL;
	sscard_rc rc;

	if (path == NULL || out == NULL)
		return SSCARD_E_INVALID_ARG;
	*out = NULL;
	rc = read_file(path, &text, err, errsz);
	if (rc != SSCARD_OK)
		return rc;
	rc = sscard_sim_load_string(path, text, out, err, errsz);
	free(text);
	return rc;
}
