/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Test helper: the provincial security module of the two-step read,
 * played from Step1's ministry string alone and the issuer's test master
 * keys (a keystore file of vectors/sm), with the library's private crypto (as
 * test/unit/hsm_backend.h does; the service itself never links this).
 *
 *   hsm_answer KEYSFILE 'region|hist|flag|card id|if|io|ef|eo|' [flip]
 *
 * prints the pKey readBasicStep2 takes:
 * "<internal result><internal original>|<external cryptogram><external original>|"
 * (the second part empty when Step1 gave no external values). With
 * `flip` the cryptogram's first byte is spoilt (the card must refuse it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "session.h"

static int fields(char *s, char *f[8])
{
	for (int i = 0; i < 8; i++) {
		char *bar = strchr(s, '|');
		if (bar == NULL)
			return -1;
		*bar = '\0';
		f[i] = s;
		s = bar + 1;
	}
	return *s == '\0' ? 0 : -1;
}

static int hex8(const char *hex, uint8_t out[8])
{
	size_t n = 0;
	return sscard_hex_decode(hex, out, 8, &n) == SSCARD_OK && n == 8 ? 0 : -1;
}

static int factors(char *f[8], sscard_div_factors *df)
{
	uint8_t hist[32];
	size_t n = 0;

	memset(df, 0, sizeof(*df));
	if (strlen(f[0]) != 6 || sscard_hex_decode(f[1], hist, sizeof(hist), &n) != SSCARD_OK || n < 8)
		return -1;
	memcpy(df->card, hist + n - 8, 8); /* the ATR's last 8 bytes */
	memcpy(df->city, f[0], 6);
	memcpy(df->city + 6, "sx", 2);
	memcpy(df->province, f[0], 2);
	memcpy(df->province + 2, "0000sh", 6);
	df->have_card = df->have_region = 1;
	return 0;
}

static int cryptogram(const sscard_keystore *ks, sscard_key_usage usage, const sscard_div_factors *df,
                      const char *process_hex, const char *original_hex, char out[17])
{
	const sscard_ks_entry *e = sscard_keystore_find(ks, usage, "SSSE");
	uint8_t key[SSCARD_KEY_LEN], process[8], original[8], c[8];

	if (e == NULL || hex8(process_hex, process) != 0 || hex8(original_hex, original) != 0 ||
	    sscard_card_key(e->alg, e->key, e->levels, e->nlevels, df, key) != SSCARD_OK ||
	    sscard_session_cryptogram(e->alg, key, process, original, c) != SSCARD_OK)
		return -1;
	sscard_hex_encode(c, 8, out, 17);
	return 0;
}

int main(int argc, char **argv)
{
	static char text[8192];
	char *f[8], internal[17], external[17] = "";
	sscard_keystore *ks = NULL;
	sscard_div_factors df;
	size_t n;
	FILE *kf;

	if (argc < 3 || (kf = fopen(argv[1], "r")) == NULL) {
		fprintf(stderr, "usage: hsm_answer KEYSFILE STEP1 [flip]\n");
		return 2;
	}
	n = fread(text, 1, sizeof(text) - 1, kf);
	fclose(kf);
	if (sscard_keystore_parse(text, n, &ks, NULL, 0) != SSCARD_OK || fields(argv[2], f) != 0 ||
	    factors(f, &df) != 0 || cryptogram(ks, SSCARD_KEY_INTERNAL, &df, f[4], f[5], internal) != 0 ||
	    (f[6][0] != '\0' && cryptogram(ks, SSCARD_KEY_EXTERNAL, &df, f[6], f[7], external) != 0)) {
		sscard_keystore_free(ks);
		fprintf(stderr, "hsm_answer: cannot compute the answer\n");
		return 1;
	}
	sscard_keystore_free(ks);
	if (argc > 3 && external[0] != '\0')
		external[0] = external[0] == '0' ? '1' : '0';
	printf("%s%s|%s%s|\n", internal, f[5], external, f[6][0] != '\0' ? f[7] : "");
	return 0;
}
