/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The simulated card's security: access conditions, keys, GET CHALLENGE,
 * EXTERNAL / INTERNAL AUTHENTICATE, line-protection MACs, the holder PIN
 * and application block/unblock. Every cipher goes through lib/crypto.h,
 * the same code the library's secure channel uses.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "sim/sim_int.h"

#define MAC_INPUT_MAX (5u + 255u)

static void set_sw(sim_resp *r, uint16_t sw)
{
	r->sw = sw;
}

static uint16_t tries_sw(int tries)
{
	return tries <= 0 ? SW_BLOCKED : (uint16_t)(SW_TRIES_LEFT | (tries & 0x0F));
}

bool sim_ac_ok(const sscard_sim *sim, const sim_file *f, bool write)
{
	switch (write ? f->write_ac : f->read_ac) {
	case SIM_AC_FREE:
		return true;
	case SIM_AC_PIN:
		return sim->pin_ok;
	case SIM_AC_EXT:
		/* the security register holds the file's key, granted in its DF
		 * or above */
		return sim->auth_df != SIM_NO_FILE &&
		       sim_fs_is_below(sim, f->parent, sim->auth_df) &&
		       sim->auth_key == (write ? f->write_key : f->read_key);
	case SIM_AC_NEVER:
	default:
		return false;
	}
}

uint16_t sim_ac_sw(sim_ac ac)
{
	return ac == SIM_AC_NEVER ? SW_NO_CURRENT_EF : SW_SECURITY;
}

/* The nearest key of class `cls` (and id, unless any_id) in the current DF
 * or the DFs above it. */
const sim_key *sim_find_key(const sscard_sim *sim, sim_key_class cls, uint8_t id,
                            bool any_id)
{
	for (int df = sim->cur_df; df != SIM_NO_FILE; df = sim->files[df].parent)
		for (size_t i = 0; i < sim->nkeys; i++) {
			const sim_key *k = &sim->keys[i];

			if (k->df == df && k->cls == cls && (any_id || k->id == id))
				return k;
		}
	return NULL;
}

/* The keys EXTERNAL AUTHENTICATE may name: the read, update and unblock
 * keys (not IRK, not STK). */
static sim_key *find_auth_key(sscard_sim *sim, uint8_t id)
{
	static const sim_key_class classes[] = { SIM_KEY_EXTERNAL, SIM_KEY_UPDATE,
		                                 SIM_KEY_UPDATE_EF0D, SIM_KEY_UNBLOCK };

	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		const sim_key *k = sim_find_key(sim, classes[i], id, false);
		if (k)
			return (sim_key *)k;
	}
	return NULL;
}

static void consume_challenge(sscard_sim *sim)
{
	OPENSSL_cleanse(sim->challenge, sizeof(sim->challenge));
	sim->challenge_len = 0;
}

void sim_forget_line_key(sscard_sim *sim)
{
	OPENSSL_cleanse(sim->line_pk, sizeof(sim->line_pk));
}

/* A CLA 84 command: the MAC (last 4 bytes) over the header and data, by
 * the line key's process key for the card's challenge (design.md s.4,
 * lib/session.h); the process key is kept for the command (PIN reload
 * decrypts with it) until sim_forget_line_key(). */
uint16_t sim_check_mac(sscard_sim *sim, sim_key_class cls, const uint8_t *hdr,
                       const uint8_t *data, size_t nc)
{
	uint8_t input[MAC_INPUT_MAX], mac[SSCARD_MAC_LEN];
	const sim_key *k;
	size_t n;
	uint16_t sw = SW_OK;

	if (nc < SSCARD_MAC_LEN || nc > 255u)
		return SW_WRONG_LENGTH;
	if (sim->challenge_len != SSCARD_PROCESS_LEN)
		return SW_RANDOM_INVALID;
	k = sim_find_key(sim, cls, 0, true);
	if (k == NULL) {
		consume_challenge(sim);
		return SW_KEY_NOT_FOUND;
	}
	n = nc - SSCARD_MAC_LEN;
	memcpy(input, hdr, 5);
	if (n > 0)
		memcpy(input + 5, data, n);
	if (sscard_session_key(sim->alg, k->value, sim->challenge, sim->line_pk) != SSCARD_OK ||
	    sscard_session_mac(sim->alg, sim->line_pk, input, 5 + n, mac) != SSCARD_OK)
		sw = SW_DATA_INVALID;
	else if (CRYPTO_memcmp(mac, data + n, SSCARD_MAC_LEN) != 0)
		sw = SW_MAC_WRONG;
	if (sw != SW_OK)
		sim_forget_line_key(sim);
	consume_challenge(sim);
	OPENSSL_cleanse(mac, sizeof(mac));
	OPENSSL_cleanse(input, sizeof(input));
	return sw;
}

/* ---- GET CHALLENGE / authentication ---------------------------------- */

/* 00 84 00 00 08 (4 accepted too); 16 bytes is the PKI application's
 * form, never the social security application's: refused. */
void sim_get_challenge(sscard_sim *sim, const sim_cmd *c, sim_resp *r)
{
	size_t ne = c->has_le ? c->ne : (sim->protocol == 0 ? 256u : 0u);

	if (c->p1 != 0 || c->p2 != 0) {
		set_sw(r, SW_WRONG_P1P2);
		return;
	}
	if (c->nc != 0 || (ne != 4 && ne != SSCARD_PROCESS_LEN)) {
		set_sw(r, SW_WRONG_LENGTH);
		return;
	}
	if (sscard_crypto_random(sim->challenge, ne) != SSCARD_OK) {
		consume_challenge(sim);
		set_sw(r, SW_DATA_INVALID);
		return;
	}
	sim->challenge_len = ne;
	sim_out(sim, c, r, sim->challenge, ne, false);
}

/* A wrong cryptogram costs the key one try when it has a counter. */
static uint16_t auth_failed(sim_key *k)
{
	if (k->max_tries == 0)
		return SW_AUTH_FAILED;
	if (k->tries > 0)
		k->tries--;
	return tries_sw(k->tries);
}

/* 00 82 00 <key id> 10 <cryptogram 8><original 8> (Lc 11: a key-version
 * byte follows, as field code sends on SM4 cards). The cryptogram must be
 * the original under the process key the key derives from the card's
 * challenge. Success puts the key in the security register. */
void sim_external_auth(sscard_sim *sim, const sim_cmd *c, sim_resp *r)
{
	uint8_t expect[SSCARD_CRYPTOGRAM_LEN];
	sim_key *k;
	bool ok;

	if (c->p1 != 0) {
		set_sw(r, SW_WRONG_P1P2);
		return;
	}
	k = find_auth_key(sim, c->p2);
	if (k == NULL) {
		set_sw(r, SW_KEY_NOT_FOUND);
		return;
	}
	if (k->max_tries > 0 && k->tries == 0) {
		set_sw(r, SW_BLOCKED);
		return;
	}
	if (c->nc != 2 * SSCARD_CRYPTOGRAM_LEN && c->nc != 2 * SSCARD_CRYPTOGRAM_LEN + 1) {
		set_sw(r, SW_WRONG_LENGTH);
		return;
	}
	if (sim->challenge_len != SSCARD_PROCESS_LEN) {
		consume_challenge(sim);
		set_sw(r, SW_RANDOM_INVALID);
		return;
	}
	ok = sscard_session_cryptogram(sim->alg, k->value, sim->challenge,
	                               c->data + SSCARD_CRYPTOGRAM_LEN, expect) == SSCARD_OK &&
	     CRYPTO_memcmp(expect, c->data, SSCARD_CRYPTOGRAM_LEN) == 0;
	consume_challenge(sim);
	OPENSSL_cleanse(expect, sizeof(expect));
	sim->auth_df = SIM_NO_FILE; /* a failed attempt clears the register */
	if (!ok) {
		set_sw(r, auth_failed(k));
		return;
	}
	k->tries = k->max_tries;
	sim->auth_df = k->df;
	sim->auth_key = k->id;
	sim->auth_cls = k->cls;
	set_sw(r, SW_OK);
}

/* 00 88 00 <IRK id> 10 <process factor 8><original 8>: the answer is the
 * original's cryptogram under the process key of the factor (8 bytes). */
void sim_internal_auth(sscard_sim *sim, const sim_cmd *c, sim_resp *r)
{
	uint8_t out[SSCARD_CRYPTOGRAM_LEN];
	const sim_key *k;

	if (c->p1 != 0) {
		set_sw(r, SW_WRONG_P1P2);
		return;
	}
	k = sim_find_key(sim, SIM_KEY_INTERNAL, c->p2, false);
	if (k == NULL) {
		set_sw(r, SW_KEY_NOT_FOUND);
		return;
	}
	if (c->nc != 2 * SSCARD_CRYPTOGRAM_LEN && c->nc != 2 * SSCARD_CRYPTOGRAM_LEN + 1) {
		set_sw(r, SW_WRONG_LENGTH);
		return;
	}
	if (sscard_session_cryptogram(sim->alg, k->value, c->data,
	                              c->data + SSCARD_CRYPTOGRAM_LEN, out) != SSCARD_OK) {
		set_sw(r, SW_DATA_INVALID);
		return;
	}
	sim_out(sim, c, r, out, sizeof(out), true);
	OPENSSL_cleanse(out, sizeof(out));
}

/* ---- PIN --------------------------------------------------------------- */

/* BCD PIN, F-padded at the end, to ASCII digits; false if malformed. */
static bool pin_from_bcd(const uint8_t *bcd, size_t n, char out[SIM_PIN_MAX_DIGITS + 1])
{
	size_t digits = 0;
	bool padding = false;

	if (n == 0 || n * 2 > SIM_PIN_MAX_DIGITS)
		return false;
	for (size_t i = 0; i < n * 2; i++) {
		unsigned nib = (i % 2 == 0) ? (unsigned)(bcd[i / 2] >> 4) : (unsigned)(bcd[i / 2] & 0x0Fu);

		if (nib == 0x0F) {
			padding = true;
			continue;
		}
		if (padding || nib > 9)
			return false;
		out[digits++] = (char)('0' + nib);
	}
	out[digits] = '\0';
	return digits >= 4;
}

static bool pin_matches(const sscard_sim *sim, const char *pin)
{
	size_t n = strlen(pin);

	return n == strlen(sim->pin) && CRYPTO_memcmp(pin, sim->pin, n) == 0;
}

/* Compare a presented PIN, spending a try when wrong. */
static uint16_t present_pin(sscard_sim *sim, const char *pin)
{
	if (!pin_matches(sim, pin)) {
		sim->pin_ok = false;
		if (sim->pin_tries > 0)
			sim->pin_tries--;
		return tries_sw(sim->pin_tries);
	}
	sim->pin_tries = sim->pin_max;
	sim->pin_ok = true;
	return SW_OK;
}

void sim_verify(sscard_sim *sim, const sim_cmd *c, sim_resp *r)
{
	char pin[SIM_PIN_MAX_DIGITS + 1];

	if (c->p1 != 0 || c->p2 != 0) {
		set_sw(r, SW_WRONG_P1P2);
		return;
	}
	if (sim->pin_tries <= 0) {
		set_sw(r, SW_BLOCKED);
		return;
	}
	if (c->nc == 0) { /* ask for the tries left; spends nothing */
		set_sw(r, sim->pin_ok ? SW_OK : tries_sw(sim->pin_tries));
		return;
	}
	if (c->nc > SIM_PIN_MAX_DIGITS / 2) {
		set_sw(r, SW_WRONG_LENGTH);
		return;
	}
	if (!pin_from_bcd(c->data, c->nc, pin)) {
		set_sw(r, SW_WRONG_DATA);
		return;
	}
	set_sw(r, present_pin(sim, pin));
	OPENSSL_cleanse(pin, sizeof(pin));
}

/* 80 5E 01 00 Lc <old BCD> FF <new BCD> */
void sim_change_pin(sscard_sim *sim, const sim_cmd *c, sim_resp *r)
{
	char old_pin[SIM_PIN_MAX_DIGITS + 1], new_pin[SIM_PIN_MAX_DIGITS + 1];
	const uint8_t *sep;
	size_t old_len;
	uint16_t sw;

	if (c->p1 > 1 || c->p2 != 0) {
		set_sw(r, SW_WRONG_P1P2);
		return;
	}
	if (sim->pin_tries <= 0) {
		set_sw(r, SW_BLOCKED);
		return;
	}
	sep = c->nc > 0 ? memchr(c->data, 0xFF, c->nc) : NULL;
	if (sep == NULL) {
		set_sw(r, c->nc == 0 ? SW_WRONG_LENGTH : SW_WRONG_DATA);
		return;
	}
	old_len = (size_t)(sep - c->data);
	if (!pin_from_bcd(c->data, old_len, old_pin) ||
	    !pin_from_bcd(sep + 1, c->nc - old_len - 1, new_pin)) {
		set_sw(r, SW_WRONG_DATA);
		goto out;
	}
	sw = present_pin(sim, old_pin);
	if (sw == SW_OK)
		memcpy(sim->pin, new_pin, sizeof(sim->pin));
	set_sw(r, sw);
out:
	OPENSSL_cleanse(old_pin, sizeof(old_pin));
	OPENSSL_cleanse(new_pin, sizeof(new_pin));
}

/* The reload block: <digit count> <BCD PIN, F-padded> 80 00.., encrypted
 * (ECB) under the line key's process key of this command's challenge. */
static bool decrypt_reload(const sscard_sim *sim, const uint8_t *enc, size_t n,
                           char pin[SIM_PIN_MAX_DIGITS + 1])
{
	uint8_t plain[32];
	size_t bs = sscard_alg_block(sim->alg), digits, bytes;
	bool ok = false;

	if (n == 0 || n > sizeof(plain) || n % bs != 0 ||
	    sscard_session_decrypt(sim->alg, sim->line_pk, enc, n, plain) != SSCARD_OK)
		goto out;
	digits = plain[0];
	bytes = (digits + 1) / 2;
	if (digits < 4 || digits > SIM_PIN_MAX_DIGITS || 1 + bytes >= n ||
	    plain[1 + bytes] != 0x80)
		goto out;
	ok = pin_from_bcd(plain + 1, bytes, pin) && strlen(pin) == digits;
out:
	OPENSSL_cleanse(plain, sizeof(plain));
	return ok;
}

/* After EXTERNAL AUTHENTICATE with the PUK: 84 24 00 00 04 <MAC> unblock
 * (reset the counter); 84 24 00 01 Lc <encrypted new PIN> <MAC> reload
 * with a new PIN. */
void sim_unblock_pin(sscard_sim *sim, const sim_cmd *c, sim_resp *r)
{
	char pin[SIM_PIN_MAX_DIGITS + 1];

	if (c->p1 != 0 || c->p2 > 1) {
		set_sw(r, SW_WRONG_P1P2);
		return;
	}
	/* the PUK first (EXTERNAL AUTHENTICATE, key 06), then the line MAC */
	if (sim->auth_df == SIM_NO_FILE || sim->auth_cls != SIM_KEY_UNBLOCK) {
		set_sw(r, SW_SECURITY);
		return;
	}
	if (c->p2 == 0) {
		if (c->nc != 0) {
			set_sw(r, SW_WRONG_LENGTH);
			return;
		}
		sim->pin_tries = sim->pin_max;
		set_sw(r, SW_OK);
		return;
	}
	if (!decrypt_reload(sim, c->data, c->nc, pin)) {
		set_sw(r, SW_WRONG_DATA);
		return;
	}
	memcpy(sim->pin, pin, sizeof(sim->pin));
	OPENSSL_cleanse(pin, sizeof(pin));
	sim->pin_tries = sim->pin_max;
	sim->pin_ok = false;
	set_sw(r, SW_OK);
}

/* ---- application lifecycle ---------------------------------------------- */

/* 84 1E 00 <00 temporary | 01 permanent> 04 <MAC>, on the current DF. */
void sim_app_block(sscard_sim *sim, const sim_cmd *c, sim_resp *r)
{
	sim_file *df = &sim->files[sim->cur_df];

	if (c->p1 != 0 || c->p2 > 1) {
		set_sw(r, SW_WRONG_P1P2);
		return;
	}
	if (c->nc != 0) {
		set_sw(r, SW_WRONG_LENGTH);
		return;
	}
	if (df->parent == SIM_NO_FILE) { /* the MF is not an application */
		set_sw(r, SW_CONDITIONS);
		return;
	}
	df->life = c->p2 == 0 ? SIM_LIFE_BLOCKED : SIM_LIFE_LOCKED;
	set_sw(r, SW_OK);
}

/* 84 18 00 00 04 <MAC>: only a temporary block can be lifted. */
void sim_app_unblock(sscard_sim *sim, const sim_cmd *c, sim_resp *r)
{
	sim_file *df = &sim->files[sim->cur_df];

	if (c->p1 != 0 || c->p2 != 0) {
		set_sw(r, SW_WRONG_P1P2);
		return;
	}
	if (c->nc != 0) {
		set_sw(r, SW_WRONG_LENGTH);
		return;
	}
	if (sim_fs_life(sim, sim->cur_df) == SIM_LIFE_LOCKED) {
		set_sw(r, SW_APP_LOCKED);
		return;
	}
	df->life = SIM_LIFE_ACTIVE;
	set_sw(r, SW_OK);
}
