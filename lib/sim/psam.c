/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A simulated PSAM: the terminal's security module in the reader's second
 * slot (design.md s.4 "Security"). It holds the issuer's (test) master
 * keys and computes with a key diversified from the factors the terminal
 * sends, never handing a key out. It answers the commands field code
 * sends to social security PSAMs (lib/keys_psam.c):
 *   SELECT D15600000590            its DES application
 *   SELECT "sx3.sh.社会保障", DF01  its SM4 application
 *   BF DE <usage> <index> Lc <factors, lowest level first: card, city,
 *        province, as many as usage's high 3 bits> <process block>
 *        INIT: diversify the application's key (usage, index) from the
 *        highest level down, then the process key (lib/session.h);
 *   80 FA 00 00 Lc <whole blocks>   encrypt under the process key;
 *   80 FA 05 00 Lc <IV block> <whole blocks>  the 4-byte MAC (CBC with IV
 *        under the process key, folded as lib/session.h says) (verify);
 *   00 B0 96 00 06  READ BINARY of EF16: the terminal number (6 bytes BCD).
 * Anything else, 80 1A (PBOC DES INIT) included, is 6D00. Answers on T=0
 * come through 61xx + GET RESPONSE like any card's.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "sim/profile.h"

#define PSAM_MAX_LEVELS 3u
#define PSAM_EF16_SFI 0x16u

static const uint8_t des_aid[] = { 0xD1, 0x56, 0x00, 0x00, 0x05, 0x90 };
static const uint8_t sm4_name[] = { 's', 'x', '3', '.', 's', 'h', '.', 0xC9, 0xE7,
	                            0xBB, 0xE1, 0xB1, 0xA3, 0xD5, 0xCF };

static void set_sw(sim_resp *r, uint16_t sw)
{
	r->sw = sw;
}

/* The application the PSAM is in: DES, SM4 (its DF01), or 0. */
static sscard_alg current_env(const sscard_sim *sim)
{
	const char *path = sim->files[sim->cur_df].path;

	if (strcmp(path, "DES") == 0)
		return SSCARD_ALG_3DES;
	if (strcmp(path, "SM4/DF01") == 0)
		return SSCARD_ALG_SM4;
	return 0;
}

/* The master key (usage, index) of an application. */
static const sim_key *psam_key(const sscard_sim *sim, sscard_alg alg, uint8_t usage,
                               uint8_t index)
{
	for (size_t i = 0; i < sim->nkeys; i++)
		if (sim->keys[i].alg == alg && (uint8_t)sim->keys[i].cls == usage &&
		    sim->keys[i].id == index)
			return &sim->keys[i];
	return NULL;
}

static void forget(sscard_sim *sim)
{
	OPENSSL_cleanse(sim->psam_key, sizeof(sim->psam_key));
	sim->psam_ready = false;
}

/* The card's key from the master: factors arrive lowest level first and
 * are applied highest first (province, city, card), as a keystore's
 * "province,city,card" does. */
static sscard_rc diversify(sscard_alg alg, const uint8_t master[SSCARD_KEY_LEN],
                           const uint8_t *factors, size_t levels, uint8_t out[SSCARD_KEY_LEN])
{
	uint8_t next[SSCARD_KEY_LEN];
	sscard_rc rc = SSCARD_OK;

	memcpy(out, master, SSCARD_KEY_LEN);
	for (size_t i = levels; i-- > 0 && rc == SSCARD_OK;) {
		rc = sscard_crypto_diversify(alg, out, factors + i * SSCARD_FACTOR_LEN,
		                             SSCARD_FACTOR_LEN, next);
		memcpy(out, next, SSCARD_KEY_LEN);
	}
	OPENSSL_cleanse(next, sizeof(next));
	return rc;
}

void sim_psam_init(sscard_sim *sim, const sim_cmd *c, sim_resp *r)
{
	uint8_t key[SSCARD_KEY_LEN];
	sscard_alg alg = current_env(sim);
	size_t levels = (size_t)(c->p1 >> 5), bs = sscard_alg_block(alg);
	const sim_key *k;
	sscard_rc rc;

	forget(sim);
	if (alg == 0) {
		set_sw(r, SW_CONDITIONS); /* no application selected */
		return;
	}
	if (levels == 0 || levels > PSAM_MAX_LEVELS || c->nc != levels * SSCARD_FACTOR_LEN + bs) {
		set_sw(r, SW_WRONG_LENGTH);
		return;
	}
	k = psam_key(sim, alg, c->p1, c->p2);
	if (k == NULL) {
		set_sw(r, SW_KEY_NOT_FOUND);
		return;
	}
	rc = diversify(alg, k->value, c->data, levels, key);
	if (rc == SSCARD_OK)
		rc = sscard_session_key_block(alg, key, c->data + levels * SSCARD_FACTOR_LEN,
		                              sim->psam_key);
	OPENSSL_cleanse(key, sizeof(key));
	if (rc != SSCARD_OK) {
		forget(sim);
		set_sw(r, SW_DATA_INVALID);
		return;
	}
	sim->psam_alg = alg;
	sim->psam_ready = true;
	set_sw(r, SW_OK);
}

static void psam_mac(sscard_sim *sim, const sim_cmd *c, sim_resp *r, size_t bs)
{
	uint8_t last[SSCARD_BLOCK_MAX], mac[SSCARD_MAC_LEN];
	size_t outlen = 0;

	if (c->nc < 2 * bs || c->nc % bs != 0) {
		set_sw(r, SW_WRONG_LENGTH);
		return;
	}
	if (sscard_crypto_mac_block(sim->psam_alg, sim->psam_key, c->data, bs, c->data + bs,
	                            c->nc - bs, last, &outlen) != SSCARD_OK) {
		set_sw(r, SW_DATA_INVALID);
		return;
	}
	sscard_mac_fold(sim->psam_alg, last, mac);
	sim_out(sim, c, r, mac, sizeof(mac), true);
	OPENSSL_cleanse(last, sizeof(last));
}

void sim_psam_crypt(sscard_sim *sim, const sim_cmd *c, sim_resp *r)
{
	uint8_t out[256];
	size_t bs = sscard_alg_block(sim->psam_alg);

	if ((c->p1 != 0x00 && c->p1 != 0x05) || c->p2 != 0) {
		set_sw(r, SW_WRONG_P1P2);
		return;
	}
	if (!sim->psam_ready || current_env(sim) != sim->psam_alg) {
		set_sw(r, SW_CONDITIONS); /* no BF DE in this application */
		return;
	}
	if (c->p1 == 0x05) {
		psam_mac(sim, c, r, bs);
		return;
	}
	if (c->nc == 0 || c->nc % bs != 0) {
		set_sw(r, SW_WRONG_LENGTH);
		return;
	}
	if (sscard_session_encrypt(sim->psam_alg, sim->psam_key, c->data, c->nc, out) !=
	    SSCARD_OK) {
		set_sw(r, SW_DATA_INVALID);
		return;
	}
	sim_out(sim, c, r, out, c->nc, true);
	OPENSSL_cleanse(out, sizeof(out));
}

/* MF with EF16 (the terminal number), the DES application and the SM4
 * application with its DF01. */
int sim_fs_build_psam(sscard_sim *sim, const uint8_t *terminal, size_t len)
{
	int mf = sim_fs_add(sim, SIM_DF, "MF", SIM_NO_FILE, 0x3F00, 0);
	int ef, des, sm4, df01;

	if (mf == SIM_NO_FILE)
		return -1;
	ef = sim_fs_add(sim, SIM_EF_BINARY, "EF16", mf, 0x0016, PSAM_EF16_SFI);
	des = sim_fs_add(sim, SIM_DF, "DES", mf, 0, 0);
	sm4 = sim_fs_add(sim, SIM_DF, "SM4", mf, 0, 0);
	df01 = sm4 == SIM_NO_FILE ? SIM_NO_FILE : sim_fs_add(sim, SIM_DF, "SM4/DF01", sm4, 0xDF01, 0);
	if (ef == SIM_NO_FILE || des == SIM_NO_FILE || df01 == SIM_NO_FILE ||
	    !sim_fs_set_body(&sim->files[ef], terminal, len))
		return -1;
	memcpy(sim->files[des].aid, des_aid, sizeof(des_aid));
	sim->files[des].aid_len = sizeof(des_aid);
	memcpy(sim->files[sm4].aid, sm4_name, sizeof(sm4_name));
	sim->files[sm4].aid_len = sizeof(sm4_name);
	for (int f = mf; f <= df01; f++)
		sim->files[f].write_ac = SIM_AC_NEVER;
	sim->files[ef].read_ac = SIM_AC_FREE;
	return 0;
}

/* ---- the PSAM profile ---------------------------------------------------------- */

/* "usage" / "index": one byte as 2 hex digits ("48", "12"). */
static bool load_byte(sim_loader *ld, json_object *o, const char *name, const char *where,
                      uint8_t *out)
{
	char field[64];
	json_object *v;
	size_t n = 0;

	snprintf(field, sizeof(field), "%s.%s", where, name);
	if (!json_object_object_get_ex(o, name, &v))
		return sim_pfail(ld, field, "missing (2 hex digits)");
	if (!sim_phex(ld, v, field, out, 1, &n))
		return false;
	return n == 1 || sim_pfail(ld, field, "one byte (2 hex digits)");
}

static bool load_psam_key(sim_loader *ld, json_object *o, size_t i)
{
	static const char *const keys[] = { "name", "usage", "index", "algorithm",
		                            "master", "test", NULL };
	sim_key *k = &ld->sim->keys[ld->sim->nkeys];
	char where[32], field[64];
	json_object *v;
	const char *s;
	size_t n = 0;
	uint8_t usage = 0;

	if (!sim_key_start(ld, o, i, keys, k, where, sizeof(where)))
		return false;
	k->df = SIM_NO_FILE;
#define FIELD(name) (snprintf(field, sizeof(field), "%s.%s", where, name), field)
	if (!load_byte(ld, o, "usage", where, &usage) || !load_byte(ld, o, "index", where, &k->id))
		return false;
	if ((usage >> 5) == 0 || (usage >> 5) > PSAM_MAX_LEVELS)
		return sim_pfail(ld, FIELD("usage"), "the high 3 bits name 1 to 3 levels");
	k->cls = (sim_key_class)usage; /* a PSAM key's class is its usage byte */
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
	if (psam_key(ld->sim, k->alg, usage, k->id) != NULL)
		return sim_pfail(ld, where, "a second key with this algorithm, usage and index");
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
