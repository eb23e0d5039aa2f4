/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The simulator's profile loader (lib/sim/profile.c) on any text: either
 * a loaded card or SSCARD_E_PROFILE/NOMEM with a message, never a crash.
 * A card that loads is then powered and asked the commands a reader
 * sends; every answer must fit its buffer (it need not end in a status
 * word: the "garbled" fault answers any bytes on purpose).
 * Seeds: the shipped profiles (vectors/cards) and vectors/fuzz/profile.
 */
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
	uint8_t len;
	uint8_t apdu[24];
} commands[] = {
	{ 20, { 0x00, 0xA4, 0x04, 0x00, 0x0F, 0x73, 0x78, 0x31, 0x2E, 0x73, 0x68, 0x2E, 0xC9,
	        0xE7, 0xBB, 0xE1, 0xB1, 0xA3, 0xD5, 0xCF } },   /* SELECT SSSE */
	{ 5, { 0x00, 0xB2, 0x07, 0x28, 0x0B } },                /* card number by SFI */
	{ 5, { 0x00, 0xB2, 0x08, 0x30, 0x14 } },                /* SSN by SFI */
	{ 5, { 0x00, 0xB2, 0x01, 0x2C, 0x00 } },                /* record 1, Le 0 */
	{ 4, { 0x00, 0x20, 0x00, 0x00 } },                      /* PIN tries */
	{ 8, { 0x00, 0x20, 0x00, 0x00, 0x03, 0x12, 0x34, 0x56 } }, /* VERIFY */
	{ 5, { 0x00, 0x84, 0x00, 0x00, 0x08 } },                /* GET CHALLENGE */
	{ 7, { 0x00, 0xA4, 0x00, 0x00, 0x02, 0xDF, 0x04 } },    /* SELECT DF04 */
	{ 7, { 0x00, 0xA4, 0x00, 0x00, 0x02, 0xEF, 0x08 } },    /* SELECT EF08 */
	{ 5, { 0x00, 0xB0, 0x00, 0x00, 0x00 } },                /* READ BINARY */
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *json = malloc(size + 1);
	char err[512];
	sscard_sim *sim = NULL;
	uint8_t atr[64], resp[65538];
	size_t atrlen = sizeof(atr);

	if (json == NULL)
		abort();
	memcpy(json, data, size);
	json[size] = '\0';
	err[0] = '\0';
	sscard_rc rc = sscard_sim_load_string("fuzz.json", json, &sim, err, sizeof(err));
	free(json);
	if (rc != SSCARD_OK) {
		if (sim != NULL || memchr(err, '\0', sizeof(err)) == NULL)
			abort();
		if (rc == SSCARD_E_PROFILE && err[0] == '\0')
			abort(); /* a refused profile says why */
		return 0;
	}
	if (sscard_sim_power_on(sim, 1, atr, &atrlen) == SSCARD_OK && atrlen <= sizeof(atr)) {
		for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
			size_t rlen = sizeof(resp);
			rc = sscard_sim_apdu(sim, commands[i].apdu, commands[i].len, resp, &rlen);
			if (rc == SSCARD_OK && rlen > sizeof(resp))
				abort();
			if (rc != SSCARD_OK)
				break; /* mute or removed: the fault the profile asked for */
		}
	}
	sscard_sim_free(&sim);
	return 0;
}
