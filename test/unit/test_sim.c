/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The simulated card, APDU by APDU: file system and SELECT forms, the
 * READ RECORD forms of design.md s.4, T=0 61xx/6Cxx and T=1, every status
 * word of issue #3, PIN, authentication and MACs computed independently
 * here with lib/crypto.h, lifecycle, every fault, the profile loader's
 * errors, and the "sim:" transport through sscard_connect().
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto.h"
#include "elements.h"
#include "internal.h"
#include "keys.h"
#include "session.h"
#include "sim/sim_int.h"
#include "validate.h"

#define SSSE_SELECT "00A404000F7378312E73682EC9E7BBE1B1A3D5CF"
/* the FCI of SSSE: name, and in A5 the algorithm (9F0C 03 86 01 <flag>) */
#define SSSE_FCI_ALG(flag) "6F1984" "0F7378312E73682EC9E7BBE1B1A3D5CF" "A5069F0C038601" flag
#define SSSE_FCI SSSE_FCI_ALG("03")

/* ---- helpers ------------------------------------------------------------- */

static void profile_path(const char *name, char *out, size_t outsz)
{
	const char *dir = getenv("SSCARD_VECTORS");

	snprintf(out, outsz, "%s/cards/%s", dir != NULL ? dir : "vectors", name);
}

static sscard_sim *load(const char *name)
{
	char path[512], err[512] = "";
	uint8_t atr[64];
	size_t atrlen = sizeof(atr);
	sscard_sim *sim = NULL;

	profile_path(name, path, sizeof(path));
	if (sscard_sim_load(path, &sim, err, sizeof(err)) != SSCARD_OK)
		fail_msg("%s", err);
	assert_int_equal(sscard_sim_power_on(sim, 1, atr, &atrlen), SSCARD_OK);
	return sim;
}

/* Send hex, return the answer as hex (data + SW) in a static buffer. */
static const char *tx(sscard_sim *sim, const char *capdu_hex)
{
	static char out[2 * 600 + 1];
	uint8_t c[300], r[600];
	size_t clen = 0, rlen = sizeof(r);

	assert_int_equal(sscard_hex_decode(capdu_hex, c, sizeof(c), &clen), SSCARD_OK);
	assert_int_equal(sscard_sim_apdu(sim, c, clen, r, &rlen), SSCARD_OK);
	sscard_hex_encode(r, rlen, out, sizeof(out));
	return out;
}

static void expect(sscard_sim *sim, const char *capdu_hex, const char *answer_hex)
{
	const char *got = tx(sim, capdu_hex);

	if (strcmp(got, answer_hex) != 0)
		fail_msg("%s -> %s, expected %s", capdu_hex, got, answer_hex);
}

/* The status word only (last 4 hex digits). */
static void expect_sw(sscard_sim *sim, const char *capdu_hex, const char *sw)
{
	const char *got = tx(sim, capdu_hex);

	if (strcmp(got + strlen(got) - 4, sw) != 0)
		fail_msg("%s -> %s, expected SW %s", capdu_hex, got, sw);
}

static sscard_rc tx_rc(sscard_sim *sim, const char *capdu_hex)
{
	uint8_t c[300], r[600];
	size_t clen = 0, rlen = sizeof(r);

	assert_int_equal(sscard_hex_decode(capdu_hex, c, sizeof(c), &clen), SSCARD_OK);
	return sscard_sim_apdu(sim, c, clen, r, &rlen);
}

/* SELECT SSSE and its FCI (whose last byte names the algorithm: 01 DES,
 * 03 SM4, the profile's). */
static void select_ssse(sscard_sim *sim)
{
	const char *got;

	expect(sim, SSSE_SELECT, "611B");
	got = tx(sim, "00C000001B");
	if (strncmp(got, SSSE_FCI, strlen(SSSE_FCI) - 2) != 0 || strlen(got) != 27 * 2 + 4 ||
	    strcmp(got + strlen(got) - 4, "9000") != 0)
		fail_msg("SSSE FCI: %s", got);
}

/* ---- the keystore convention, computed here from lib/crypto.h ------------ */

#define CITY_CARD 2u      /* most keys: diversified city, card */
#define PROV_CITY_CARD 3u /* IRK, RK1DF04: province, city, card */

static void card_factors(sscard_sim *sim, sscard_div_factors *f)
{
	int ef = sim_fs_by_path(sim, "SSSE/EF05");
	int rec;

	assert_true(ef != SIM_NO_FILE);
	rec = sim_fs_record_by_tag(&sim->files[ef], 0x01);
	assert_true(rec >= 0);
	assert_int_equal(sscard_div_factors_make(sim->atr, sim->atr_len,
	                                         sim->files[ef].records[rec].data + 2, 16, f),
	                 SSCARD_OK);
}

/* The card's key of a profile's master, diversified with the profile's
 * levels (2: city, card; 3: province, city, card), one
 * sscard_crypto_diversify() step a level, factors from the ATR and tag 01. */
static void card_key(sscard_sim *sim, const char *master_hex, size_t nlevels,
                     uint8_t out[SSCARD_KEY_LEN])
{
	uint8_t next[SSCARD_KEY_LEN];
	const uint8_t *factor[3];
	sscard_div_factors f;
	size_t n = 0;

	assert_true(nlevels == CITY_CARD || nlevels == PROV_CITY_CARD);
	assert_int_equal(sscard_hex_decode(master_hex, out, SSCARD_KEY_LEN, &n), SSCARD_OK);
	assert_int_equal(n, SSCARD_KEY_LEN);
	card_factors(sim, &f);
	factor[0] = f.province;
	factor[1] = f.city;
	factor[2] = f.card;
	for (size_t i = 3 - nlevels; i < 3; i++) {
		assert_int_equal(sscard_crypto_diversify(sim->alg, out, factor[i], SSCARD_FACTOR_LEN,
		                                         next),
		                 SSCARD_OK);
		memcpy(out, next, SSCARD_KEY_LEN);
	}
}

/* The process key: E(K', process || 00.. to a block); DES: the 8 bytes as
 * a single-DES key (doubled). */
static void process_key(sscard_alg alg, const uint8_t key[SSCARD_KEY_LEN],
                        const uint8_t process[8], uint8_t pk[SSCARD_KEY_LEN])
{
	uint8_t in[16] = { 0 };
	size_t bs = sscard_alg_block(alg);

	memcpy(in, process, 8);
	assert_int_equal(sscard_crypto_ecb(alg, key, true, in, bs, pk), SSCARD_OK);
	if (bs == 8)
		memcpy(pk + 8, pk, 8);
}

/* The cryptogram: the original (SM4: || 00 x8) under the process key,
 * SM4 folded to 8 bytes by XOR of the halves. */
static void cryptogram(sscard_alg alg, const uint8_t key[SSCARD_KEY_LEN], const uint8_t process[8],
                       const uint8_t original[8], uint8_t out[8])
{
	uint8_t pk[SSCARD_KEY_LEN], in[16] = { 0 }, enc[16], lib[8];
	size_t bs = sscard_alg_block(alg);

	process_key(alg, key, process, pk);
	memcpy(in, original, 8);
	assert_int_equal(sscard_crypto_ecb(alg, pk, true, in, bs, enc), SSCARD_OK);
	memcpy(out, enc, 8);
	for (size_t i = 0; bs == 16 && i < 8; i++)
		out[i] ^= enc[8 + i];
	/* the library's convention (lib/session.c) agrees */
	assert_int_equal(sscard_session_cryptogram(alg, key, process, original, lib), SSCARD_OK);
	assert_memory_equal(out, lib, 8);
}

/* The line MAC: 80-padding, CBC from a zero IV block by block under the
 * process key; DES the first 4 bytes, SM4 the XOR of the four words. */
static void line_mac(sscard_alg alg, const uint8_t pk[SSCARD_KEY_LEN], const uint8_t *data,
                     size_t len, uint8_t mac[SSCARD_MAC_LEN])
{
	uint8_t x[16] = { 0 }, lib[SSCARD_MAC_LEN];
	size_t bs = sscard_alg_block(alg), padded = (len / bs + 1) * bs;

	for (size_t off = 0; off < padded; off += bs) {
		for (size_t i = 0; i < bs; i++)
			x[i] ^= off + i < len ? data[off + i] : (off + i == len ? 0x80 : 0x00);
		assert_int_equal(sscard_crypto_ecb(alg, pk, true, x, bs, x), SSCARD_OK);
	}
	memcpy(mac, x, SSCARD_MAC_LEN);
	for (size_t w = 1; bs == 16 && w < 4; w++)
		for (size_t i = 0; i < SSCARD_MAC_LEN; i++)
			mac[i] ^= x[w * SSCARD_MAC_LEN + i];
	assert_int_equal(sscard_session_mac(alg, pk, data, len, lib), SSCARD_OK);
	assert_memory_equal(mac, lib, SSCARD_MAC_LEN);
}

static size_t challenge(sscard_sim *sim, size_t len, uint8_t *out)
{
	uint8_t buf[20];
	char cmd[16];
	const char *got;
	size_t n = 0;

	snprintf(cmd, sizeof(cmd), "00840000%02zX", len);
	got = tx(sim, cmd);
	assert_int_equal(sscard_hex_decode(got, buf, sizeof(buf), &n), SSCARD_OK);
	assert_int_equal(n, len + 2);
	assert_int_equal(buf[len] << 8 | buf[len + 1], 0x9000);
	memcpy(out, buf, len);
	return len;
}

static const uint8_t original[8] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };

/* 00 82 00 <id> Lc <cryptogram of `original` under `key` for the challenge
 * `ch`><original><tail> (tail: a key-version byte, Lc 11). */
static void ext_auth_cmd(sscard_alg alg, const uint8_t key[SSCARD_KEY_LEN], uint8_t id,
                         const uint8_t ch[8], const char *tail, char cmd[80])
{
	uint8_t cg[8];
	char cg_hex[17], orig_hex[17];

	cryptogram(alg, key, ch, original, cg);
	sscard_hex_encode(cg, 8, cg_hex, sizeof(cg_hex));
	sscard_hex_encode(original, 8, orig_hex, sizeof(orig_hex));
	snprintf(cmd, 80, "008200%02X%02zX%s%s%s", id, 16 + strlen(tail) / 2, cg_hex, orig_hex,
	         tail);
}

/* EXTERNAL AUTHENTICATE in the field form: GET CHALLENGE (8), then the
 * command above; the answer. */
static const char *ext_auth_tail(sscard_sim *sim, const uint8_t key[SSCARD_KEY_LEN], uint8_t id,
                                 const char *tail)
{
	uint8_t ch[8];
	char cmd[80];

	challenge(sim, 8, ch);
	ext_auth_cmd(sim->alg, key, id, ch, tail, cmd);
	return tx(sim, cmd);
}

static const char *ext_auth(sscard_sim *sim, const uint8_t key[SSCARD_KEY_LEN], uint8_t id)
{
	return ext_auth_tail(sim, key, id, "");
}

/* A CLA 84 command: GET CHALLENGE (8); the data, encrypted (ECB) under
 * the line key's process key when `encrypt` (PIN RELOAD); the MAC over the
 * header (Lc counting the MAC) and the data, under that process key. */
static const char *tx_line(sscard_sim *sim, const uint8_t stk[SSCARD_KEY_LEN],
                           const char *hdr4_hex, const char *data_hex, bool encrypt)
{
	uint8_t ch[8], pk[SSCARD_KEY_LEN], input[300];
	size_t dlen = 0, n = 0;
	static char cmd[700];

	challenge(sim, 8, ch);
	process_key(sim->alg, stk, ch, pk);
	assert_int_equal(sscard_hex_decode(hdr4_hex, input, 4, &n), SSCARD_OK);
	assert_int_equal(sscard_hex_decode(data_hex, input + 5, 200, &dlen), SSCARD_OK);
	if (encrypt) {
		assert_true(dlen > 0 && dlen % sscard_alg_block(sim->alg) == 0);
		assert_int_equal(sscard_crypto_ecb(sim->alg, pk, true, input + 5, dlen, input + 5),
		                 SSCARD_OK);
	}
	input[4] = (uint8_t)(dlen + SSCARD_MAC_LEN);
	line_mac(sim->alg, pk, input, 5 + dlen, input + 5 + dlen);
	sscard_hex_encode(input, 5 + dlen + SSCARD_MAC_LEN, cmd, sizeof(cmd));
	return tx(sim, cmd);
}

/* The test masters of healthy-v2.json (DES) and healthy-v3.json (SM4). */
#define V2_RK "0F1E2D3C4B5A69788796A5B4C3D2E1F0"      /* RKSSSE 0A, city card */
#define V2_IRK "F0E1D2C3B4A5968778695A4B3C2D1E0F"     /* IRK 00, province city card */
#define V2_PUK "A1A1A1A1A1A1A1A1B2B2B2B2B2B2B2B2"     /* PUK 06 */
#define V2_STK "C3C3C3C3C3C3C3C3D4D4D4D4D4D4D4D4"     /* STK 02 */
#define V2_UK "1357913579135791246802468024680A"      /* UKSSSE 04 */
#define V2_RK1DF04 "E5E5E5E5E5E5E5E5F6F6F6F6F6F6F6F6" /* RK1DF04 84, province city card */
#define V2_STKDF04 "0707070707070707F8F8F8F8F8F8F8F8" /* STKDF04 82 */
#define V3_RK "00112233445566778899AABBCCDDEEFF"
#define V3_IRK "0123456789ABCDEFFEDCBA9876543210"
#define V3_STK "33333333333333334444444444444444"
#define V3_UK "99999999999999990000000000000000"
#define V3_UK1 "ABABABABABABABABCDCDCDCDCDCDCDCD"     /* UK1SSSE 0D (EF0D) */
#define V3_RK1DF04 "55555555555555556666666666666666"

/* ---- power and ATR -------------------------------------------------------- */

static void test_atr_and_power(void **state)
{
	char path[512], err[256];
	uint8_t atr[40];
	size_t atrlen = sizeof(atr);
	sscard_sim *sim = NULL;
	char hex[100];

	(void)state;
	profile_path("healthy-v3.json", path, sizeof(path));
	assert_int_equal(sscard_sim_load(path, &sim, err, sizeof(err)), SSCARD_OK);
	assert_int_equal(sscard_sim_power_on(sim, 1, atr, &atrlen), SSCARD_OK);
	sscard_hex_encode(atr, atrlen, hex, sizeof(hex));
	assert_string_equal(hex, "3B6D000000905431168660130425001C4E");
	assert_int_equal(sscard_sim_protocol(sim), 0);
	/* a power cycle loses the selection */
	select_ssse(sim);
	sscard_sim_power_off(sim);
	assert_int_equal(tx_rc(sim, "00B2083014"), SSCARD_E_CARD_REMOVED);
	atrlen = 4;
	assert_int_equal(sscard_sim_power_on(sim, 0, atr, &atrlen), SSCARD_E_BUFFER_TOO_SMALL);
	atrlen = sizeof(atr);
	assert_int_equal(sscard_sim_power_on(sim, 0, atr, &atrlen), SSCARD_OK);
	expect(sim, "00B2083014", "6A82");
	sscard_sim_free(&sim);
	assert_null(sim);

	sim = load("healthy-v2-t1.json");
	assert_int_equal(sscard_sim_protocol(sim), 1);
	sscard_sim_free(&sim);
}

static void test_mute_and_bad_atr(void **state)
{
	char path[512], err[256];
	uint8_t atr[40];
	size_t atrlen = sizeof(atr);
	sscard_sim *sim = NULL;
	char hex[100];

	(void)state;
	profile_path("mute.json", path, sizeof(path));
	assert_int_equal(sscard_sim_load(path, &sim, err, sizeof(err)), SSCARD_OK);
	assert_int_equal(sscard_sim_power_on(sim, 1, atr, &atrlen), SSCARD_OK);
	assert_int_equal(atrlen, 0);
	assert_int_equal(tx_rc(sim, SSSE_SELECT), SSCARD_E_MUTE);
	assert_int_equal(sscard_sim_delay_ms(sim), 0);
	sscard_sim_free(&sim);

	profile_path("bad-atr.json", path, sizeof(path));
	assert_int_equal(sscard_sim_load(path, &sim, err, sizeof(err)), SSCARD_OK);
	atrlen = sizeof(atr);
	assert_int_equal(sscard_sim_power_on(sim, 1, atr, &atrlen), SSCARD_OK);
	sscard_hex_encode(atr, atrlen, hex, sizeof(hex));
	assert_string_equal(hex, "3B6D0000008754");
	sscard_sim_free(&sim);
}

/* ---- SELECT ---------------------------------------------------------------- */

static void test_select_forms(void **state)
{
	sscard_sim *sim = load("healthy-v3.json");

	(void)state;
	/* by DF name: 61xx then the FCI by GET RESPONSE, in pieces too */
	expect(sim, SSSE_SELECT, "611B");
	expect(sim, "00C000001C", "6C1B");
	expect(sim, "00C0000005", "6F19840F736116");
	/* ... whose A5 names the algorithm: 9F0C 03 86 01 03 (SM4) */
	expect(sim, "00C0000016", "78312E73682EC9E7BBE1B1A3D5CFA5069F0C0386010390" "00");
	expect(sim, "00C0000001", "6985"); /* nothing left */
	/* partial DF name */
	expect(sim, "00A40400077378312E73682E", "611B");
	/* by FID: DF04 beside SSSE's EFs, then its EF06 */
	expect(sim, "00A4000C02DF04", "9000");
	expect(sim, "00A4000002EF06", "610D");
	expect(sim, "00C000000D", "620B820104" "8302EF06" "80020003" "9000");
	/* back to the MF and by path from the current DF */
	expect(sim, "00A40000023F00", "6104");
	select_ssse(sim);
	expect(sim, "00A4090C04DF04EF05", "9000");
	expect(sim, "00B2012C0A", "81083131303030303030" "9000");
	/* P2 0C: no answer data */
	expect(sim, "00A4040C0F7378312E73682EC9E7BBE1B1A3D5CF", "9000");
	/* errors */
	expect(sim, "00A4000002EF99", "6A82");
	expect(sim, "00A40400051122334455", "6A82");
	expect(sim, "00A40800043F00DF04", "6A82");
	expect(sim, "00A4000003EF0500", "6700");
	expect(sim, "00A4010002DF04", "6A81");
	expect(sim, "00A4000102EF05", "6A86");
	expect(sim, "00A4700002EF05", "6A86");
	sscard_sim_free(&sim);
}

/* ---- READ RECORD and T=0 / T=1 ------------------------------------------------ */

static void test_read_record_forms(void **state)
{
	sscard_sim *sim = load("healthy-v2.json");

	(void)state;
	select_ssse(sim);
	/* by identifier (tag) and SFI: 00 B2 08 30 14 reads the SSN */
	expect(sim, "00B2083014", "0812" "363330313032313937353033313530303235" "9000");
	/* by number and SFI: in EF05 numbers equal tags */
	expect(sim, "00B2072C0B", "0709" "583030303030303139" "9000");
	/* in EF06 they do not: record 1 is tag 08 */
	expect(sim, "00B2013414", "0812" "363330313032313937353033313530303235" "9000");
	/* the current EF (set by the last READ RECORD) by identifier, P2 = 00 */
	expect(sim, "00B20A0003", "0A01329000");
	/* all records from 1: wrong Le first, then the right one */
	expect(sim, "00B2012DFF", "6C40");
	assert_int_equal(strlen(tx(sim, "00B2012D40")), 2 * 0x40 + 4);
	/* T=0: a wrong Le is 6Cxx with the length, no data */
	expect(sim, "00B2083010", "6C14");
	expect(sim, "00B2083000", "6C14");
	/* errors */
	expect(sim, "00B2773014", "6A83");
	expect(sim, "00B2093414", "6A83"); /* no record 9 */
	expect(sim, "00B2003414", "6A86");
	expect(sim, "00B2083714", "6A86");
	expect(sim, "00B2085014", "6A82"); /* SFI 10 */
	expect(sim, "00A40000023F00", "6104");
	expect(sim, "00B2080014", "6986"); /* no current EF */
	sscard_sim_free(&sim);
}

static void test_t1(void **state)
{
	sscard_sim *sim = load("healthy-v2-t1.json");

	(void)state;
	/* case 4 without Le: selected, no data; with Le: the FCI at once */
	expect(sim, SSSE_SELECT, "9000");
	expect(sim, SSSE_SELECT "00", SSSE_FCI_ALG("01") "9000");
	/* Le 00 = up to 256 */
	expect(sim, "00B2083000", "0812" "363330313032313937353033313530303235" "9000");
	/* a short Le: what fits, the rest by GET RESPONSE */
	expect(sim, "00B2083005", "0812363330" "610F");
	expect(sim, "00C000000F", "313032313937353033313530303235" "9000");
	/* a case 2 command without Le */
	expect(sim, "00B20830", "6700");
	sscard_sim_free(&sim);
}

static void test_status_words(void **state)
{
	sscard_sim *sim = load("healthy-v3.json");

	(void)state;
	select_ssse(sim);
	expect(sim, "00FE000000", "6D00");        /* INS not supported */
	expect(sim, "A0B2083014", "6E00");        /* CLA not supported */
	expect(sim, "00DC08300100", "6982");      /* EF06 is written after UKSSSE (04) */
	expect(sim, "04DC0830050100000000", "6E00"); /* no MAC'd (CLA 04) write */
	expect(sim, "0084000010", "6700");        /* a 16-byte challenge */
	expect(sim, "00B2083014", "6982");        /* 3.0: EF06 needs external auth */
	expect(sim, "00B20830", "6982");
	expect(sim, "00B207280B", "0709" "413030303030303139" "9000");
	expect(sim, "00A4000003EF0500", "6700");  /* a FID of 3 bytes */
	/* malformed: Lc says 5, 2 bytes follow */
	expect(sim, "00A4000005EF05", "6700");
	expect(sim, "0084000003", "6700");        /* challenge of 3 bytes */
	expect(sim, "0084010008", "6A86");
	expect(sim, "00B0800000", "6981");        /* READ BINARY on a record file (SFI 0 = current EF05) */
	expect(sim, "00B0870000", "6982");        /* EF07 needs ext on 3.0 */
	expect(sim, "00C0000000", "6985");        /* nothing to get */
	sscard_sim_free(&sim);

	sim = load("chip-error.json");
	select_ssse(sim);
	expect(sim, "00B2083014", "6581");
	expect(sim, "00B207280B", "0709583030303030303139" "9000"); /* EF05 is fine */
	sscard_sim_free(&sim);
}

/* ---- binary files ------------------------------------------------------------------ */

static void test_read_binary(void **state)
{
	sscard_sim *sim = load("healthy-v2.json");
	uint8_t rk[SSCARD_KEY_LEN], uk[SSCARD_KEY_LEN];

	(void)state;
	select_ssse(sim);
	card_key(sim, V2_RK, CITY_CARD, rk);
	card_key(sim, V2_UK, CITY_CARD, uk);
	/* EF08 (the photo) is read after RKSSSE (0A), on every card */
	expect(sim, "00B0880004", "6982");
	assert_string_equal(ext_auth(sim, rk, 0x0A), "9000");
	/* EF08 by SFI: 22 bytes */
	expect(sim, "00B0880004", "FFD8FFE09000");
	expect(sim, "00B0880000", "6C16");
	expect(sim, "00B0001402", "FFD99000"); /* offset 20 in the current EF */
	expect(sim, "00B0001602", "6B00");     /* offset = size */
	expect(sim, "00B0001404", "6C02");
	/* UPDATE BINARY: RKSSSE does not open it, UKSSSE (04) does, CLA 00 */
	expect(sim, "00D6000002AAAA", "6982");
	assert_string_equal(ext_auth(sim, uk, 0x04), "9000");
	expect(sim, "04D60000061234" "00000000", "6E00"); /* no MAC'd form */
	expect(sim, "00D60000021234", "9000");
	expect(sim, "00D6001503123456", "6700"); /* past the end */
	/* the register now holds 04 only: reading needs RKSSSE again */
	expect(sim, "00B0000002", "6982");
	assert_string_equal(ext_auth(sim, rk, 0x0A), "9000");
	expect(sim, "00B0000002", "12349000");
	expect(sim, "00D60000025678", "6982");
	assert_int_equal(sscard_sim_write_count(sim), 1);
	sscard_sim_free(&sim);
}

/* ---- PIN ----------------------------------------------------------------------------- */

static void test_pin(void **state)
{
	sscard_sim *sim = load("healthy-v2.json");

	(void)state;
	select_ssse(sim);
	expect(sim, "00200000", "63C3"); /* asks, spends nothing */
	expect(sim, "0020000003111111", "63C2");
	expect(sim, "00200000", "63C2");
	expect(sim, "0020000003123456", "9000");
	expect(sim, "00200000", "9000"); /* verified */
	expect(sim, "00200000021234", "63C2"); /* 4 digits, wrong */
	expect(sim, "0020000003123456", "9000"); /* counter back to 3 */
	expect(sim, "00200000031234AB", "6A80");
	expect(sim, "002000000712345678901234", "6700");
	expect(sim, "0020000103123456", "6A86");
	/* CHANGE PIN: old FF new */
	expect(sim, "805E010007123456FF654321", "9000");
	expect(sim, "0020000003123456", "63C2");
	expect(sim, "0020000003654321", "9000");
	expect(sim, "805E010007111111FF222222", "63C2");
	expect(sim, "805E010006123456654321", "6A80"); /* no separator */
	expect(sim, "005E010007654321FF123456", "6E00"); /* CHANGE PIN is CLA 80 */
	/* three wrong tries block it, then even the right PIN is refused */
	expect(sim, "0020000003000000", "63C1");
	expect(sim, "0020000003000000", "6983");
	expect(sim, "0020000003654321", "6983");
	expect(sim, "00200000", "6983");
	sscard_sim_free(&sim);

	sim = load("pin-blocked.json");
	select_ssse(sim);
	expect(sim, "00200000", "6983");
	expect(sim, "0020000003123456", "6983");
	sscard_sim_free(&sim);
}

static void test_pin_unblock_and_reload(void **state)
{
	sscard_sim *sim = load("pin-blocked.json");
	uint8_t puk[SSCARD_KEY_LEN], stk[SSCARD_KEY_LEN], rk[SSCARD_KEY_LEN], wrong[SSCARD_KEY_LEN];

	(void)state;
	select_ssse(sim);
	card_key(sim, V2_PUK, CITY_CARD, puk);
	card_key(sim, V2_STK, CITY_CARD, stk);
	card_key(sim, V2_RK, CITY_CARD, rk);
	memset(wrong, 0x5A, sizeof(wrong));
	expect(sim, "842400000400000000", "6984"); /* no challenge */
	expect(sim, "0024000000", "6E00");        /* CLA 84 only */
	/* a right line MAC, but the PUK is not in the security register */
	assert_string_equal(tx_line(sim, stk, "84240000", "", false), "6982");
	assert_string_equal(ext_auth(sim, rk, 0x0A), "9000");
	assert_string_equal(tx_line(sim, stk, "84240000", "", false), "6982"); /* RKSSSE is no PUK */
	/* EXTERNAL AUTHENTICATE with the PUK (06) first */
	assert_string_equal(ext_auth(sim, puk, 0x06), "9000");
	/* the MAC is the line key's (STK): under the PUK or a wrong key, 6988 */
	assert_string_equal(tx_line(sim, puk, "84240000", "", false), "6988");
	assert_string_equal(tx_line(sim, wrong, "84240000", "", false), "6988");
	expect(sim, "00200000", "6983"); /* still blocked */
	assert_string_equal(tx_line(sim, stk, "84240000", "", false), "9000");
	expect(sim, "00200000", "63C3");
	expect(sim, "0020000003123456", "9000");
	/* reload: the PIN block (count, BCD, 80 00..) encrypted under the
	 * STK's process key of this command's challenge, then the MAC */
	assert_string_equal(tx_line(sim, stk, "84240001", "0665432180000000", true), "9000");
	expect(sim, "0020000003123456", "63C2");
	expect(sim, "0020000003654321", "9000");
	assert_string_equal(tx_line(sim, stk, "84240001", "0011223344556677", true), "6A80");
	assert_string_equal(tx_line(sim, stk, "84240001", "06654321800000", false), "6A80");
	assert_string_equal(tx_line(sim, stk, "84240002", "", false), "6A86");
	/* a failed EXTERNAL AUTHENTICATE empties the register */
	assert_string_equal(ext_auth(sim, wrong, 0x06), "6300");
	assert_string_equal(tx_line(sim, stk, "84240000", "", false), "6982");
	sscard_sim_free(&sim);
}

/* ---- authentication -------------------------------------------------------------------- */

#define V3_SSN_REC "0812" "313130313031313938313031303131313137"

static void test_external_auth(void **state)
{
	sscard_sim *sim = load("healthy-v3.json");
	uint8_t rk[SSCARD_KEY_LEN], uk[SSCARD_KEY_LEN], rk1df04[SSCARD_KEY_LEN],
		stk[SSCARD_KEY_LEN], ch[8], in[16] = { 0 }, enc[16], cg[8];
	char cmd[100], hex[33], ch_hex[17];

	(void)state;
	select_ssse(sim);
	card_key(sim, V3_RK, CITY_CARD, rk);
	card_key(sim, V3_UK, CITY_CARD, uk);
	card_key(sim, V3_STK, CITY_CARD, stk);
	card_key(sim, V3_RK1DF04, PROV_CITY_CARD, rk1df04);
	/* no challenge yet */
	expect(sim, "0082000A1000000000000000000000000000000000", "6984");
	/* GET CHALLENGE: 4 or 8 bytes (SM4 cards too); 16 is refused */
	expect(sim, "0084000010", "6700");
	challenge(sim, 4, ch);
	/* 3.0: EF06 and EF07 behind RKSSSE (0A) */
	expect(sim, "00B2083014", "6982");
	expect(sim, "00B0870004", "6982");
	challenge(sim, 8, ch);
	ext_auth_cmd(sim->alg, rk, 0x0A, ch, "", cmd);
	expect(sim, cmd, "9000");
	expect(sim, "00B2083014", V3_SSN_REC "9000");
	expect(sim, "00B0870004", "46494E479000");
	/* the challenge was used up */
	expect(sim, cmd, "6984");
	/* ... and is good for the next command only */
	challenge(sim, 8, ch);
	ext_auth_cmd(sim->alg, rk, 0x0A, ch, "", cmd);
	expect(sim, "00B207280B", "0709" "413030303030303139" "9000");
	expect(sim, cmd, "6984");
	/* Lc 11: a key-version byte after the original (SM4 field form) */
	assert_string_equal(ext_auth_tail(sim, rk, 0x0A, "01"), "9000");
	expect(sim, "00B2083014", V3_SSN_REC "9000");
	/* the old forms are refused: Lc 08 (a bare cryptogram) ... */
	challenge(sim, 8, ch);
	cryptogram(sim->alg, rk, ch, original, cg);
	sscard_hex_encode(cg, 8, hex, sizeof(hex));
	snprintf(cmd, sizeof(cmd), "0082000A08%s", hex);
	expect(sim, cmd, "6700");
	/* ... Lc 20 (a 16-byte cryptogram and challenge) ... */
	challenge(sim, 8, ch);
	expect(sim, "0082000A20" "0000000000000000000000000000000000000000000000000000000000000000",
	       "6700");
	/* ... and E(K, challenge) with the challenge where the original goes:
	 * 6300, and the failed attempt empties the security register */
	challenge(sim, 8, ch);
	memcpy(in, ch, 8);
	assert_int_equal(sscard_crypto_ecb(SSCARD_ALG_SM4, rk, true, in, 16, enc), SSCARD_OK);
	for (size_t i = 0; i < 8; i++)
		enc[i] ^= enc[8 + i];
	sscard_hex_encode(enc, 8, hex, sizeof(hex));
	sscard_hex_encode(ch, 8, ch_hex, sizeof(ch_hex));
	snprintf(cmd, sizeof(cmd), "0082000A10%s%s", hex, ch_hex);
	expect(sim, cmd, "6300");
	expect(sim, "00B2083014", "6982");
	/* keys EXTERNAL AUTHENTICATE cannot name: unknown, IRK (00), STK (02),
	 * RK1DF04 outside DF04 */
	assert_string_equal(ext_auth(sim, rk, 0x09), "6A88");
	assert_string_equal(ext_auth(sim, rk, 0x00), "6A88");
	assert_string_equal(ext_auth(sim, stk, 0x02), "6A88");
	assert_string_equal(ext_auth(sim, rk1df04, 0x84), "6A88");
	challenge(sim, 8, ch);
	expect(sim, "0082010A1000000000000000000000000000000000", "6A86");
	/* the register holds the last key only: UKSSSE replaces RKSSSE */
	assert_string_equal(ext_auth(sim, rk, 0x0A), "9000");
	expect_sw(sim, "00B2083014", "9000");
	assert_string_equal(ext_auth(sim, uk, 0x04), "9000");
	expect(sim, "00B2083014", "6982");
	/* RK1DF04 (84, province city card) in DF04 */
	assert_string_equal(ext_auth(sim, rk, 0x0A), "9000");
	expect(sim, "00A4000C02DF04", "9000");
	assert_string_equal(ext_auth(sim, rk, 0x84), "6300");
	assert_string_equal(ext_auth(sim, rk1df04, 0x84), "9000");
	/* leaving for the MF drops the authentication */
	assert_string_equal(ext_auth(sim, rk, 0x0A), "9000");
	expect(sim, "00A40000023F00", "6104");
	select_ssse(sim);
	expect(sim, "00B2083014", "6982");
	sscard_sim_free(&sim);
}

static void test_internal_auth(void **state)
{
	static const char *const profiles[] = { "healthy-v2.json", "healthy-v3.json" };
	static const char *const masters[] = { V2_IRK, V3_IRK };
	static const uint8_t factor[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	(void)state;
	for (size_t p = 0; p < 2; p++) {
		sscard_sim *sim = load(profiles[p]);
		uint8_t irk[SSCARD_KEY_LEN], out[8], old[16] = { 0 };
		char want[40], old_hex[40];

		select_ssse(sim);
		/* IRK: province, city, card */
		card_key(sim, masters[p], PROV_CITY_CARD, irk);
		cryptogram(sim->alg, irk, factor, original, out);
		sscard_hex_encode(out, 8, want, sizeof(want));
		strcat(want, "9000");
		expect(sim, "0088000010" "0102030405060708" "1122334455667788", "6108");
		expect(sim, "00C0000008", want);
		/* not the old E(IRK, random) */
		memcpy(old, factor, 8);
		assert_int_equal(sscard_crypto_ecb(sim->alg, irk, true, old, sscard_alg_block(sim->alg),
		                                   old),
		                 SSCARD_OK);
		sscard_hex_encode(old, 8, old_hex, sizeof(old_hex));
		assert_true(strncmp(want, old_hex, 16) != 0);
		/* with a trailing key-version byte */
		expect(sim, "0088000011" "0102030405060708" "1122334455667788" "01", "6108");
		expect(sim, "00C0000008", want);
		expect(sim, "008800001001020304050607081122334455667788", "6108");
		expect(sim, "0088000A10" "0102030405060708" "1122334455667788", "6A88"); /* RKSSSE */
		expect(sim, "0088000110" "0102030405060708" "1122334455667788", "6A88");
		expect(sim, "00880000080102030405060708", "6700"); /* the old 8-byte form */
		expect(sim, "0088000000", "6700");
		expect(sim, "0088010010" "0102030405060708" "1122334455667788", "6A86");
		sscard_sim_free(&sim);
	}
}

/* ---- writes ------------------------------------------------------------------------------ */

static void test_protected_update(void **state)
{
	sscard_sim *sim = load("healthy-v2.json");
	uint8_t uk[SSCARD_KEY_LEN], rk[SSCARD_KEY_LEN], stk[SSCARD_KEY_LEN], wrong[SSCARD_KEY_LEN],
		uk1[SSCARD_KEY_LEN];

	(void)state;
	select_ssse(sim);
	card_key(sim, V2_UK, CITY_CARD, uk);
	card_key(sim, V2_RK, CITY_CARD, rk);
	card_key(sim, V2_STK, CITY_CARD, stk);
	memset(wrong, 0x11, sizeof(wrong));
	expect(sim, "00DC0A30030A0131", "6982"); /* no update key yet */
	/* the MAC'd write (CLA 04) is no form of a real card: refused, even
	 * with a right line MAC */
	assert_string_equal(tx_line(sim, stk, "04DC0A30", "0A0131", false), "6E00");
	expect(sim, "04DC0A30070A013100000000", "6E00");
	expect(sim, "04E20028079901990000000000", "6E00");
	/* RKSSSE does not open writes; a wrong UKSSSE cryptogram neither */
	assert_string_equal(ext_auth(sim, rk, 0x0A), "9000");
	expect(sim, "00DC0A30030A0131", "6982");
	assert_string_equal(ext_auth(sim, wrong, 0x04), "6300");
	expect(sim, "00DC0A30030A0131", "6982");
	assert_int_equal(sscard_sim_write_count(sim), 0);
	/* EXTERNAL AUTHENTICATE with UKSSSE (04), then plain writes */
	assert_string_equal(ext_auth(sim, uk, 0x04), "9000");
	expect(sim, "00DC0A30030A0131", "9000");
	expect(sim, "00B20A3003", "0A01319000");
	/* by record number, and the checks */
	expect(sim, "00DC0334030A0132", "9000");
	expect(sim, "00B20A3003", "0A01329000");
	expect(sim, "00DC0A30030B0131", "6A80");   /* tag mismatch */
	expect(sim, "00DC0A30040A023132", "6700"); /* too long */
	expect(sim, "00DC773003770131", "6A83");
	expect(sim, "00DC0A31030A0131", "6A86");
	/* APPEND RECORD */
	expect(sim, "00E2002803990199", "9000");
	expect(sim, "00B2992803", "9901999000");
	assert_int_equal(sscard_sim_write_count(sim), 3);
	assert_int_equal(sscard_sim_write_commands(sim), 10);
	sscard_sim_free(&sim);

	/* 3.0: EF0D is written after UK1SSSE (0D), not UKSSSE */
	sim = load("healthy-v3.json");
	select_ssse(sim);
	card_key(sim, V3_UK, CITY_CARD, uk);
	card_key(sim, V3_UK1, CITY_CARD, uk1);
	assert_string_equal(ext_auth(sim, uk, 0x04), "9000");
	expect(sim, "00E2006803E10100", "6982");
	assert_string_equal(ext_auth(sim, uk1, 0x0D), "9000");
	expect(sim, "00E2006803E10100", "9000");
	expect(sim, "00B2E16803", "E101009000");
	/* ... which in turn does not open EF05 (04, Lc 11 form here) */
	expect(sim, "00E2002803E00100", "6982");
	assert_string_equal(ext_auth_tail(sim, uk, 0x04, "01"), "9000");
	expect(sim, "00E2002803E00100", "9000");
	assert_int_equal(sscard_sim_write_count(sim), 2);
	sscard_sim_free(&sim);
}

static void test_append_until_full(void **state)
{
	sscard_sim *sim = load("healthy-v2.json");
	uint8_t uk[SSCARD_KEY_LEN];

	(void)state;
	select_ssse(sim);
	card_key(sim, V2_UK, CITY_CARD, uk);
	assert_string_equal(ext_auth(sim, uk, 0x04), "9000");
	for (int i = 7; i < 16; i++) /* EF05 holds 7 of 16 records */
		expect(sim, "00E2002803E00100", "9000");
	expect(sim, "00E2002803E00100", "6A84");
	expect(sim, "00B2102C03", "E001009000"); /* record 16 */
	sscard_sim_free(&sim);
}

/* A key with an error counter: 63Cx per wrong cryptogram, then blocked. */
static void test_key_error_counter(void **state)
{
	static const char profile[] =
		"{\"version\": 2, \"algorithm\": \"3des\", \"atr\": \"3B6D00000087CF20018649618C009773F5\","
		" \"pin\": {\"value\": \"123456\"}, \"keys\": [{\"df\": \"SSSE\", \"class\": \"external\","
		" \"id\": 10, \"tries\": 2, \"master\": \"00112233445566778899AABBCCDDEEFF\", \"test\": true}]}";
	uint8_t atr[40], key[SSCARD_KEY_LEN], wrong[SSCARD_KEY_LEN];
	size_t atrlen = sizeof(atr), n = 0;
	char err[256];
	sscard_sim *sim = NULL;

	(void)state;
	assert_int_equal(sscard_sim_load_string("k.json", profile, &sim, err, sizeof(err)), SSCARD_OK);
	assert_int_equal(sscard_sim_power_on(sim, 1, atr, &atrlen), SSCARD_OK);
	select_ssse(sim);
	/* no "diversify": the card's key is the master */
	assert_int_equal(sscard_hex_decode("00112233445566778899AABBCCDDEEFF", key, sizeof(key), &n),
	                 SSCARD_OK);
	memset(wrong, 0x22, sizeof(wrong));
	assert_string_equal(ext_auth(sim, wrong, 0x0A), "63C1");
	/* the right cryptogram resets the counter */
	assert_string_equal(ext_auth(sim, key, 0x0A), "9000");
	assert_string_equal(ext_auth(sim, wrong, 0x0A), "63C1");
	assert_string_equal(ext_auth(sim, wrong, 0x0A), "6983");
	assert_string_equal(ext_auth(sim, key, 0x0A), "6983");
	sscard_sim_free(&sim);
}

static void test_read_only_probe_writes_nothing(void **state)
{
	static const char *const probe[] = { SSSE_SELECT, "00C000001B", "00B2012C12",
		                             "00B2083014", "00B2093020", "00200000",
		                             "00A4000C02DF04", "00B2802C03" };
	sscard_sim *sim = load("healthy-v2.json");

	(void)state;
	for (size_t i = 0; i < sizeof(probe) / sizeof(probe[0]); i++)
		(void)tx(sim, probe[i]);
	assert_int_equal(sscard_sim_write_count(sim), 0);
	assert_int_equal(sscard_sim_write_commands(sim), 0);
	expect(sim, "00DC0A30030A0131", "6982");
	assert_int_equal(sscard_sim_write_count(sim), 0);
	assert_int_equal(sscard_sim_write_commands(sim), 1);
	sscard_sim_free(&sim);
}

/* ---- lifecycle --------------------------------------------------------------------------- */

static void test_app_block_unblock(void **state)
{
	sscard_sim *sim = load("healthy-v2.json");
	uint8_t stk[SSCARD_KEY_LEN], stkdf04[SSCARD_KEY_LEN];

	(void)state;
	select_ssse(sim);
	card_key(sim, V2_STK, CITY_CARD, stk);
	expect(sim, "841E000004", "6700");
	expect(sim, "841E00000400000000", "6984"); /* no challenge */
	assert_string_equal(tx_line(sim, stk, "841E0000", "", false), "9000");
	expect(sim, "00B2083014", "6283");
	expect(sim, SSSE_SELECT, "6283");
	expect(sim, "0020000003123456", "6283");
	assert_string_equal(tx_line(sim, stk, "84180000", "", false), "9000");
	expect(sim, "00B2083014", "0812" "363330313032313937353033313530303235" "9000");
	/* permanent: nothing brings it back */
	assert_string_equal(tx_line(sim, stk, "841E0001", "", false), "9000");
	expect(sim, "00B2083014", "9303");
	expect(sim, SSSE_SELECT, "9303");
	assert_string_equal(tx_line(sim, stk, "84180000", "", false), "9303");
	/* the MF is no application */
	expect(sim, "00A40000023F00", "6104");
	assert_string_equal(tx_line(sim, stk, "841E0000", "", false), "6A88"); /* no STK in the MF */
	sscard_sim_free(&sim);

	/* DF04's line key is its own STKDF04 (82) */
	sim = load("healthy-v2.json");
	select_ssse(sim);
	card_key(sim, V2_STK, CITY_CARD, stk);
	card_key(sim, V2_STKDF04, CITY_CARD, stkdf04);
	expect(sim, "00A4000C02DF04", "9000");
	assert_string_equal(tx_line(sim, stk, "841E0000", "", false), "6988");
	assert_string_equal(tx_line(sim, stkdf04, "841E0000", "", false), "9000");
	expect(sim, "00B2012C03", "6283");
	expect_sw(sim, SSSE_SELECT, "611B");
	expect_sw(sim, "00B207280B", "9000");
	sscard_sim_free(&sim);

	/* SM4: the MAC folded by XOR of the four words */
	sim = load("healthy-v3.json");
	select_ssse(sim);
	card_key(sim, V3_STK, CITY_CARD, stk);
	assert_string_equal(tx_line(sim, stk, "841E0000", "", false), "9000");
	expect(sim, "00B207280B", "6283");
	assert_string_equal(tx_line(sim, stk, "84180000", "", false), "9000");
	expect_sw(sim, "00B207280B", "9000");
	sscard_sim_free(&sim);

	sim = load("app-locked.json");
	expect(sim, SSSE_SELECT, "9303");
	expect(sim, "00B2083014", "9303");
	sscard_sim_free(&sim);
	sim = load("app-blocked.json");
	expect(sim, SSSE_SELECT, "6283");
	sscard_sim_free(&sim);
}

/* ---- faults ------------------------------------------------------------------------------ */

static void test_fault_mute_after(void **state)
{
	sscard_sim *sim = load("mute-after.json");
	uint8_t atr[40];
	size_t atrlen = sizeof(atr);

	(void)state;
	select_ssse(sim);
	expect_sw(sim, "00B2083014", "9000");
	assert_int_equal(tx_rc(sim, "00B2083014"), SSCARD_E_MUTE);
	assert_int_equal(tx_rc(sim, "00B2083014"), SSCARD_E_MUTE);
	/* a power cycle revives it for 3 more */
	assert_int_equal(sscard_sim_power_on(sim, 1, atr, &atrlen), SSCARD_OK);
	expect(sim, SSSE_SELECT, "611B");
	sscard_sim_free(&sim);
}

static void test_fault_removed(void **state)
{
	sscard_sim *sim = load("removed.json");
	uint8_t atr[40];
	size_t atrlen = sizeof(atr);

	(void)state;
	select_ssse(sim);
	expect_sw(sim, "00B2083014", "9000");
	expect_sw(sim, "00B207280B", "9000");
	assert_true(sscard_sim_present(sim));
	assert_int_equal(tx_rc(sim, "00B2083014"), SSCARD_E_CARD_REMOVED);
	assert_false(sscard_sim_present(sim));
	assert_int_equal(tx_rc(sim, "00B2083014"), SSCARD_E_CARD_REMOVED);
	assert_int_equal(sscard_sim_power_on(sim, 1, atr, &atrlen), SSCARD_E_NO_CARD);
	/* put back: it works again */
	sscard_sim_set_present(sim, 1);
	assert_int_equal(sscard_sim_power_on(sim, 1, atr, &atrlen), SSCARD_OK);
	select_ssse(sim);
	expect_sw(sim, "00B2083014", "9000");
	sscard_sim_free(&sim);
}

static void test_fault_torn_write(void **state)
{
	sscard_sim *sim = load("torn-write.json");
	uint8_t uk[SSCARD_KEY_LEN], atr[40];
	size_t atrlen = sizeof(atr);

	(void)state;
	select_ssse(sim);
	card_key(sim, V2_UK, CITY_CARD, uk);
	assert_string_equal(ext_auth(sim, uk, 0x04), "9000");
	/* a new SSN over the old 630102197503150025: power lost mid-write */
	assert_int_equal(tx_rc(sim, "00DC083014" "0812" "313130313031313938313031303131313137"),
	                 SSCARD_E_CARD_REMOVED);
	assert_int_equal(sscard_sim_write_count(sim), 0);
	/* power is gone until the next power-on */
	assert_int_equal(tx_rc(sim, "00B2083014"), SSCARD_E_CARD_REMOVED);
	assert_int_equal(sscard_sim_power_on(sim, 1, atr, &atrlen), SSCARD_OK);
	select_ssse(sim);
	/* the first 10 bytes are new (tag, length, "11010119"), the rest old */
	expect(sim, "00B2083014", "0812" "3131303130313139" "37353033313530303235" "9000");
	sscard_sim_free(&sim);
}

static void test_fault_flaky_is_deterministic(void **state)
{
	char a[64], b[64];

	(void)state;
	for (int round = 0; round < 2; round++) {
		sscard_sim *sim = load("flaky.json");
		char *out = round == 0 ? a : b;
		int errors = 0;

		for (size_t i = 0; i < 40; i++) {
			const char *got = tx(sim, "00A4040C0F7378312E73682EC9E7BBE1B1A3D5CF");
			int bad = strcmp(got, "6F00") == 0;

			assert_true(bad || strcmp(got, "9000") == 0);
			errors += bad;
			if (i < sizeof(a) - 1)
				out[i] = bad ? 'x' : '.';
		}
		out[40] = '\0';
		/* rate 0.25 over 40 APDUs: some fail, most pass */
		assert_true(errors > 2 && errors < 20);
		sscard_sim_free(&sim);
	}
	assert_string_equal(a, b);
}

static void test_fault_garbled(void **state)
{
	sscard_sim *sim = load("garbled.json");
	uint8_t atr[40];
	size_t atrlen = sizeof(atr);

	(void)state;
	select_ssse(sim);
	expect(sim, "00B2083014", "90"); /* one byte: no status word */
	expect(sim, "00B2083014", "90");
	assert_int_equal(sscard_sim_power_on(sim, 1, atr, &atrlen), SSCARD_OK);
	select_ssse(sim);
	sscard_sim_free(&sim);
}

static void test_fault_slow_and_corrupt(void **state)
{
	sscard_sim *sim = load("slow.json");

	(void)state;
	assert_int_equal(sscard_sim_delay_ms(sim), 0);
	select_ssse(sim);
	assert_int_equal(sscard_sim_delay_ms(sim), 300);
	sscard_sim_free(&sim);

	sim = load("corrupt-record.json");
	select_ssse(sim);
	expect(sim, "00B207280B", "6C05");
	expect(sim, "00B2072805", "070B4130309000");
	sscard_sim_free(&sim);
}

/* ---- profiles: data validates (or fails as meant) ------------------------------------------ */

static void read_values(sscard_sim *sim, char texts[SSCARD_ELEM_SLOTS][SSCARD_ELEM_TEXT_MAX],
                        sscard_elem_values *v)
{
	memset(v, 0, sizeof(*v));
	for (size_t i = 0; i < sscard_elem_count(); i++) {
		const sscard_element *e = sscard_elem_at(i);
		const sscard_file_info *fi = sscard_file_info_of(e->ef);
		int ef = sim_fs_by_path(sim, fi->name);
		int rec = ef == SIM_NO_FILE ? -1 : sim_fs_record_by_tag(&sim->files[ef], e->tag);
		const sim_record *r;

		texts[i][0] = '\0';
		if (rec < 0)
			continue;
		r = &sim->files[ef].records[rec];
		assert_true(r->len >= 2);
		if (sscard_elem_decode(e, r->data + 2, r->data[1], texts[i], SSCARD_ELEM_TEXT_MAX,
		                       NULL, 0) == SSCARD_OK)
			v->text[i] = texts[i];
		else
			v->unreadable[i] = true;
	}
}

static size_t problems_of(const char *profile, sscard_problem_code *first)
{
	char texts[SSCARD_ELEM_SLOTS][SSCARD_ELEM_TEXT_MAX];
	sscard_elem_values v;
	sscard_problems p;
	sscard_sim *sim = load(profile);

	read_values(sim, texts, &v);
	assert_int_equal(sscard_validate_values(&v, &p), SSCARD_OK);
	if (first != NULL && p.count > 0)
		*first = p.item[0].code;
	sscard_sim_free(&sim);
	return p.count;
}

static void test_profile_data_validates(void **state)
{
	sscard_problem_code code = 0;

	(void)state;
	assert_int_equal(problems_of("healthy-v3.json", NULL), 0);
	assert_int_equal(problems_of("healthy-v2.json", NULL), 0);
	assert_int_equal(problems_of("expired.json", NULL), 0); /* valid data, just old */
	assert_int_equal(problems_of("bad-ssn.json", &code), 1);
	assert_int_equal(code, SSCARD_PROBLEM_CHECK_DIGIT);
	assert_int_equal(problems_of("bad-date.json", &code), 1);
	assert_int_equal(code, SSCARD_PROBLEM_DATE);
}

/* Every record of a healthy card is one well-formed "tag len value". */
static void assert_healthy_records(const sscard_sim *sim, const char *name)
{
	for (size_t i = 0; i < sim->nfiles; i++) {
		const sim_file *f = &sim->files[i];

		for (size_t j = 0; f->type == SIM_EF_RECORD && j < f->nrec; j++)
			if (f->records[j].len < 2 || f->records[j].data[1] != f->records[j].len - 2)
				fail_msg("%s: %s record %zu is not tag len value", name, f->path, j + 1);
	}
}

/* Every shipped profile loads (the healthy ones with well-formed records). */
static void test_all_profiles_load(void **state)
{
	char dir[512], path[1024], err[512];
	struct dirent *d;
	size_t count = 0;
	DIR *dp;

	(void)state;
	profile_path("", dir, sizeof(dir));
	dp = opendir(dir);
	assert_non_null(dp);
	while ((d = readdir(dp)) != NULL) {
		size_t n = strlen(d->d_name);
		sscard_sim *sim = NULL;

		if (n < 6 || strcmp(d->d_name + n - 5, ".json") != 0)
			continue;
		snprintf(path, sizeof(path), "%s%s", dir, d->d_name);
		if (sscard_sim_load(path, &sim, err, sizeof(err)) != SSCARD_OK)
			fail_msg("%s", err);
		if (strncmp(d->d_name, "healthy", 7) == 0)
			assert_healthy_records(sim, d->d_name);
		sscard_sim_free(&sim);
		count++;
	}
	closedir(dp);
	assert_true(count >= 18);
}

/* ---- profile loader errors ----------------------------------------------------------------- */

#define BASE_HEAD "{\"version\": 2, \"algorithm\": \"3des\", \"atr\": \"3B6D00000087CF20018649618C009773F5\", "
#define BASE_PIN "\"pin\": {\"value\": \"123456\"}"
#define KEY(extra) ", \"keys\": [{\"df\": \"SSSE\", \"class\": \"line\", \"id\": 1, " extra "}]}"
#define GOOD_KEY "\"master\": \"00112233445566778899AABBCCDDEEFF\", \"test\": true"

static const struct {
	const char *json;
	const char *message; /* after "t.json: " */
} bad_profiles[] = {
	{ "{", "field (top): not valid JSON" },
	{ "[1]", "field (top): a profile is one JSON object" },
	{ BASE_HEAD BASE_PIN ", \"colour\": 1}", "field colour: unknown field" },
	{ "{\"algorithm\": \"3des\", \"atr\": \"3B00\", " BASE_PIN "}", "field version: missing" },
	{ "{\"version\": 4, \"algorithm\": \"3des\", \"atr\": \"3B00\", " BASE_PIN "}", "field version: must be between 2 and 3" },
	{ "{\"version\": \"2\", \"algorithm\": \"3des\", \"atr\": \"3B00\", " BASE_PIN "}", "field version: must be an integer" },
	{ "{\"version\": 2, \"algorithm\": \"aes\", \"atr\": \"3B00\", " BASE_PIN "}", "field algorithm: \"aes\" is neither" },
	{ "{\"version\": 2, \"algorithm\": \"3des\", \"atr\": \"3G00\", " BASE_PIN "}", "field atr: not hex" },
	{ "{\"version\": 2, \"algorithm\": \"3des\", \"atr\": \"3B\", " BASE_PIN "}", "field atr: an ATR has at least" },
	{ BASE_HEAD "\"protocol\": 2, " BASE_PIN "}", "field protocol: must be between 0 and 1" },
	{ BASE_HEAD "\"pin\": {\"value\": \"12ab56\"}}", "field pin.value: must be 4 to 12 decimal digits" },
	{ BASE_HEAD "\"pin\": {\"value\": \"123456\", \"tries\": 4, \"max\": 3}}", "field pin.tries: must be between 0 and 3" },
	{ BASE_HEAD "\"pin\": {\"value\": \"123456\", \"retries\": 4}}", "field pin.retries: unknown field" },
	{ BASE_HEAD "\"x\": 1}", "field x: unknown field" },
	{ BASE_HEAD "\"elements\": {\"shoe_size\": \"42\"}, " BASE_PIN "}", "field elements.shoe_size: no such data element" },
	{ BASE_HEAD "\"elements\": {\"ssn\": \"1234567890123456789\"}, " BASE_PIN "}", "field elements.ssn: " },
	{ BASE_HEAD "\"elements\": {\"ssn\": 5}, " BASE_PIN "}", "field elements.ssn: must be a string" },
	{ BASE_HEAD "\"elements\": {\"name_ext\": \"x\"}, " BASE_PIN "}", "field elements.name_ext: only 3.0 cards have it" },
	{ BASE_HEAD "\"elements\": {\"ssn\": \"1\", \"08\": \"2\"}, " BASE_PIN "}", "field elements.08: ssn is given twice" },
	{ BASE_HEAD "\"files\": {\"SSSE/EF0D\": {}}, " BASE_PIN "}", "field files.SSSE/EF0D: no such file on a 2.0 card" },
	{ BASE_HEAD "\"files\": {\"SSSE/EF08\": {\"records\": []}}, " BASE_PIN "}", "field files.SSSE/EF08.records: not a record file" },
	{ BASE_HEAD "\"files\": {\"SSSE/EF05\": {\"records\": [\"0Z\"]}}, " BASE_PIN "}", "field files.SSSE/EF05.records[0]: not hex" },
	{ BASE_HEAD "\"files\": {\"SSSE/EF05\": {\"read\": \"maybe\"}}, " BASE_PIN "}", "field files.SSSE/EF05.read: \"maybe\" is not one of" },
	{ BASE_HEAD "\"files\": {\"SSSE/EF05\": {\"write\": \"mac\"}}, " BASE_PIN "}", "field files.SSSE/EF05.write: \"mac\" is not one of free, pin, never, ext:XX" },
	{ BASE_HEAD "\"files\": {\"SSSE/EF05\": {\"read\": \"ext:0\"}}, " BASE_PIN "}", "field files.SSSE/EF05.read: \"ext:0\" is not one of" },
	{ BASE_HEAD "\"files\": {\"SSSE/EF05\": {\"read\": \"ext:ZZ\"}}, " BASE_PIN "}", "field files.SSSE/EF05.read: \"ext:ZZ\" is not one of" },
	{ BASE_HEAD BASE_PIN KEY("\"master\": \"00112233445566778899AABBCCDDEEFF\""), "field keys[0].test: must be true" },
	{ BASE_HEAD BASE_PIN KEY("\"master\": \"0011\", \"test\": true"), "field keys[0].master: a key is 16 bytes" },
	{ BASE_HEAD BASE_PIN ", \"keys\": [{\"df\": \"DF09\", \"class\": \"line\", \"id\": 1, " GOOD_KEY "}]}", "field keys[0].df: \"DF09\" is not a DF" },
	{ BASE_HEAD BASE_PIN ", \"keys\": [{\"df\": \"SSSE\", \"class\": \"magic\", \"id\": 1, " GOOD_KEY "}]}", "field keys[0].class: \"magic\" is not" },
	{ BASE_HEAD BASE_PIN ", \"keys\": [{\"df\": \"SSSE\", \"class\": \"line\", \"id\": 256, " GOOD_KEY "}]}", "field keys[0].id: must be between 0 and 255" },
	{ BASE_HEAD BASE_PIN KEY(GOOD_KEY ", \"diversify\": [\"planet\"]"), "field keys[0].diversify: \"planet\" is not" },
	{ "{\"version\": 2, \"algorithm\": \"3des\", \"atr\": \"3B00\", " BASE_PIN KEY(GOOD_KEY ", \"diversify\": [\"card\"]"), "field keys[0].diversify: cannot diversify" },
	{ BASE_HEAD BASE_PIN ", \"lifecycle\": {\"SSSE\": \"asleep\"}}", "field lifecycle.SSSE: \"asleep\" is not active" },
	{ BASE_HEAD BASE_PIN ", \"lifecycle\": {\"MF\": \"locked\"}}", "field lifecycle.MF: not an application DF" },
	{ BASE_HEAD BASE_PIN ", \"faults\": {\"mute_after\": 0}}", "field faults.mute_after: must be between 1" },
	{ BASE_HEAD BASE_PIN ", \"faults\": {\"bad_atr\": \"\"}}", "field faults.bad_atr: empty" },
	{ BASE_HEAD BASE_PIN ", \"faults\": {\"chip_error\": {\"file\": \"SSSE/EF06\", \"sw\": \"9000\"}}}", "field faults.chip_error.sw: 9000 is not an error" },
	{ BASE_HEAD BASE_PIN ", \"faults\": {\"chip_error\": {\"file\": \"SSSE\"}}}", "field faults.chip_error.file: \"SSSE\" is not an EF" },
	{ BASE_HEAD BASE_PIN ", \"faults\": {\"chip_error\": {\"file\": \"SSSE/EF06\", \"on\": \"rarely\"}}}", "field faults.chip_error.on: \"rarely\"" },
	{ BASE_HEAD BASE_PIN ", \"faults\": {\"corrupt_record\": {\"file\": \"SSSE/EF05\", \"record\": 99, \"hex\": \"00\"}}}", "field faults.corrupt_record.record: must be between 1 and 7" },
	{ BASE_HEAD BASE_PIN ", \"faults\": {\"flaky\": {\"rate\": 2}}}", "field faults.flaky.rate: must be between 0 and 1" },
	{ BASE_HEAD BASE_PIN ", \"faults\": {\"torn_write\": 3}}", "field faults.torn_write: must be true or" },
	{ BASE_HEAD BASE_PIN ", \"faults\": {\"melt\": true}}", "field faults.melt: unknown field" },
	{ BASE_HEAD BASE_PIN ", \"faults\": {\"garbled\": {\"after\": 1}}}", "field faults.garbled.hex: missing" },
	{ BASE_HEAD BASE_PIN ", \"faults\": {\"garbled\": {\"hex\": \"00112233445566778899AABBCCDDEEFF00\"}}}", "field faults.garbled.hex: longer than 16 bytes" },
};

static void test_profile_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_profiles) / sizeof(bad_profiles[0]); i++) {
		char err[512] = "", want[300];
		sscard_sim *sim = NULL;
		sscard_rc rc = sscard_sim_load_string("t.json", bad_profiles[i].json, &sim, err,
		                                      sizeof(err));

		snprintf(want, sizeof(want), "t.json: %s", bad_profiles[i].message);
		if (rc != SSCARD_E_PROFILE || strncmp(err, want, strlen(want)) != 0)
			fail_msg("profile %zu: rc %d, \"%s\"; expected \"%s...\"", i, rc, err, want);
		assert_null(sim);
	}
}

static void test_profile_file_errors(void **state)
{
	char err[512] = "";
	sscard_sim *sim = NULL;

	(void)state;
	assert_int_equal(sscard_sim_load("/nonexistent/x.json", &sim, err, sizeof(err)), SSCARD_E_IO);
	assert_non_null(strstr(err, "/nonexistent/x.json: cannot open"));
	assert_int_equal(sscard_sim_load_string("ok.json", BASE_HEAD BASE_PIN "}", &sim, err,
	                                        sizeof(err)),
	                 SSCARD_OK);
	/* a blank card: every element present but padding only */
	{
		uint8_t atr[40];
		size_t atrlen = sizeof(atr);

		assert_int_equal(sscard_sim_power_on(sim, 1, atr, &atrlen), SSCARD_OK);
	}
	expect_sw(sim, SSSE_SELECT, "611B");
	expect(sim, "00B2083014", "0812" "000000000000000000000000000000000000" "9000");
	sscard_sim_free(&sim);
}

/* ---- the PSAM ------------------------------------------------------------------------------- */

#define PSAM_DES_SELECT "00A4040C06D15600000590"
#define PSAM_SM4_SELECT "00A4040C0F7378332E73682EC9E7BBE1B1A3D5CF"
#define PSAM_SM4_DF01 "00A4000C02DF01"

/* BF DE <usage> <index> Lc <the card's factors, lowest level first: card,
 * city[, province], as many as usage >> 5> <process block: the 8 bytes,
 * SM4 || 00 x8>; the answer. */
static const char *psam_init(sscard_sim *psam, sscard_sim *card, uint8_t usage, uint8_t index,
                             const uint8_t process[8])
{
	static char cmd[200];
	uint8_t data[48] = { 0 };
	size_t levels = (size_t)(usage >> 5), bs = sscard_alg_block(card->alg), n;
	sscard_div_factors f;
	const uint8_t *factor[3];

	card_factors(card, &f);
	factor[0] = f.card;
	factor[1] = f.city;
	factor[2] = f.province;
	for (size_t i = 0; i < levels && i < 3; i++)
		memcpy(data + 8 * i, factor[i], 8);
	memcpy(data + 8 * levels, process, 8);
	n = 8 * levels + bs;
	snprintf(cmd, sizeof(cmd), "BFDE%02X%02X%02zX", usage, index, n);
	sscard_hex_encode(data, n, cmd + 10, sizeof(cmd) - 10);
	return tx(psam, cmd);
}

/* 80 FA 00 00: the PSAM encrypts `orig` (SM4: || 00 x8); folded to the
 * 8-byte cryptogram as the terminal sends it. */
static void psam_cryptogram(sscard_sim *psam, sscard_alg alg, const uint8_t orig[8],
                            uint8_t out[8])
{
	uint8_t in[16] = { 0 }, enc[18];
	size_t bs = sscard_alg_block(alg), n = 0;
	char cmd[60], get[16], want[8];

	memcpy(in, orig, 8);
	snprintf(cmd, sizeof(cmd), "80FA0000%02zX", bs);
	sscard_hex_encode(in, bs, cmd + 10, sizeof(cmd) - 10);
	snprintf(want, sizeof(want), "61%02zX", bs);
	expect(psam, cmd, want);
	snprintf(get, sizeof(get), "00C00000%02zX", bs);
	assert_int_equal(sscard_hex_decode(tx(psam, get), enc, sizeof(enc), &n), SSCARD_OK);
	assert_int_equal(n, bs + 2);
	assert_int_equal(enc[bs] << 8 | enc[bs + 1], 0x9000);
	memcpy(out, enc, 8);
	for (size_t i = 0; bs == 16 && i < 8; i++)
		out[i] ^= enc[8 + i];
}

/* 80 FA 05 00: <IV block, zero><data, 80-padded to whole blocks> -> MAC */
static void psam_mac(sscard_sim *psam, sscard_alg alg, const uint8_t *data, size_t len,
                     uint8_t mac[SSCARD_MAC_LEN])
{
	uint8_t in[80] = { 0 }, got[8];
	size_t bs = sscard_alg_block(alg), n = (len / bs + 1) * bs, glen = 0;
	char cmd[200];

	memcpy(in + bs, data, len);
	in[bs + len] = 0x80;
	snprintf(cmd, sizeof(cmd), "80FA0500%02zX", bs + n);
	sscard_hex_encode(in, bs + n, cmd + 10, sizeof(cmd) - 10);
	expect(psam, cmd, "6104");
	assert_int_equal(sscard_hex_decode(tx(psam, "00C0000004"), got, sizeof(got), &glen),
	                 SSCARD_OK);
	assert_int_equal(glen, 6);
	assert_int_equal(got[4] << 8 | got[5], 0x9000);
	memcpy(mac, got, SSCARD_MAC_LEN);
}

/* SM4 (healthy-v3.json): RKSSSE by the PSAM opens EF06; the PSAM's IRK
 * checks the card's INTERNAL AUTHENTICATE; the PSAM's line MAC. */
static void test_psam_external_auth_end_to_end(void **state)
{
	static const uint8_t factor[8] = { 0xA0, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7 };
	static const uint8_t zero[8] = { 0 };
	sscard_sim *psam = load("psam.json");
	sscard_sim *card = load("healthy-v3.json");
	uint8_t ch[8], cg[8], want[8], rk[SSCARD_KEY_LEN], stk[SSCARD_KEY_LEN], pk[SSCARD_KEY_LEN],
		mac[SSCARD_MAC_LEN], mine[SSCARD_MAC_LEN];
	uint8_t blk[13] = { 0x84, 0x1E, 0x00, 0x00, 0x04 };
	char cmd[120], cg_hex[17], orig_hex[17], ia[40];
	const char *got;

	(void)state;
	expect(psam, "00B0960006", "4101008134759000");
	/* no application selected: no INIT */
	assert_string_equal(psam_init(psam, card, 0x47, 0x0A, zero), "6985");
	/* the PBOC DES INIT (80 1A) is no command of these PSAMs */
	expect(psam, "801A010118" "000000000000000000000000000000000000000000000000",
	       "6D00");
	/* the SM4 application: "sx3.sh.社会保障", then its DF01 */
	got = tx(psam, "00A404000F7378332E73682EC9E7BBE1B1A3D5CF");
	assert_true(strncmp(got, "61", 2) == 0);
	expect(psam, PSAM_SM4_DF01, "9000");
	/* the terminal: the card's challenge as process data, RKSSSE 47 0A */
	select_ssse(card);
	challenge(card, 8, ch);
	assert_string_equal(psam_init(psam, card, 0x47, 0x0A, ch), "9000");
	psam_cryptogram(psam, SSCARD_ALG_SM4, original, cg);
	card_key(card, V3_RK, CITY_CARD, rk);
	cryptogram(SSCARD_ALG_SM4, rk, ch, original, want);
	assert_memory_equal(cg, want, 8);
	sscard_hex_encode(cg, 8, cg_hex, sizeof(cg_hex));
	sscard_hex_encode(original, 8, orig_hex, sizeof(orig_hex));
	snprintf(cmd, sizeof(cmd), "0082000A10%s%s", cg_hex, orig_hex);
	expect(card, cmd, "9000");
	expect(card, "00B2083014", V3_SSN_REC "9000");
	/* INTERNAL AUTHENTICATE, checked with the PSAM's IRK (67 08: three
	 * levels, province city card) */
	expect(card, "0088000010" "A0A1A2A3A4A5A6A7" "1122334455667788", "6108");
	snprintf(ia, sizeof(ia), "%s", tx(card, "00C0000008"));
	assert_string_equal(psam_init(psam, card, 0x67, 0x08, factor), "9000");
	psam_cryptogram(psam, SSCARD_ALG_SM4, original, cg);
	sscard_hex_encode(cg, 8, cg_hex, sizeof(cg_hex));
	snprintf(cmd, sizeof(cmd), "%s9000", cg_hex);
	assert_string_equal(ia, cmd);
	/* the line MAC of APPLICATION BLOCK by the PSAM's STK (46 09) */
	challenge(card, 8, ch);
	assert_string_equal(psam_init(psam, card, 0x46, 0x09, ch), "9000");
	psam_mac(psam, SSCARD_ALG_SM4, blk, 5, mac);
	card_key(card, V3_STK, CITY_CARD, stk);
	process_key(SSCARD_ALG_SM4, stk, ch, pk);
	line_mac(SSCARD_ALG_SM4, pk, blk, 5, mine);
	assert_memory_equal(mac, mine, SSCARD_MAC_LEN);
	memcpy(blk + 5, mac, SSCARD_MAC_LEN);
	sscard_hex_encode(blk, 9, cmd, sizeof(cmd));
	expect(card, cmd, "9000");
	expect(card, "00B207280B", "6283");
	/* errors */
	expect(psam, "80FA00000F" "000000000000000000000000000000", "6700"); /* a partial block */
	expect(psam, "80FA050010" "00000000000000000000000000000000", "6700"); /* IV only */
	expect(psam, "80FA010010" "00000000000000000000000000000000", "6A86");
	expect(psam, "BFDE470A18" "000000000000000000000000000000000000000000000000", "6700");
	expect(psam, "BFDE070A10" "00000000000000000000000000000000", "6700"); /* no level */
	/* DES application after an SM4 INIT: its key is not there */
	expect(psam, PSAM_DES_SELECT, "9000");
	expect(psam, "80FA000008" "0000000000000000", "6985");
	expect(psam, PSAM_SM4_SELECT, "9000");
	expect(psam, PSAM_SM4_DF01, "9000");
	assert_string_equal(psam_init(psam, card, 0x47, 0x09, ch), "6A88"); /* no such key */
	expect(psam, "80FA000010" "00000000000000000000000000000000", "6985"); /* failed INIT left no key */
	expect(psam, "0020000003123456", "6D00");
	expect(psam, "00B2083014", "6D00");
	expect(psam, "801A000000", "6D00");
	sscard_sim_free(&card);
	sscard_sim_free(&psam);
}

/* DES (healthy-v2.json): UKSSSE by the PSAM (48 12), EXTERNAL
 * AUTHENTICATE 04, a plain write; a MAC'd write refused; the line MAC. */
static void test_psam_mac_protected_write(void **state)
{
	sscard_sim *psam = load("psam.json");
	sscard_sim *card = load("healthy-v2.json");
	uint8_t ch[8], cg[8], want[8], uk[SSCARD_KEY_LEN], stk[SSCARD_KEY_LEN], pk[SSCARD_KEY_LEN],
		mac[SSCARD_MAC_LEN], mine[SSCARD_MAC_LEN];
	uint8_t wr[16] = { 0x04, 0xDC, 0x0A, 0x30, 0x07, 0x0A, 0x01, 0x32 };
	uint8_t blk[13] = { 0x84, 0x1E, 0x00, 0x00, 0x04 };
	char cmd[120], cg_hex[17], orig_hex[17];

	(void)state;
	expect(psam, PSAM_DES_SELECT, "9000");
	select_ssse(card);
	challenge(card, 8, ch);
	assert_string_equal(psam_init(psam, card, 0x48, 0x12, ch), "9000");
	psam_cryptogram(psam, SSCARD_ALG_3DES, original, cg);
	card_key(card, V2_UK, CITY_CARD, uk);
	cryptogram(SSCARD_ALG_3DES, uk, ch, original, want);
	assert_memory_equal(cg, want, 8);
	sscard_hex_encode(cg, 8, cg_hex, sizeof(cg_hex));
	sscard_hex_encode(original, 8, orig_hex, sizeof(orig_hex));
	snprintf(cmd, sizeof(cmd), "0082000410%s%s", cg_hex, orig_hex);
	expect(card, cmd, "9000");
	expect(card, "00DC0A30030A0131", "9000");
	expect(card, "00B20A3003", "0A01319000");
	/* the old MAC'd write (CLA 04 DC), with the PSAM's right line MAC:
	 * refused, nothing written */
	challenge(card, 8, ch);
	assert_string_equal(psam_init(psam, card, 0x46, 0x09, ch), "9000");
	psam_mac(psam, SSCARD_ALG_3DES, wr, 8, mac);
	memcpy(wr + 8, mac, SSCARD_MAC_LEN);
	sscard_hex_encode(wr, 12, cmd, sizeof(cmd));
	expect(card, cmd, "6E00");
	expect(card, "00B20A3003", "0A01319000");
	/* APPLICATION BLOCK with the PSAM's line MAC (STK 46 09) */
	challenge(card, 8, ch);
	assert_string_equal(psam_init(psam, card, 0x46, 0x09, ch), "9000");
	psam_mac(psam, SSCARD_ALG_3DES, blk, 5, mac);
	card_key(card, V2_STK, CITY_CARD, stk);
	process_key(SSCARD_ALG_3DES, stk, ch, pk);
	line_mac(SSCARD_ALG_3DES, pk, blk, 5, mine);
	assert_memory_equal(mac, mine, SSCARD_MAC_LEN);
	memcpy(blk + 5, mac, SSCARD_MAC_LEN);
	sscard_hex_encode(blk, 9, cmd, sizeof(cmd));
	expect(card, cmd, "9000");
	expect(card, "00B2083014", "6283");
	assert_int_equal(sscard_sim_write_count(card), 1);
	/* SM4 keys are not the DES application's */
	expect(psam, PSAM_SM4_SELECT, "9000");
	assert_string_equal(psam_init(psam, card, 0x48, 0x13, ch), "6985"); /* SM4 MF, no DF01 */
	expect(psam, PSAM_DES_SELECT, "9000");
	assert_string_equal(psam_init(psam, card, 0x48, 0x13, ch), "6A88"); /* UK1SSSE: SM4 only */
	sscard_sim_free(&card);
	sscard_sim_free(&psam);
}

#define PSAM_HEAD "{\"kind\": \"psam\", \"atr\": \"3B00\", \"terminal_number\": \"410100813475\", \"keys\": ["
#define PSAM_KEY(extra) "{\"usage\": \"47\", \"index\": \"0A\", \"algorithm\": \"sm4\", " extra "}"
#define PSAM_GOOD "\"master\": \"00112233445566778899AABBCCDDEEFF\", \"test\": true"

static void test_psam_profile_errors(void **state)
{
	static const struct {
		const char *json, *message;
	} bad[] = {
		{ "{\"kind\": \"robot\"}", "field kind: \"robot\" is neither" },
		{ "{\"kind\": \"psam\", \"atr\": \"3B00\", \"pin\": {}}", "field pin: unknown field" },
		{ "{\"kind\": \"psam\", \"atr\": \"3B00\"}", "field terminal_number: missing" },
		{ "{\"kind\": \"psam\", \"atr\": \"3B00\", \"terminal_number\": \"4101\"}", "field terminal_number: must be 6 bytes" },
		{ "{\"kind\": \"psam\", \"atr\": \"3B00\", \"terminal_number\": \"410100813475\"}", "field keys: missing" },
		/* the old form (class, id) */
		{ PSAM_HEAD "{\"class\": \"line\", \"id\": 1, \"algorithm\": \"sm4\", " PSAM_GOOD "}]}", "field keys[0].class: unknown field" },
		{ PSAM_HEAD "{\"index\": \"0A\", \"algorithm\": \"sm4\", " PSAM_GOOD "}]}", "field keys[0].usage: missing" },
		{ PSAM_HEAD "{\"usage\": \"07\", \"index\": \"0A\", \"algorithm\": \"sm4\", " PSAM_GOOD "}]}", "field keys[0].usage: the high 3 bits name 1 to 3 levels" },
		{ PSAM_HEAD "{\"usage\": \"87\", \"index\": \"0A\", \"algorithm\": \"sm4\", " PSAM_GOOD "}]}", "field keys[0].usage: the high 3 bits name 1 to 3 levels" },
		{ PSAM_HEAD "{\"usage\": \"47\", \"algorithm\": \"sm4\", " PSAM_GOOD "}]}", "field keys[0].index: missing" },
		{ PSAM_HEAD "{\"usage\": \"47\", \"index\": \"0A\", \"algorithm\": \"des\", " PSAM_GOOD "}]}", "field keys[0].algorithm: \"des\"" },
		{ PSAM_HEAD PSAM_KEY("\"master\": \"00112233445566778899AABBCCDDEEFF\"") "]}", "field keys[0].test: must be true" },
		{ PSAM_HEAD PSAM_KEY("\"master\": \"0011\", \"test\": true") "]}", "field keys[0].master: a key is 16 bytes" },
		{ PSAM_HEAD PSAM_KEY(PSAM_GOOD) ", " PSAM_KEY(PSAM_GOOD) "]}", "field keys[1]: a second key with this algorithm, usage and index" },
	};
	char err[512] = "";
	sscard_sim *sim = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[300];
		sscard_rc rc;

		sim = NULL;
		rc = sscard_sim_load_string("p.json", bad[i].json, &sim, err, sizeof(err));
		snprintf(want, sizeof(want), "p.json: %s", bad[i].message);
		if (rc != SSCARD_E_PROFILE || strncmp(err, want, strlen(want)) != 0)
			fail_msg("psam profile %zu: rc %d, \"%s\"; expected \"%s...\"", i, rc, err, want);
		assert_null(sim);
	}
	/* the same usage and index in both applications is fine */
	assert_int_equal(sscard_sim_load_string("p.json",
	                                        PSAM_HEAD PSAM_KEY(PSAM_GOOD) ", {\"usage\": \"47\", \"index\": \"0A\", \"algorithm\": \"3des\", " PSAM_GOOD "}]}",
	                                        &sim, err, sizeof(err)),
	                 SSCARD_OK);
	sscard_sim_free(&sim);
}

/* ---- the old forms, refused (issue: secure channel in the field forms) -------------------- */

/* A challenge is good for the next command only, whatever that command
 * is: refused ones (unknown INS, wrong CLA, malformed) spend it too. */
static void test_challenge_spent_by_any_command(void **state)
{
	static const char *const others[] = { "00FE000000", "A0B2012800", "00A4000005EF05" };
	sscard_sim *sim = load("healthy-v2.json");
	uint8_t rk[SSCARD_KEY_LEN], ch[8];
	char cmd[80];

	(void)state;
	select_ssse(sim);
	card_key(sim, V2_RK, CITY_CARD, rk);
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		challenge(sim, 8, ch);
		tx(sim, others[i]);
		ext_auth_cmd(SSCARD_ALG_3DES, rk, 0x0A, ch, "", cmd);
		expect(sim, cmd, "6984");
	}
	/* the same cryptogram right after its challenge is accepted */
	challenge(sim, 8, ch);
	ext_auth_cmd(SSCARD_ALG_3DES, rk, 0x0A, ch, "", cmd);
	expect(sim, cmd, "9000");
	sscard_sim_free(&sim);
}

static void test_old_forms_refused(void **state)
{
	sscard_sim *sim = load("healthy-v2.json");
	sscard_sim *psam = load("psam.json");
	uint8_t rk[SSCARD_KEY_LEN], uk[SSCARD_KEY_LEN], stk[SSCARD_KEY_LEN], ch[8], enc[8];
	char cmd[80], hex[17], ch_hex[17];

	(void)state;
	select_ssse(sim);
	card_key(sim, V2_RK, CITY_CARD, rk);
	card_key(sim, V2_UK, CITY_CARD, uk);
	card_key(sim, V2_STK, CITY_CARD, stk);
	/* a 16-byte GET CHALLENGE (the PKI application's form) */
	expect(sim, "0084000010", "6700");
	/* EXTERNAL AUTHENTICATE with Lc 08: the bare E(K, challenge) */
	challenge(sim, 8, ch);
	assert_int_equal(sscard_crypto_ecb(SSCARD_ALG_3DES, rk, true, ch, 8, enc), SSCARD_OK);
	sscard_hex_encode(enc, 8, hex, sizeof(hex));
	snprintf(cmd, sizeof(cmd), "0082000A08%s", hex);
	expect(sim, cmd, "6700");
	/* ... and E(K, challenge) in the 16-byte form, the challenge where
	 * the original belongs */
	challenge(sim, 8, ch);
	assert_int_equal(sscard_crypto_ecb(SSCARD_ALG_3DES, rk, true, ch, 8, enc), SSCARD_OK);
	sscard_hex_encode(enc, 8, hex, sizeof(hex));
	sscard_hex_encode(ch, 8, ch_hex, sizeof(ch_hex));
	snprintf(cmd, sizeof(cmd), "0082000A10%s%s", hex, ch_hex);
	expect(sim, cmd, "6300");
	expect(sim, "00B0880004", "6982"); /* EF08 stays shut */
	/* a MAC'd data write (CLA 04 DC / E2 / D6), with the update key in
	 * the register and a right line MAC */
	assert_string_equal(ext_auth(sim, uk, 0x04), "9000");
	assert_string_equal(tx_line(sim, stk, "04DC0A30", "0A0131", false), "6E00");
	assert_string_equal(tx_line(sim, stk, "04E20028", "990199", false), "6E00");
	assert_string_equal(tx_line(sim, stk, "04D60000", "1234", false), "6E00");
	assert_int_equal(sscard_sim_write_count(sim), 0);
	assert_int_equal(sscard_sim_write_commands(sim), 0);
	/* the PSAM: 80 1A (PBOC DES INIT) is not supported */
	expect(psam, PSAM_DES_SELECT, "9000");
	expect(psam, "801A010118" "000000000000000000000000000000000000000000000000", "6D00");
	expect(psam, "801A040210" "00000000000000000000000000000000", "6D00");
	sscard_sim_free(&psam);
	sscard_sim_free(&sim);
}

/* A profile's "read"/"write" overrides: "ext:XX" names the key to
 * authenticate with; "mac" is gone. */
static void test_profile_access_override(void **state)
{
	static const char profile[] =
		"{\"version\": 2, \"algorithm\": \"3des\", \"atr\": \"3B6D00000087CF20018649618C009773F5\","
		" \"pin\": {\"value\": \"123456\"}, \"files\": {\"SSSE/EF05\": {\"read\": \"ext:0A\","
		" \"write\": \"never\"}, \"SSSE/EF06\": {\"write\": \"pin\"}},"
		" \"keys\": [{\"df\": \"SSSE\", \"class\": \"external\", \"id\": 10,"
		" \"master\": \"00112233445566778899AABBCCDDEEFF\", \"test\": true}]}";
	uint8_t atr[40], key[SSCARD_KEY_LEN];
	size_t atrlen = sizeof(atr), n = 0;
	char err[256];
	sscard_sim *sim = NULL;

	(void)state;
	assert_int_equal(sscard_sim_load_string("o.json", profile, &sim, err, sizeof(err)), SSCARD_OK);
	assert_int_equal(sscard_sim_power_on(sim, 1, atr, &atrlen), SSCARD_OK);
	select_ssse(sim);
	assert_int_equal(sscard_hex_decode("00112233445566778899AABBCCDDEEFF", key, sizeof(key), &n),
	                 SSCARD_OK);
	expect(sim, "00B2012C12", "6982");
	assert_string_equal(ext_auth(sim, key, 0x0A), "9000");
	expect_sw(sim, "00B2012C12", "9000");
	expect(sim, "00E2002803E00100", "6986"); /* never */
	expect(sim, "00DC0A30030A0131", "6982"); /* pin */
	expect(sim, "0020000003123456", "9000");
	expect(sim, "00DC0A30030A0131", "9000");
	assert_int_equal(sscard_sim_write_count(sim), 1);
	sscard_sim_free(&sim);
}

/* ---- robustness: the card survives whatever a host sends ----------------------------------- */

static uint64_t next_rand(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* Seeded random APDUs, biased towards the instructions the card knows,
 * against several profiles: every answer carries a status word and fits
 * R-APDU bounds; a torn write or removal is a typed error. */
static void test_random_apdus(void **state)
{
	static const char *const profiles[] = { "healthy-v3.json", "healthy-v2-t1.json",
		                                "psam.json", "torn-write.json", "flaky.json" };
	static const uint8_t ins[] = { 0xA4, 0xB2, 0xDC, 0xE2, 0xB0, 0xD6, 0xC0, 0x84, 0x82,
		                       0x88, 0x20, 0x5E, 0x24, 0x1E, 0x18, 0x1A, 0xFA };
	static const uint8_t cla[] = { 0x00, 0x04, 0x80, 0x84 };
	uint64_t seed = 20261124;

	(void)state;
	for (size_t p = 0; p < sizeof(profiles) / sizeof(profiles[0]); p++) {
		sscard_sim *sim = load(profiles[p]);

		for (int i = 0; i < 4000; i++) {
			uint8_t c[300], r[300], atr[40];
			size_t clen, rlen = sizeof(r), atrlen = sizeof(atr);
			uint64_t x = next_rand(&seed);
			sscard_rc rc;

			c[0] = (x & 3) ? cla[(x >> 2) % 4] : (uint8_t)(x >> 8);
			c[1] = (x & 0x30) ? ins[(x >> 16) % sizeof(ins)] : (uint8_t)(x >> 24);
			c[2] = (uint8_t)(x >> 32);
			c[3] = (uint8_t)(x >> 40);
			clen = 4 + (size_t)((x >> 48) % 40);
			for (size_t j = 4; j < clen; j++)
				c[j] = (uint8_t)next_rand(&seed);
			if (clen > 4 && (x >> 60) < 12)
				c[4] = (uint8_t)(clen - 5 - ((x >> 59) & 1)); /* mostly a consistent Lc */
			rc = sscard_sim_apdu(sim, c, clen, r, &rlen);
			if (rc == SSCARD_OK) {
				assert_true(rlen >= 2 && rlen <= 258);
				assert_true(r[rlen - 2] >= 0x61 && r[rlen - 2] <= 0x9F);
			} else {
				assert_true(rc == SSCARD_E_CARD_REMOVED || rc == SSCARD_E_MUTE);
				assert_int_equal(sscard_sim_power_on(sim, 1, atr, &atrlen), SSCARD_OK);
			}
		}
		sscard_sim_free(&sim);
	}
}

/* ---- the transport through the library ------------------------------------------------------- */

static void test_transport(void **state)
{
	static const uint8_t ssse[] = { 0x73, 0x78, 0x31, 0x2E, 0x73, 0x68, 0x2E, 0xC9,
		                        0xE7, 0xBB, 0xE1, 0xB1, 0xA3, 0xD5, 0xCF };
	char path[512], reader[600];
	uint8_t resp[300];
	size_t len = 0;
	uint16_t sw = 0;
	sscard_ctx *ctx = NULL;
	sscard_card *card = NULL;
	sscard_apdu sel = { .cla = 0, .ins = 0xA4, .p1 = 4, .p2 = 0, .data = ssse,
		            .nc = sizeof(ssse), .ne = 256 };
	sscard_apdu rd = { .cla = 0, .ins = 0xB2, .p1 = 8, .p2 = 0x30, .ne = 256 };
	const uint8_t *atr;
	size_t atrlen;

	(void)state;
	assert_int_equal(sscard_ctx_new(&ctx), SSCARD_OK);
	profile_path("healthy-v2.json", path, sizeof(path));
	snprintf(reader, sizeof(reader), "sim:%s", path);
	assert_int_equal(sscard_connect(ctx, reader, &card), SSCARD_OK);
	assert_string_equal(sscard_card_transport(card), "sim");
	assert_int_equal(sscard_card_protocol(card), 0);
	assert_int_equal(sscard_card_atr(card, &atr, &atrlen), SSCARD_OK);
	assert_int_equal(atrlen, 17);
	/* 61xx answered by GET RESPONSE in the library */
	assert_int_equal(sscard_exchange(card, &sel, resp, sizeof(resp), &len, &sw), SSCARD_OK);
	assert_int_equal(sw, 0x9000);
	assert_int_equal(len, 0x1B); /* the FCI, its A5 naming the algorithm */
	assert_int_equal(resp[len - 1], 0x01); /* DES */
	/* Le 256 on T=0: 6C14, the library resends */
	assert_int_equal(sscard_exchange(card, &rd, resp, sizeof(resp), &len, &sw), SSCARD_OK);
	assert_int_equal(sw, 0x9000);
	assert_int_equal(len, 20);
	assert_memory_equal(resp + 2, "630102197503150025", 18);
	assert_int_equal(sscard_card_apdu_count(card), 4);
	sscard_disconnect(&card);

	/* a mute card: connect says so */
	profile_path("mute.json", path, sizeof(path));
	snprintf(reader, sizeof(reader), "sim:%s", path);
	assert_int_equal(sscard_connect(ctx, reader, &card), SSCARD_E_MUTE);
	assert_null(card);
	/* a missing profile */
	assert_int_equal(sscard_connect(ctx, "sim:/nonexistent.json", &card), SSCARD_E_IO);
	/* removal mid-session reaches the caller as a typed error */
	profile_path("removed.json", path, sizeof(path));
	snprintf(reader, sizeof(reader), "sim:%s", path);
	assert_int_equal(sscard_connect(ctx, reader, &card), SSCARD_OK);
	for (int i = 0; i < 2; i++)
		assert_int_equal(sscard_exchange(card, &sel, resp, sizeof(resp), &len, &sw), SSCARD_OK);
	assert_int_equal(sscard_exchange(card, &sel, resp, sizeof(resp), &len, &sw),
	                 SSCARD_E_CARD_REMOVED);
	sscard_disconnect(&card);
	sscard_ctx_free(&ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_atr_and_power),
		cmocka_unit_test(test_mute_and_bad_atr),
		cmocka_unit_test(test_select_forms),
		cmocka_unit_test(test_read_record_forms),
		cmocka_unit_test(test_t1),
		cmocka_unit_test(test_status_words),
		cmocka_unit_test(test_read_binary),
		cmocka_unit_test(test_pin),
		cmocka_unit_test(test_pin_unblock_and_reload),
		cmocka_unit_test(test_external_auth),
		cmocka_unit_test(test_internal_auth),
		cmocka_unit_test(test_protected_update),
		cmocka_unit_test(test_append_until_full),
		cmocka_unit_test(test_key_error_counter),
		cmocka_unit_test(test_read_only_probe_writes_nothing),
		cmocka_unit_test(test_app_block_unblock),
		cmocka_unit_test(test_fault_mute_after),
		cmocka_unit_test(test_fault_removed),
		cmocka_unit_test(test_fault_torn_write),
		cmocka_unit_test(test_fault_flaky_is_deterministic),
		cmocka_unit_test(test_fault_garbled),
		cmocka_unit_test(test_fault_slow_and_corrupt),
		cmocka_unit_test(test_profile_data_validates),
		cmocka_unit_test(test_all_profiles_load),
		cmocka_unit_test(test_profile_errors),
		cmocka_unit_test(test_profile_file_errors),
		cmocka_unit_test(test_psam_external_auth_end_to_end),
		cmocka_unit_test(test_psam_mac_protected_write),
		cmocka_unit_test(test_psam_profile_errors),
		cmocka_unit_test(test_old_forms_refused),
		cmocka_unit_test(test_challenge_spent_by_any_command),
		cmocka_unit_test(test_profile_access_override),
		cmocka_unit_test(test_random_apdus),
		cmocka_unit_test(test_transport),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
