/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Key providers (lib/keys.h): the one entry the secure channel uses,
 * whatever holds the keys, and the diversification factors of a card.
 */
#include "keys.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "internal.h"

SSCARD_API sscard_rc sscard_keys_new(sscard_ctx *ctx, const sscard_keys_ops *ops, void *impl,
                          sscard_keys **out)
{
	sscard_keys *keys;

	if (!ops || !ops->lookup || !ops->encrypt || !ops->mac || !ops->free || !out) {
		if (ops && ops->free)
			ops->free(impl);
		return SSCARD_E_INVALID_ARG;
	}
	keys = calloc(1, sizeof(*keys));
	if (!keys) {
		ops->free(impl);
		return SSCARD_E_NOMEM;
	}
	keys->ctx = ctx;
	keys->ops = ops;
	keys->impl = impl;
	*out = keys;
	return SSCARD_OK;
}

SSCARD_API void sscard_keys_free(sscard_keys **keys)
{
	if (!keys || !*keys)
		return;
	(*keys)->ops->free((*keys)->impl);
	free(*keys);
	*keys = NULL;
}

SSCARD_API const char *sscard_keys_provider(const sscard_keys *keys)
{
	return keys ? keys->ops->name : "";
}

static bool df_ok(const char *df)
{
	return df && df[0] && strlen(df) < SSCARD_DF_NAME_MAX;
}

sscard_rc sscard_keys_lookup(sscard_keys *keys, sscard_key_usage usage,
                             const char *df, sscard_key_info *info)
{
	if (!keys || !df_ok(df) || !info)
		return SSCARD_E_INVALID_ARG;
	return keys->ops->lookup(keys->impl, usage, df, info);
}

static bool use_ok(const sscard_key_use *use)
{
	return use && df_ok(use->df) && use->factors && use->process &&
	       sscard_alg_block(use->alg) != 0;
}

sscard_rc sscard_keys_encrypt(sscard_keys *keys, const sscard_key_use *use,
                              const uint8_t *in, size_t len, uint8_t *out)
{
	if (!keys || !use_ok(use) || !in || !out || len == 0 ||
	    len % sscard_alg_block(use->alg) != 0)
		return SSCARD_E_INVALID_ARG;
	return keys->ops->encrypt(keys->impl, use, in, len, out);
}

sscard_rc sscard_keys_mac(sscard_keys *keys, const sscard_key_use *use,
                          const uint8_t *data, size_t len, uint8_t mac[SSCARD_MAC_LEN])
{
	if (!keys || !use_ok(use) || (len && !data) || !mac)
		return SSCARD_E_INVALID_ARG;
	return keys->ops->mac(keys->impl, use, data, len, mac);
}

sscard_rc sscard_keys_cryptogram(sscard_keys *keys, const sscard_key_use *use,
                                 const uint8_t original[SSCARD_FACTOR_LEN],
                                 uint8_t out[SSCARD_FACTOR_LEN])
{
	uint8_t in[SSCARD_BLOCK_MAX], enc[SSCARD_BLOCK_MAX];
	size_t n;
	sscard_rc rc;

	if (!use_ok(use) || !original || !out)
		return SSCARD_E_INVALID_ARG;
	n = sscard_cryptogram_input(use->alg, original, in);
	rc = sscard_keys_encrypt(keys, use, in, n, enc);
	if (rc == SSCARD_OK)
		sscard_cryptogram_fold(use->alg, enc, out);
	OPENSSL_cleanse(in, sizeof(in));
	OPENSSL_cleanse(enc, sizeof(enc));
	return rc;
}

/* ---- the key index table ------------------------------------------------- */

/*
 * Card key id / PSAM usage byte / PSAM key index, from the ministry's key
 * index table (密钥索引表, repository a7082633/HDOS_Document) and field
 * code's APDUs (design.md s.4). The usage byte's high 3 bits are the
 * diversification levels the PSAM applies (2: card + city, 3: + province).
 */
static const sscard_key_default key_defaults[] = {
	{ SSCARD_KEY_EXTERNAL, "SSSE", 0x0A, 0x47, 0x0A, NULL },             /* RKSSSE */
	{ SSCARD_KEY_INTERNAL, "SSSE", 0x00, 0x67, 0x08, NULL },             /* IRK */
	{ SSCARD_KEY_UNBLOCK, "SSSE", 0x06, 0x48, 0x10, NULL },              /* PUK */
	{ SSCARD_KEY_LINE, "SSSE", 0x02, 0x46, 0x09, NULL },                 /* STK */
	{ SSCARD_KEY_UPDATE, "SSSE", 0x04, 0x48, 0x12, "PSAM index 12" },    /* UK EF05/06 */
	{ SSCARD_KEY_UPDATE_EF0D, "SSSE", 0x0D, 0x48, 0x13, "PSAM index 13" }, /* EF0D */
	{ SSCARD_KEY_EXTERNAL, "DF04", 0x84, 0x67, 0x2D, NULL },             /* RK1DF04 */
	{ SSCARD_KEY_UPDATE, "DF04", 0x85, 0x48, 0x49, NULL },               /* UK1DF04 */
	{ SSCARD_KEY_EXTERNAL, "DF01", 0x88, 0x47, 0x2E, NULL },             /* RK1DF01 */
	{ SSCARD_KEY_EXTERNAL, "DF03", 0x85, 0x67, 0x2C, NULL },             /* RK2DF03 */
};

const sscard_key_default *sscard_key_default_at(size_t i)
{
	return i < sizeof(key_defaults) / sizeof(key_defaults[0]) ? &key_defaults[i] : NULL;
}

const sscard_key_default *sscard_key_default_find(sscard_key_usage usage, const char *df)
{
	for (const sscard_key_default *d = key_defaults; d < key_defaults +
	     sizeof(key_defaults) / sizeof(key_defaults[0]); d++)
		if (d->usage == usage && df && strcmp(d->df, df) == 0)
			return d;
	return NULL;
}

static const struct {
	const char *name;
	sscard_key_usage usage;
} usage_names[] = {
	{ "external", SSCARD_KEY_EXTERNAL }, { "internal", SSCARD_KEY_INTERNAL },
	{ "unblock", SSCARD_KEY_UNBLOCK },   { "line", SSCARD_KEY_LINE },
	{ "update", SSCARD_KEY_UPDATE },     { "update-ef0d", SSCARD_KEY_UPDATE_EF0D },
};

const char *sscard_key_usage_name(sscard_key_usage usage)
{
	for (size_t i = 0; i < sizeof(usage_names) / sizeof(usage_names[0]); i++)
		if (usage_names[i].usage == usage)
			return usage_names[i].name;
	return NULL;
}

bool sscard_key_usage_parse(const char *name, sscard_key_usage *usage)
{
	for (size_t i = 0; i < sizeof(usage_names) / sizeof(usage_names[0]); i++)
		if (strcmp(usage_names[i].name, name) == 0) {
			*usage = usage_names[i].usage;
			return true;
		}
	return false;
}

/* The region code of a card identification code: 3 BCD bytes, six
 * decimal digits, as ASCII. */
static sscard_rc region_digits(const uint8_t *card_id, size_t idlen, char digits[7])
{
	static const char dec[] = "0123456789";

	if (idlen < 3)
		return SSCARD_E_BAD_DATA;
	for (size_t i = 0; i < 3; i++) {
		unsigned hi = card_id[i] >> 4, lo = card_id[i] & 0x0Fu;
		if (hi > 9 || lo > 9)
			return SSCARD_E_BAD_DATA;
		digits[2 * i] = dec[hi];
		digits[2 * i + 1] = dec[lo];
	}
	digits[6] = '\0';
	return SSCARD_OK;
}

sscard_rc sscard_div_factors_make(const uint8_t *atr, size_t atrlen,
                                  const uint8_t *card_id, size_t idlen,
                                  sscard_div_factors *f)
{
	char region[7];
	sscard_rc rc;

	if (!atr || !f)
		return SSCARD_E_INVALID_ARG;
	memset(f, 0, sizeof(*f));
	if (atrlen < SSCARD_FACTOR_LEN)
		return SSCARD_E_BAD_DATA;
	memcpy(f->card, atr + atrlen - SSCARD_FACTOR_LEN, SSCARD_FACTOR_LEN);
	f->have_card = 1;
	if (!card_id)
		return SSCARD_OK;
	rc = region_digits(card_id, idlen, region);
	if (rc != SSCARD_OK)
		return rc;
	/* city: the 6 region digits + "sx"; province: 2 digits + "0000sh" */
	memcpy(f->city, region, 6);
	memcpy(f->city + 6, "sx", 2);
	memcpy(f->province, region, 2);
	memcpy(f->province + 2, "0000sh", 6);
	f->have_region = 1;
	return SSCARD_OK;
}
