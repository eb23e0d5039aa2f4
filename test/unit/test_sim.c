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
#include "sim/sim_int.h"
#include "validate.h"

#define SSSE_SELECT "00A404000F7378312E73682EC9E7BBE1B1A3D5CF"
#define SSSE_FCI "6F1384" "0F7378312E73682EC9E7BBE1B1A3D5CF" "A500"

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

static void select_ssse(sscard_sim *sim)
{
	expect(sim, SSSE_SELECT, "6115");
	expect(sim, "00C0000015", SSSE_FCI "9000");
}

/* The card's key of a profile's master, diversified province, city, card
 * as the profile says: computed here from the ATR and tag 01. */
static void card_key(sscard_sim *sim, const char *master_hex, uint8_t out[SSCARD_KEY_LEN])
{
	static const sscard_div_level levels[] = { SSCARD_LEVEL_PROVINCE, SSCARD_LEVEL_CITY,
	                                           SSCARD_LEVEL_CARD };
	uint8_t master[SSCARD_KEY_LEN], card_id[16];
	size_t n = 0;
	int ef = sim_fs_by_path(sim, "SSSE/EF05");
	int rec;

	assert_int_equal(sscard_hex_decode(master_hex, master, sizeof(master), &n), SSCARD_OK);
	rec = sim_fs_record_by_tag(&sim->files[ef], 0x01);
	assert_true(rec >= 0);
	memcpy(card_id, sim->files[ef].records[rec].data + 2, 16);
	assert_int_equal(sim_card_key(sim->alg, master, levels, 3, sim->atr, sim->atr_len,
	                              card_id, out),
	                 SSCARD_OK);
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

/* A MAC-protected command: GET CHALLENGE, then header + data + MAC. */
static const char *tx_mac(sscard_sim *sim, const uint8_t key[SSCARD_KEY_LEN],
                          const char *hdr4_hex, const char *data_hex)
{
	uint8_t ch[18], input[300], mac[SSCARD_MAC_LEN];
	size_t dlen = 0, n;
	char cmd[700], machex[9];

	challenge(sim, 4, ch);
	assert_int_equal(sscard_hex_decode(hdr4_hex, input, 4, &n), SSCARD_OK);
	assert_int_equal(sscard_hex_decode(data_hex, input + 5, sizeof(input) - 5, &dlen),
	                 SSCARD_OK);
	input[4] = (uint8_t)(dlen + SSCARD_MAC_LEN);
	assert_int_equal(sscard_crypto_mac(sim->alg, key, ch, 4, input, 5 + dlen, mac), SSCARD_OK);
	sscard_hex_encode(mac, sizeof(mac), machex, sizeof(machex));
	snprintf(cmd, sizeof(cmd), "%s%02zX%s%s", hdr4_hex, dlen + SSCARD_MAC_LEN, data_hex, machex);
	return tx(sim, cmd);
}

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
	expect(sim, SSSE_SELECT, "6115");
	expect(sim, "00C0000016", "6C15");
	expect(sim, "00C0000005", "6F13840F736110");
	expect(sim, "00C0000010", "78312E73682EC9E7BBE1B1A3D5CFA5009000");
	expect(sim, "00C0000001", "6985"); /* nothing left */
	/* partial DF name */
	expect(sim, "00A40400077378312E73682E", "6115");
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
	expect(sim, SSSE_SELECT "00", SSSE_FCI "9000");
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
	expect(sim, "00DC08300100", "6982");        /* MAC-protected file */
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
	uint8_t stk[SSCARD_KEY_LEN];

	(void)state;
	select_ssse(sim);
	/* EF08 by SFI: 22 bytes */
	expect(sim, "00B0880004", "FFD8FFE09000");
	expect(sim, "00B0880000", "6C16");
	expect(sim, "00B0001402", "FFD99000"); /* offset 20 in the current EF */
	expect(sim, "00B0001602", "6B00");     /* offset = size */
	expect(sim, "00B0001404", "6C02");
	/* UPDATE BINARY needs the MAC; with it the bytes change */
	expect(sim, "00D6000002AAAA", "6982");
	card_key(sim, "C3C3C3C3C3C3C3C3D4D4D4D4D4D4D4D4", stk);
	assert_string_equal(tx_mac(sim, stk, "04D60000", "1234"), "9000");
	expect(sim, "00B0000002", "12349000");
	assert_string_equal(tx_mac(sim, stk, "04D60015", "123456"), "6700");
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
	uint8_t puk[SSCARD_KEY_LEN], block[8] = { 6, 0x65, 0x43, 0x21, 0x80, 0, 0, 0 };
	uint8_t enc[8];
	char enc_hex[17];

	(void)state;
	select_ssse(sim);
	card_key(sim, "A1A1A1A1A1A1A1A1B2B2B2B2B2B2B2B2", puk);
	expect(sim, "842400000400000000", "6984"); /* no challenge */
	expect(sim, "0024000000", "6E00");
	assert_string_equal(tx_mac(sim, puk, "84240000", ""), "9000");
	expect(sim, "00200000", "63C3");
	expect(sim, "0020000003123456", "9000");
	/* a wrong MAC */
	{
		uint8_t wrong[SSCARD_KEY_LEN];

		memset(wrong, 0x5A, sizeof(wrong));
		assert_string_equal(tx_mac(sim, wrong, "84240000", ""), "6988");
	}
	/* reload: the new PIN encrypted under the PUK */
	assert_int_equal(sscard_crypto_ecb(SSCARD_ALG_3DES, puk, true, block, 8, enc), SSCARD_OK);
	sscard_hex_encode(enc, 8, enc_hex, sizeof(enc_hex));
	assert_string_equal(tx_mac(sim, puk, "84240001", enc_hex), "9000");
	expect(sim, "0020000003123456", "63C2");
	expect(sim, "0020000003654321", "9000");
	assert_string_equal(tx_mac(sim, puk, "84240001", "0011223344556677"), "6A80");
	assert_string_equal(tx_mac(sim, puk, "84240002", ""), "6A86");
	sscard_sim_free(&sim);
}

/* ---- authentication -------------------------------------------------------------------- */

static void test_external_auth(void **state)
{
	sscard_sim *sim = load("healthy-v3.json");
	uint8_t rk[SSCARD_KEY_LEN], ch[18], crypt[16];
	char cmd[100], hex[33], plain_hex[33];

	(void)state;
	select_ssse(sim);
	card_key(sim, "00112233445566778899AABBCCDDEEFF", rk);
	/* no challenge yet */
	expect(sim, "008200011000000000000000000000000000000000", "6984");
	/* SM4: a 16-byte challenge, E(RK, challenge) */
	challenge(sim, 16, ch);
	assert_int_equal(sscard_crypto_ecb(SSCARD_ALG_SM4, rk, true, ch, 16, crypt), SSCARD_OK);
	sscard_hex_encode(crypt, 16, hex, sizeof(hex));
	snprintf(cmd, sizeof(cmd), "0082000110%s", hex);
	expect(sim, cmd, "9000");
	/* now the holder's file opens */
	expect(sim, "00B2083014", "0812" "313130313031313938313031303131313137" "9000");
	expect(sim, "00B0870004", "46494E479000");
	/* the challenge was used up */
	expect(sim, cmd, "6984");
	/* cryptogram + plaintext (the two-step form) */
	challenge(sim, 16, ch);
	assert_int_equal(sscard_crypto_ecb(SSCARD_ALG_SM4, rk, true, ch, 16, crypt), SSCARD_OK);
	sscard_hex_encode(crypt, 16, hex, sizeof(hex));
	sscard_hex_encode(ch, 16, plain_hex, sizeof(plain_hex));
	snprintf(cmd, sizeof(cmd), "0082000120%s%s", hex, plain_hex);
	expect(sim, cmd, "9000");
	/* a wrong cryptogram: 6300; wrong key id: 6A88; wrong length: 6700 */
	challenge(sim, 16, ch);
	expect(sim, "008200011000000000000000000000000000000000", "6300");
	expect(sim, "008200091000000000000000000000000000000000", "6A88");
	challenge(sim, 16, ch);
	expect(sim, "00820001080000000000000000", "6700");
	/* leaving for the MF drops the authentication */
	expect(sim, "00A40000023F00", "6104");
	select_ssse(sim);
	expect(sim, "00B2083014", "6982");
	sscard_sim_free(&sim);
}

static void test_internal_auth(void **state)
{
	sscard_sim *sim = load("healthy-v2.json");
	uint8_t irk[SSCARD_KEY_LEN], rnd[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, out[8];
	char want[40];

	(void)state;
	select_ssse(sim);
	card_key(sim, "F0E1D2C3B4A5968778695A4B3C2D1E0F", irk);
	assert_int_equal(sscard_crypto_ecb(SSCARD_ALG_3DES, irk, true, rnd, 8, out), SSCARD_OK);
	sscard_hex_encode(out, 8, want, sizeof(want));
	strcat(want, "9000");
	expect(sim, "00880001080102030405060708", "6108");
	expect(sim, "00C0000008", want);
	expect(sim, "00880002080102030405060708", "6A88");
	expect(sim, "0088000100", "6700");
	expect(sim, "00880101080102030405060708", "6A86");
	sscard_sim_free(&sim);
}

/* ---- writes ------------------------------------------------------------------------------ */

static void test_protected_update(void **state)
{
	sscard_sim *sim = load("healthy-v2.json");
	uint8_t stk[SSCARD_KEY_LEN], wrong[SSCARD_KEY_LEN];
	const char *sex2 = "0A0131";

	(void)state;
	select_ssse(sim);
	card_key(sim, "C3C3C3C3C3C3C3C3D4D4D4D4D4D4D4D4", stk);
	memset(wrong, 0x11, sizeof(wrong));
	expect(sim, "00DC0A30030A0131", "6982");       /* no MAC */
	expect(sim, "04DC0A30070A013100000000", "6984"); /* MAC without a challenge */
	assert_string_equal(tx_mac(sim, wrong, "04DC0A30", sex2), "6988");
	assert_int_equal(sscard_sim_write_count(sim), 0);
	assert_string_equal(tx_mac(sim, stk, "04DC0A30", sex2), "9000");
	expect(sim, "00B20A3003", "0A01319000");
	/* by record number, and the checks */
	assert_string_equal(tx_mac(sim, stk, "04DC0334", "0A0132"), "9000");
	expect(sim, "00B20A3003", "0A01329000");
	assert_string_equal(tx_mac(sim, stk, "04DC0A30", "0B0131"), "6A80"); /* tag mismatch */
	assert_string_equal(tx_mac(sim, stk, "04DC0A30", "0A023132"), "6700"); /* too long */
	assert_string_equal(tx_mac(sim, stk, "04DC7730", "770131"), "6A83");
	assert_string_equal(tx_mac(sim, stk, "04DC0A31", "0A0131"), "6A86");
	/* APPEND RECORD */
	assert_string_equal(tx_mac(sim, stk, "04E20028", "990199"), "9000");
	expect(sim, "00B2992803", "9901999000");
	assert_int_equal(sscard_sim_write_count(sim), 3);
	assert_int_equal(sscard_sim_write_commands(sim), 10);
	sscard_sim_free(&sim);
}

static void test_append_until_full(void **state)
{
	sscard_sim *sim = load("healthy-v2.json");
	uint8_t stk[SSCARD_KEY_LEN];

	(void)state;
	select_ssse(sim);
	card_key(sim, "C3C3C3C3C3C3C3C3D4D4D4D4D4D4D4D4", stk);
	for (int i = 7; i < 16; i++) /* EF05 holds 7 of 16 records */
		assert_string_equal(tx_mac(sim, stk, "04E20028", "E00100"), "9000");
	assert_string_equal(tx_mac(sim, stk, "04E20028", "E00100"), "6A84");
	expect(sim, "00B2102C03", "E001009000"); /* record 16 */
	sscard_sim_free(&sim);
}

/* A key with an error counter: 63Cx per wrong cryptogram, then blocked. */
static void test_key_error_counter(void **state)
{
	static const char profile[] =
		"{\"version\": 2, \"algorithm\": \"3des\", \"atr\": \"3B6D00000087CF20018649618C009773F5\","
		" \"pin\": {\"value\": \"123456\"}, \"keys\": [{\"df\": \"SSSE\", \"class\": \"external\","
		" \"id\": 2, \"tries\": 2, \"master\": \"00112233445566778899AABBCCDDEEFF\", \"test\": true}]}";
	uint8_t atr[40], ch[8], crypt[8], key[SSCARD_KEY_LEN];
	size_t atrlen = sizeof(atr), n = 0;
	char err[256], cmd[64], hex[17];
	sscard_sim *sim = NULL;

	(void)state;
	assert_int_equal(sscard_sim_load_string("k.json", profile, &sim, err, sizeof(err)), SSCARD_OK);
	assert_int_equal(sscard_sim_power_on(sim, 1, atr, &atrlen), SSCARD_OK);
	select_ssse(sim);
	assert_int_equal(sscard_hex_decode("00112233445566778899AABBCCDDEEFF", key, sizeof(key), &n),
	                 SSCARD_OK);
	challenge(sim, 8, ch);
	expect(sim, "00820002080000000000000000", "63C1");
	/* the right cryptogram resets the counter */
	challenge(sim, 8, ch);
	assert_int_equal(sscard_crypto_ecb(SSCARD_ALG_3DES, key, true, ch, 8, crypt), SSCARD_OK);
	sscard_hex_encode(crypt, 8, hex, sizeof(hex));
	snprintf(cmd, sizeof(cmd), "0082000208%s", hex);
	expect(sim, cmd, "9000");
	challenge(sim, 8, ch);
	expect(sim, "00820002080000000000000000", "63C1");
	challenge(sim, 8, ch);
	expect(sim, "00820002080000000000000000", "6983");
	challenge(sim, 8, ch);
	assert_int_equal(sscard_crypto_ecb(SSCARD_ALG_3DES, key, true, ch, 8, crypt), SSCARD_OK);
	sscard_hex_encode(crypt, 8, hex, sizeof(hex));
	snprintf(cmd, sizeof(cmd), "0082000208%s", hex);
	expect(sim, cmd, "6983");
	sscard_sim_free(&sim);
}

static void test_read_only_probe_writes_nothing(void **state)
{
	static const char *const probe[] = { SSSE_SELECT, "00C0000015", "00B2012C12",
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
	uint8_t stk[SSCARD_KEY_LEN];

	(void)state;
	select_ssse(sim);
	card_key(sim, "C3C3C3C3C3C3C3C3D4D4D4D4D4D4D4D4", stk);
	expect(sim, "841E000004", "6700");
	assert_string_equal(tx_mac(sim, stk, "841E0000", ""), "9000");
	expect(sim, "00B2083014", "6283");
	expect(sim, SSSE_SELECT, "6283");
	expect(sim, "0020000003123456", "6283");
	assert_string_equal(tx_mac(sim, stk, "84180000", ""), "9000");
	expect(sim, "00B2083014", "0812" "363330313032313937353033313530303235" "9000");
	/* permanent: nothing brings it back */
	assert_string_equal(tx_mac(sim, stk, "841E0001", ""), "9000");
	expect(sim, "00B2083014", "9303");
	expect(sim, SSSE_SELECT, "9303");
	assert_string_equal(tx_mac(sim, stk, "84180000", ""), "9303");
	/* the MF is no application */
	expect(sim, "00A40000023F00", "6104");
	assert_string_equal(tx_mac(sim, stk, "841E0000", ""), "6A88"); /* no STK in the MF */
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
	expect(sim, SSSE_SELECT, "6115");
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
	uint8_t stk[SSCARD_KEY_LEN], atr[40];
	size_t atrlen = sizeof(atr);
	uint8_t c[60], r[10], ch[4], input[40], mac[4];
	size_t clen = 0, rlen = sizeof(r), n = 0;
	/* a new SSN over the old 630102197503150025 */
	const char *rec = "0812" "313130313031313938313031303131313137";

	(void)state;
	select_ssse(sim);
	card_key(sim, "C3C3C3C3C3C3C3C3D4D4D4D4D4D4D4D4", stk);
	challenge(sim, 4, ch);
	memcpy(input, "\x04\xDC\x08\x30\x18", 5);
	assert_int_equal(sscard_hex_decode(rec, input + 5, 20, &n), SSCARD_OK);
	assert_int_equal(sscard_crypto_mac(SSCARD_ALG_3DES, stk, ch, 4, input, 5 + 20, mac), SSCARD_OK);
	memcpy(c, input, 25);
	memcpy(c + 25, mac, 4);
	clen = 29;
	assert_int_equal(sscard_sim_apdu(sim, c, clen, r, &rlen), SSCARD_E_CARD_REMOVED);
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
	expect_sw(sim, SSSE_SELECT, "6115");
	expect(sim, "00B2083014", "0812" "000000000000000000000000000000000000" "9000");
	sscard_sim_free(&sim);
}

/* ---- the PSAM ------------------------------------------------------------------------------- */

/* DES INIT data: province, city and card factors of a card profile. */
static void factors_hex(sscard_sim *card, char out[3 * 16 + 1])
{
	int ef = sim_fs_by_path(card, "SSSE/EF05");
	int rec = sim_fs_record_by_tag(&card->files[ef], 0x01);
	sscard_div_factors f;

	assert_int_equal(sscard_div_factors_make(card->atr, card->atr_len,
	                                         card->files[ef].records[rec].data + 2, 16, &f),
	                 SSCARD_OK);
	sscard_hex_encode(f.province, 8, out, 17);
	sscard_hex_encode(f.city, 8, out + 16, 17);
	sscard_hex_encode(f.card, 8, out + 32, 17);
}

static void test_psam_external_auth_end_to_end(void **state)
{
	sscard_sim *psam = load("psam.json");
	sscard_sim *card = load("healthy-v3.json");
	char factors[49], cmd[200], hex[80];
	uint8_t ch[16];

	(void)state;
	expect(psam, "00B0960006", "4101008134759000");
	factors_hex(card, factors);
	/* the terminal: DES INIT with the card's factors, encrypt the challenge */
	snprintf(cmd, sizeof(cmd), "801A010118%s", factors);
	expect(psam, cmd, "9000");
	select_ssse(card);
	challenge(card, 16, ch);
	sscard_hex_encode(ch, 16, hex, sizeof(hex));
	snprintf(cmd, sizeof(cmd), "80FA000010%s", hex);
	expect(psam, cmd, "6110");
	snprintf(cmd, sizeof(cmd), "0082000120%.32s%s", tx(psam, "00C0000010"), hex);
	/* the card accepts the PSAM's cryptogram + the plain challenge */
	expect(card, cmd, "9000");
	expect(card, "00B2083014", "0812" "313130313031313938313031303131313137" "9000");
	/* errors */
	expect(psam, "801A010107" "00000000000000", "6700"); /* a factor of 7 bytes */
	expect(psam, "801A010908" "0000000000000000", "6A88");
	expect(psam, "80FA000010" "00000000000000000000000000000000", "6985"); /* failed INIT left no key */
	expect(psam, "80FA010000", "6A86");
	expect(psam, "0020000003123456", "6D00");
	expect(psam, "00B2083014", "6D00");
	sscard_sim_free(&card);
	sscard_sim_free(&psam);
}

static void test_psam_mac_protected_write(void **state)
{
	sscard_sim *psam = load("psam.json");
	sscard_sim *card = load("healthy-v2.json");
	char factors[49], cmd[200], chhex[9];
	uint8_t ch[4];

	(void)state;
	factors_hex(card, factors);
	snprintf(cmd, sizeof(cmd), "801A040218%s", factors); /* line key, 3DES set */
	expect(psam, cmd, "9000");
	select_ssse(card);
	challenge(card, 4, ch);
	sscard_hex_encode(ch, 4, chhex, sizeof(chhex));
	/* IV = challenge zero-padded; data = header, Lc with the MAC, record */
	snprintf(cmd, sizeof(cmd), "80FA050010%s0000000004DC0A30070A0131", chhex);
	expect_sw(psam, cmd, "6104");
	snprintf(cmd, sizeof(cmd), "04DC0A30070A0131%.8s", tx(psam, "00C0000004"));
	expect(card, cmd, "9000");
	expect(card, "00B20A3003", "0A01319000");
	assert_int_equal(sscard_sim_write_count(card), 1);
	sscard_sim_free(&card);
	sscard_sim_free(&psam);
}

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
		{ "{\"kind\": \"psam\", \"atr\": \"3B00\", \"terminal_number\": \"410100813475\", \"keys\": [{\"class\": \"line\", \"id\": 1, \"algorithm\": \"des\", \"master\": \"00\", \"test\": true}]}", "field keys[0].algorithm: \"des\"" },
		{ "{\"kind\": \"psam\", \"atr\": \"3B00\", \"terminal_number\": \"410100813475\", \"keys\": [{\"class\": \"line\", \"id\": 1, \"algorithm\": \"sm4\", \"master\": \"00112233445566778899AABBCCDDEEFF\"}]}", "field keys[0].test: must be true" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[512] = "", want[300];
		sscard_sim *sim = NULL;
		sscard_rc rc = sscard_sim_load_string("p.json", bad[i].json, &sim, err, sizeof(err));

		snprintf(want, sizeof(want), "p.json: %s", bad[i].message);
		if (rc != SSCARD_E_PROFILE || strncmp(err, want, strlen(want)) != 0)
			fail_msg("psam profile %zu: rc %d, \"%s\"; expected \"%s...\"", i, rc, err, want);
	}
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
	assert_int_equal(len, 0x15);
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
		cmocka_unit_test(test_random_apdus),
		cmocka_unit_test(test_transport),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
