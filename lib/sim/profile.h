/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Private to lib/sim's profile loader (profile.c, profile_elements.c). */
#ifndef SSCARD_SIM_PROFILE_H
#define SSCARD_SIM_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "sim/sim_int.h"

typedef struct sim_loader {
	const char *name; /* the profile's file name, for messages */
	char *err;
	size_t errsz;
	bool failed;
	sscard_sim *sim;
} sim_loader;

/* Record "NAME: field FIELD: problem" (the first failure wins) and return
 * false, so a check is one line: return sim_pfail(...). */
bool sim_pfail(sim_loader *ld, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
bool sim_pkeys(sim_loader *ld, const char *where, json_object *obj,
               const char *const *allowed);
bool sim_pstr(sim_loader *ld, json_object *v, const char *field, const char **out);
/* The start every key entry shares: object, known fields, "test": true,
 * optional name; clears *k and writes "keys[i]" to where. */
bool sim_key_start(sim_loader *ld, json_object *o, size_t i, const char *const *allowed,
                   sim_key *k, char *where, size_t wsz);
bool sim_pint(sim_loader *ld, json_object *v, const char *field, long min, long max,
              long *out);
bool sim_phex(sim_loader *ld, json_object *v, const char *field, uint8_t *out,
              size_t outsz, size_t *outlen);
bool sim_pset_records(sim_loader *ld, sim_file *f, json_object *arr, const char *field);

/* "elements": the data elements of SSSE/EF05 and EF06 through the one
 * element table and codec (lib/elements.h). */
bool sim_pelements(sim_loader *ld, json_object *root);

/* A PSAM profile ("kind": "psam"; psam.c): terminal number and master
 * keys, after the ATR. */
bool sim_pload_psam(sim_loader *ld, json_object *root);

#endif
