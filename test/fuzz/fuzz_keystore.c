/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The software keystore's parser (lib/keys_file.c) on any bytes: a typed
 * result, never a crash, leak or read past the input. */
#include <stdlib.h>

#include "keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const sscard_key_usage usages[] = { SSCARD_KEY_EXTERNAL, SSCARD_KEY_INTERNAL,
		                                   SSCARD_KEY_UNBLOCK, SSCARD_KEY_LINE };
	sscard_keys *keys = NULL;
	char err[160];
	sscard_rc rc = sscard_keys_parse_text(NULL, (const char *)data, size, &keys, err,
	                                      sizeof(err));

	if ((rc == SSCARD_OK) != (keys != NULL))
		abort();
	if (rc != SSCARD_OK && rc != SSCARD_E_KEYSTORE && rc != SSCARD_E_NOMEM)
		abort();
	for (size_t i = 0; keys && i < sizeof(usages) / sizeof(usages[0]); i++) {
		sscard_key_info info;
		rc = sscard_keys_lookup(keys, usages[i], "SSSE", &info);
		if (rc == SSCARD_OK && sscard_alg_block(info.alg) == 0)
			abort(); /* a key of no known algorithm */
	}
	sscard_keys_free(&keys);
	return 0;
}
