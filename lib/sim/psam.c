/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A simulated PSAM: the terminal's security module in the reader's second
 * slot (design.md s.4 "Security"). It holds the issuer's (test) master
 * keys and computes with a key diversified from the factors the terminal
 * sends, never handing a key out. Commands, PBOC PSAM style (verify
 * against a real social security PSAM):
 *   80 1A <usage> <index> Lc <factors: 8 bytes per level, 0..3 levels>
 *        DES INIT: diversify the master key (usage, index) level by level;
 *   80 FA 00 00 Lc <data, whole blocks>   DES CRYPT: ECB-encrypt;
 *   80 FA 05 00 Lc <IV (one block)> <data> DES CRYPT: the 4-byte MAC
 *        (sscard_crypto_mac(), IV = the card's challenge);
 *   00 B0 96 00 06  READ BINARY of EF16: the terminal number (6 bytes BCD).
 * Answers on T=0 come through 61xx + GET RESPONSE like any card's.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "sim/profile.h"

#define PSAM_MAX_LEVELS 3u
#define PSAM_EF16_SFI 0x16u

static void set_sw(sim_resp *r, uint16_t sw)
{
	r->sw = sw;
}

/* The master key (usage, index) with the algorithm it belongs to. */
static const sim_key *psam_key(const sscard_sim *sim, uint8_t usage, uint8_t index)
{
	for (size_t i = 0; i < sim->nkeys; i++)
		if ((uint8_t)sim->keys[i].cls == usage && sim->keys[i].id == index)
			return &sim->keys[i];
	return NULL;
}

void sim_psam_des_init(sscard_sim *sim, const sim_cmd *c, sim_resp *r)
{
	uint8_t key[SSCARD_KEY_LEN], next[SSCARD_KEY_LEN];
	const sim_key *k;
	sscard_rc rc = SSCARD_OK;

	OPENSSL_cleanse(sim->psam_key, sizeof(sim->psam_key));
	sim->psam_ready = false;
	if (c->nc % SSCARD_FACTOR_LEN != 0 || c->nc > PSAM_MAX_LEVELS * SSCARD_FACTOR_LEN) {
		set_sw(r, SW_WRONG_LENGTH);
		return;
	}
	k = psam_key(sim, c->p1, c->p2);
	if (k == NULL) {
		set_sw(r, SW_KEY_NOT_FOUND);
		return;
	}
	memcpy(key, k->value, sizeof(key));
	for (size_t off = 0; off < c->nc && rc == SSCARD_OK; off += SSCARD_FACTOR_LEN) {
		rc = sscard_crypto_diversify(k->alg, key, c->data + off, SSCARD_FACTOR_LEN, next);
		memcpy(key, next, sizeof(key));
	}
	if (rc == SSCARD_OK) {
		memcpy(sim->psam_key, key, sizeof(key));
		sim->psam_alg = k->alg;
		sim->psam_ready = true;
	}
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(next, sizeof(next));
	set_sw(r, rc == SSCARD_OK ? SW_OK : SW_DATA_INVALID);
}

void sim_psam_des_crypt(sscard_sim *sim, const sim_cmd *c, sim_resp *r)
{
	uint8_t out[256];
	size_t bs = sscard_alg_block(sim->psam_alg);

	if ((c->p1 != 0x00 && c->p1 != 0x05) || c->p2 != 0) {
		set_sw(r, SW_WRONG_P1P2);
		return;
	}
	if (!sim->psam_ready) {
		set_sw(r, SW_CONDITIONS); /* no DES INIT */
		return;
	}
	if (c->p1 == 0x00) {
		if (c->nc == 0 || c->nc % bs != 0) {
			set_sw(r, SW_WRONG_LENGTH);
			return;
		}
		if (sscard_crypto_ecb(sim->psam_alg, sim->psam_key, true, c->data, c->nc, out) !=
		    SSCARD_OK) {
			set_sw(r, SW_DATA_INVALID);
			return;
		}
		sim_out(sim, c, r, out, c->nc, true);
		return;
	}
	if (c->nc < bs) {
		set_sw(r, SW_WRONG_LENGTH);
		return;
	}
	if (sscard_crypto_mac(sim->psam_alg, sim->psam_key, c->data, bs, c->data + bs,
	                      c->nc - bs, out) != SSCARD_OK) {
		set_sw(r, SW_DATA_INVALID);
		return;
	}
	sim_out(sim, c, r, out, SSCARD_MAC_LEN, true);
}

/* MF with EF16 (the terminal number), nothing else. */
int sim_fs_build_psam(sscard_sim *sim, const uint8_t *terminal, size_t len)
{
	int mf = sim_fs_add(sim, SIM_DF, "MF", SIM_NO_FILE, 0x3F00, 0);
	int ef;

	if (mf == SIM_NO_FILE)
		return -1;
	ef = sim_fs_add(sim, SIM_EF_BINARY, "EF16", mf, 0x0016, PSAM_EF16_SFI);
	if (ef == SIM_NO_FILE || !sim_fs_set_body(&sim->files[ef], terminal, len))
		return -1;
	sim->files[mf].write_ac = SIM_AC_NEVER;
	sim->files[ef].read_ac = SIM_AC_FREE;
	sim->files[ef].write_ac = SIM_AC_NEVER;
	return 0;
}

/* ---- the PSAM profile ---------------------------------------------------------- */

static bool load_psam_key(sim_loader *ld, json_object *o, size_t i)
{
	static const char *const keys[] = { "name", "df", "class", "id", "algorithm",
		                            "master", "test", NULL };
	static const struct { const char *name; sim_key_class cls; } classes[] = {
		{ "external", SIM_KEY_EXTERNAL }, { "internal", SIM_KEY_INTERNAL },
		{ "unblock", SIM_KEY_UNBLOCK },   { "line", SIM_KEY_LINE },
	};
	sim_key *k = &ld->sim->keys[ld->sim->nkeys];
	char where[32], field[64];
	json_object *v;
	const char *s;
	size_t n = 0;
	long x;

	if (!sim_key_start(ld, o, i, keys, k, where, sizeof(where)))
		return false;
	k->df = SIM_NO_FILE;
#define FIELD(name) (snprintf(field, sizeof(field), "%s.%s", where, name), field)
	if (json_object_object_get_ex(o, "df", &v) && !sim_pstr(ld, v, FIELD("df"), &s))
		return false; /* the card DF the key serves: documentation only */
	if (!json_object_object_get_ex(o, "class", &v) || !sim_pstr(ld, v, FIELD("class"), &s))
		return sim_pfail(ld, FIELD("class"), "missing or not a string");
	for (size_t c = 0; c < sizeof(classes) / sizeof(classes[0]); c++)
		if (strcmp(s, classes[c].name) == 0)
			k->cls = classes[c].cls;
	if (k->cls == SIM_KEY_NONE)
		return sim_pfail(ld, field, "\"%s\" is not external, internal, unblock or line", s);
	if (!json_object_object_get_ex(o, "id", &v))
		return sim_pfail(ld, FIELD("id"), "missing (the key index, P2 of DES INIT)");
	if (!sim_pint(ld, v, FIELD("id"), 0, 255, &x))
		return false;
	k->id = (uint8_t)x;
	if (!json_object_object_get_ex(o, "algorithm", &v) ||
	    !sim_pstr(ld, v, FIELD("algorithm"), &s))
		return sim_pfail(ld, FIELD("algorithm"), "missing (\"3des\" or \"sm4\")");
	if (strcmp(s, "3des") == 0)
		k->alg = SSCARD_ALG_3DES;
	else if (strcmp(s, "sm4") == 0)
		k->alg = SSCARD_ALG_SM4;
	else
		return sim_pfail(ld, field, "\"%s\" is neither \"3des\" nor \"sm4\"", s);
	if (!json_object_object_get_ex(o, "master", &v))
		return sim_pfail(ld, FIELD("master"), "missing");
	if (!sim_phex(ld, v, FIELD("master"), k->value, sizeof(k->value), &n))
		return false;
	if (n != SSCARD_KEY_LEN)
		return sim_pfail(ld, field, "a key is 16 bytes (32 hex digits)");
	if (psam_key(ld->sim, (uint8_t)k->cls, k->id) != NULL)
		return sim_pfail(ld, where, "a second key with this class and id");
#undef FIELD
	ld->sim->nkeys++;
	return true;
}

bool sim_pload_psam(sim_loader *ld, json_object *root)
{
	static const char *const allowed[] = { "description", "kind", "atr", "protocol",
		                               "terminal_number", "keys", "faults", NULL };
	uint8_t terminal[6];
	json_object *v;
	size_t n = 0;

	if (!sim_pkeys(ld, "", root, allowed))
		return false;
	ld->sim->psam = true;
	ld->sim->alg = SSCARD_ALG_3DES; /* GET CHALLENGE: 4 or 8 bytes */
	if (!json_object_object_get_ex(root, "terminal_number", &v))
		return sim_pfail(ld, "terminal_number", "missing (12 BCD digits)");
	if (!sim_phex(ld, v, "terminal_number", terminal, sizeof(terminal), &n))
		return false;
	if (n != sizeof(terminal))
		return sim_pfail(ld, "terminal_number", "must be 6 bytes (12 BCD digits)");
	if (sim_fs_build_psam(ld->sim, terminal, n) != 0)
		return sim_pfail(ld, "(top)", "out of memory building the file system");
	if (!json_object_object_get_ex(root, "keys", &v) || !json_object_is_type(v, json_type_array))
		return sim_pfail(ld, "keys", "missing or not an array: a PSAM holds keys");
	n = json_object_array_length(v);
	if (n == 0 || n > SIM_MAX_KEYS)
		return sim_pfail(ld, "keys", "1 to %u keys", SIM_MAX_KEYS);
	for (size_t i = 0; i < n; i++)
		if (!load_psam_key(ld, json_object_array_get_idx(v, i), i))
			return false;
	return true;
}
