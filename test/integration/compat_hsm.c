/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * compat_hsm LIB KEYSTORE: every security-module form of libsscard-compat
 * through pcscd (sandbox.sh serves healthy-v3 in the first slot), loaded
 * by dlopen() as a HIS loads it; this program plays the back end from the
 * Step outputs' text alone (and the card's region and ATR historical
 * bytes from iReadCardBas, which a HIS has), with the issuer's test
 * master keys of KEYSTORE and the convention of lib/session.h:
 *   iReadCardBas_HSM, iReadCard_HSM (SSSE EF06), iWriteCard_HSM (the
 *   name, read back by iReadCard_HSM), iUnblockPIN_HSM after three wrong
 *   PINs and iReloadPIN_HSM, each checked with iVerifyPIN.
 * Exit 0 when all hold, 1 otherwise (each failure printed).
 */
#include <dlfcn.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "keys.h"
#include "session.h"

#define INFO "110100D15600000500A1B2C3D4E5F607|A00000019|"

typedef long (*step1_fn)(int, char *, char *, char *);
typedef long (*step2_fn)(char *, char *);
typedef long (*wstep2_fn)(char *, char *, char *);
typedef long (*pin1_fn)(int, char *, char *);
typedef long (*bas1_fn)(int, char *);

static void *lib;
static sscard_keystore *ks;
static sscard_div_factors factors;
static int failures;

static void *sym(const char *name)
{
	void *p = dlsym(lib, name);

	if (!p) {
		printf("FAIL %s not exported\n", name);
		exit(1);
	}
	return p;
}

static void convert(const char *to, const char *from, const char *in, char *out, size_t outsz)
{
	iconv_t cd = iconv_open(to, from);
	char *ip = (char *)(uintptr_t)in, *op = out;
	size_t inleft = strlen(in), outleft = outsz - 1;

	if (cd == (iconv_t)-1 || iconv(cd, &ip, &inleft, &op, &outleft) == (size_t)-1)
		snprintf(out, outsz, "(not convertible)");
	else
		*op = '\0';
	if (cd != (iconv_t)-1)
		iconv_close(cd);
}

static int expect(const char *what, long code, const char *gbk, long want, const char *prefix)
{
	char text[2048];
	int ok;

	convert("UTF-8", "GBK", gbk, text, sizeof(text));
	ok = code == want && (!prefix || strncmp(text, prefix, strlen(prefix)) == 0);
	printf("%s %s: %ld \"%s\"\n", ok ? "ok  " : "FAIL", what, code, text);
	failures += !ok;
	return ok;
}

/* Field i of "a|b|c|" into out (at most outsz - 1 characters). */
static void field(const char *text, int i, char *out, size_t outsz)
{
	const char *p = text, *bar;

	out[0] = '\0';
	for (; i > 0 && p; i--)
		p = (p = strchr(p, '|')) ? p + 1 : NULL;
	if (!p || !(bar = strchr(p, '|')) || (size_t)(bar - p) >= outsz)
		return;
	memcpy(out, p, (size_t)(bar - p));
	out[bar - p] = '\0';
}

static int hex8(const char *hex, uint8_t out[8])
{
	size_t n = 0;

	return sscard_hex_decode(hex, out, 8, &n) == SSCARD_OK && n == 8;
}

static sscard_alg card_key(sscard_key_usage usage, const char *df, uint8_t key[SSCARD_KEY_LEN])
{
	const sscard_ks_entry *e = sscard_keystore_find(ks, usage, df);

	if (!e || sscard_card_key(e->alg, e->key, e->levels, e->nlevels, &factors, key) != SSCARD_OK)
		return 0;
	return e->alg;
}

/* The cryptogram of `original` under the key's process key for `factor`,
 * in hex (16 digits). */
static void cryptogram(sscard_key_usage usage, const char *df, const char *factor_hex,
                       const char *original_hex, char out[17])
{
	uint8_t key[SSCARD_KEY_LEN], factor[8], original[8], cg[8];
	sscard_alg alg = card_key(usage, df, key);

	out[0] = '\0';
	if (alg && hex8(factor_hex, factor) && hex8(original_hex, original) &&
	    sscard_session_cryptogram(alg, key, factor, original, cg) == SSCARD_OK)
		sscard_hex_encode(cg, 8, out, 17);
	OPENSSL_cleanse(key, sizeof(key));
}

/* From "flag|key address|factor|original|": "<cryptogram><original>". */
static void external_key(sscard_key_usage usage, const char *df, const char *step1, char *pkey)
{
	char factor[17], original[17], cg[17];

	field(step1, 2, factor, sizeof(factor));
	field(step1, 3, original, sizeof(original));
	cryptogram(usage, df, factor, original, cg);
	sprintf(pkey, "%s%s", cg, original);
}

/* The card's factors from iReadCardBas: region and historical bytes. */
static int learn_card(void)
{
	bas1_fn read_bas;
	char out[1024], region[8], hist[40];
	uint8_t h[16];
	size_t n = 0;

	*(void **)&read_bas = sym("iReadCardBas");
	if (read_bas(1, out) != 0)
		return 0;
	field(out, 0, region, sizeof(region));
	field(out, 5, hist, sizeof(hist));
	if (strlen(region) != 6 || sscard_hex_decode(hist, h, sizeof(h), &n) != SSCARD_OK || n < 8)
		return 0;
	memcpy(factors.card, h + n - 8, 8);
	memcpy(factors.city, region, 6);
	memcpy(factors.city + 6, "sx", 2);
	memcpy(factors.province, region, 2);
	memcpy(factors.province + 2, "0000sh", 6);
	factors.have_card = factors.have_region = 1;
	return 1;
}

static void read_card_bas_hsm(void)
{
	bas1_fn step1;
	step2_fn step2;
	char out[1024], f[8][40], pkey[200], in_cg[17], ex_cg[17];
	long code;

	*(void **)&step1 = sym("iReadCardBas_HSM_Step1");
	*(void **)&step2 = sym("iReadCardBas_HSM_Step2");
	code = step1(1, out);
	if (!expect("iReadCardBas_HSM_Step1", code, out, 0, "110100|"))
		return;
	for (int i = 0; i < 8; i++)
		field(out, i, f[i], sizeof(f[i]));
	cryptogram(SSCARD_KEY_INTERNAL, "SSSE", f[4], f[5], in_cg);
	cryptogram(SSCARD_KEY_EXTERNAL, "SSSE", f[6], f[7], ex_cg);
	snprintf(pkey, sizeof(pkey), "%s%s|%s%s|", in_cg, f[5], ex_cg, f[7]);
	code = step2(pkey, out);
	expect("iReadCardBas_HSM_Step2", code, out, 0, "110100|110101198101011117|");
}

static long read_card_hsm(const char *addr, char *out)
{
	step1_fn step1;
	step2_fn step2;
	char info[] = INFO, fa[128], pkey[64];
	long code;

	*(void **)&step1 = sym("iReadCard_HSM_Step1");
	*(void **)&step2 = sym("iReadCard_HSM_Step2");
	snprintf(fa, sizeof(fa), "%s", addr);
	code = step1(1, info, fa, out);
	if (!expect("iReadCard_HSM_Step1", code, out, 0, "03|470A|"))
		return code;
	external_key(SSCARD_KEY_EXTERNAL, "SSSE", out, pkey);
	return step2(pkey, out);
}

static void write_card_hsm(void)
{
	step1_fn step1;
	wstep2_fn step2;
	char info[] = INFO, fa[] = "SSSEEF06|09|$", data[32], out[1024], pkey[64];
	long code;

	*(void **)&step1 = sym("iWriteCard_HSM_Step1");
	*(void **)&step2 = sym("iWriteCard_HSM_Step2");
	code = step1(1, info, fa, out);
	if (!expect("iWriteCard_HSM_Step1", code, out, 0, "03|4812|"))
		return;
	external_key(SSCARD_KEY_UPDATE, "SSSE", out, pkey);
	convert("GBK", "UTF-8", "赵六|", data, sizeof(data));
	code = step2(pkey, data, out);
	expect("iWriteCard_HSM_Step2 the name", code, out, 0, "");
	code = read_card_hsm("SSSEEF06|09|$", out);
	expect("iReadCard_HSM reads the new name back", code, out, 0, "SSSEEF06|赵六|$");
}

/* "flag|key address|challenge|header|PIN|" -> the protected command. */
static void pin_apdu(const char *step2, char *hex)
{
	uint8_t key[SSCARD_KEY_LEN], pk[SSCARD_KEY_LEN], chal[8], apdu[32], block[16];
	char chal_hex[17], header[11], pin[8];
	sscard_alg alg = card_key(SSCARD_KEY_LINE, "SSSE", key);
	size_t n = 0, data = 0;

	hex[0] = '\0';
	field(step2, 2, chal_hex, sizeof(chal_hex));
	field(step2, 3, header, sizeof(header));
	field(step2, 4, pin, sizeof(pin));
	if (!alg || !hex8(chal_hex, chal) || sscard_hex_decode(header, apdu, 5, &n) != SSCARD_OK ||
	    sscard_session_key(alg, key, chal, pk) != SSCARD_OK)
		return;
	if (pin[0]) {
		size_t digits = strlen(pin);

		memset(block, 0, sizeof(block));
		block[0] = (uint8_t)digits;
		memset(block + 1, 0xFF, (digits + 1) / 2);
		for (size_t i = 0; i < digits; i++)
			block[1 + i / 2] = (uint8_t)(i % 2 == 0 ? ((pin[i] - '0') << 4) | 0x0F
			                                        : (block[1 + i / 2] & 0xF0) |
			                                                  (pin[i] - '0'));
		block[1 + (digits + 1) / 2] = 0x80;
		data = alg == SSCARD_ALG_SM4 ? 16 : 8;
		sscard_session_encrypt(alg, pk, block, data, apdu + 5);
	}
	sscard_session_mac(alg, pk, apdu, 5 + data, apdu + 5 + data);
	sscard_hex_encode(apdu, 5 + data + 4, hex, 64);
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(pk, sizeof(pk));
	OPENSSL_cleanse(block, sizeof(block));
}

static void pin_hsm(const char *name, const char *header)
{
	char fn[64], info[] = INFO, out[1024], pkey[80];
	pin1_fn step1;
	step2_fn step2, step3;
	long code;

	snprintf(fn, sizeof(fn), "%s_HSM_Step1", name);
	*(void **)&step1 = sym(fn);
	snprintf(fn, sizeof(fn), "%s_HSM_Step2", name);
	*(void **)&step2 = sym(fn);
	snprintf(fn, sizeof(fn), "%s_HSM_Step3", name);
	*(void **)&step3 = sym(fn);
	code = step1(1, info, out);
	if (!expect(name, code, out, 0, "03|4810|"))
		return;
	external_key(SSCARD_KEY_UNBLOCK, "SSSE", out, pkey);
	code = step2(pkey, out);
	field(out, 3, fn, sizeof(fn));
	if (!expect(name, code, out, 0, "03|4609|") || strcmp(fn, header) != 0)
		return;
	pin_apdu(out, pkey);
	code = step3(pkey, out);
	expect(name, code, out, 0, "");
}

static void pins(void)
{
	bas1_fn verify;
	char out[1024];
	long code;

	*(void **)&verify = sym("iVerifyPIN");
	setenv("SSCARD_COMPAT_PIN", "000000", 1);
	for (int i = 0; i < 3; i++)
		verify(1, out);
	setenv("SSCARD_COMPAT_PIN", "123456", 1);
	code = verify(1, out);
	expect("iVerifyPIN: blocked", code, out, -52, NULL);
	pin_hsm("iUnblockPIN", "8424000004");
	code = verify(1, out);
	expect("iVerifyPIN after iUnblockPIN_HSM", code, out, 0, "");
	setenv("SSCARD_COMPAT_NEW_PIN", "246810", 1);
	pin_hsm("iReloadPIN", "8424000114");
	setenv("SSCARD_COMPAT_PIN", "246810", 1);
	code = verify(1, out);
	expect("iVerifyPIN with the PIN of iReloadPIN_HSM", code, out, 0, "");
}

int main(int argc, char **argv)
{
	char text[8192], out[1024];
	size_t n;
	FILE *f;
	long code;

	if (argc != 3) {
		fprintf(stderr, "usage: compat_hsm LIB KEYSTORE\n");
		return 2;
	}
	f = fopen(argv[2], "r");
	n = f ? fread(text, 1, sizeof(text), f) : 0;
	if (f)
		fclose(f);
	if (n == 0 || sscard_keystore_parse(text, n, &ks, NULL, 0) != SSCARD_OK) {
		fprintf(stderr, "FAIL keystore %s\n", argv[2]);
		return 1;
	}
	lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		fprintf(stderr, "FAIL dlopen: %s\n", dlerror());
		return 1;
	}
	unsetenv("SSCARD_READER");
	unsetenv("SSCARD_COMPAT_CONTACT");
	unsetenv("SSCARD_COMPAT_PSAM");
	unsetenv("SSCARD_COMPAT_KEYSTORE");
	if (!learn_card()) {
		printf("FAIL iReadCardBas\n");
		return 1;
	}
	read_card_bas_hsm();
	code = read_card_hsm("SSSEEF06|08|09|$", out);
	expect("iReadCard_HSM_Step2 EF06", code, out, 0,
	       "SSSEEF06|110101198101011117|张三|$");
	write_card_hsm();
	pins();
	sscard_keystore_free(ks);
	dlclose(lib);
	printf("%s\n", failures ? "FAILED" : "PASSED");
	return failures ? 1 : 0;
}
