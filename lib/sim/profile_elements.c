/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A profile's "elements": UTF-8 values by key ("ssn") or tag ("08"),
 * encoded to card bytes by the library's one element table and codec
 * (lib/elements.h), so the simulator's cards and the library's reader
 * cannot disagree on a format. Every element of the table becomes one
 * record "tag len value" in its file, in table order (record numbers as
 * the table gives them); an element the profile leaves out is blank
 * (padding only), as on an unpersonalised card.
 */
#include <stdio.h>
#include <string.h>

#include "elements.h"
#include "sim/profile.h"

static bool element_applies(const sscard_sim *sim, const sscard_element *e)
{
	return sim->version >= 3 || !e->v3_only;
}

/* Every name in "elements" must be an element of this card, given once;
 * texts[] gets each one's value, indexed like the table. */
static bool collect(sim_loader *ld, json_object *given, const char *texts[SSCARD_ELEM_SLOTS])
{
	json_object_object_foreach(given, name, v) {
		const sscard_element *e = sscard_elem_lookup(name);
		char field[96];
		size_t i;

		snprintf(field, sizeof(field), "elements.%s", name);
		if (e == NULL)
			return sim_pfail(ld, field, "no such data element (a key such as \"ssn\" or a tag such as \"08\")");
		if (sscard_elem_index(e) >= sscard_elem_count())
			return sim_pfail(ld, field, "an element of an application DF: give its "
			                 "file's records under \"files\"");
		if (!element_applies(ld->sim, e))
			return sim_pfail(ld, field, "only 3.0 cards have it");
		if (!json_object_is_type(v, json_type_string))
			return sim_pfail(ld, field, "must be a string (UTF-8 text)");
		i = sscard_elem_index(e);
		if (texts[i] != NULL)
			return sim_pfail(ld, field, "%s is given twice", e->key);
		texts[i] = json_object_get_string(v);
	}
	return true;
}

static bool place_element(sim_loader *ld, const sscard_element *e, const char *text)
{
	const sscard_file_info *fi = sscard_file_info_of(e->ef);
	uint8_t rec[2 + SSCARD_ELEM_VALUE_MAX];
	char field[64], detail[160] = "";
	size_t len = 0;
	sim_file *f;
	int idx;

	snprintf(field, sizeof(field), "elements.%s", e->key);
	idx = fi != NULL ? sim_fs_by_path(ld->sim, fi->name) : SIM_NO_FILE;
	if (idx == SIM_NO_FILE)
		return sim_pfail(ld, field, "its file is not on this card");
	f = &ld->sim->files[idx];
	if (sscard_elem_encode(e, text, rec + 2, sizeof(rec) - 2, &len, detail,
	                       sizeof(detail)) != SSCARD_OK)
		return sim_pfail(ld, field, "%s", detail[0] ? detail : "cannot be encoded");
	rec[0] = e->tag;
	rec[1] = (uint8_t)len;
	if (!sim_fs_set_record(f, f->nrec, rec, len + 2, len + 2))
		return sim_pfail(ld, field, "no room in %s", f->path);
	return true;
}

bool sim_pelements(sim_loader *ld, json_object *root)
{
	const char *texts[SSCARD_ELEM_SLOTS] = { NULL };
	json_object *given = NULL;

	if (json_object_object_get_ex(root, "elements", &given)) {
		if (!json_object_is_type(given, json_type_object))
			return sim_pfail(ld, "elements", "must be an object of key: text");
		if (!collect(ld, given, texts))
			return false;
	}
	for (size_t i = 0; i < sscard_elem_count(); i++) {
		const sscard_element *e = sscard_elem_at(i);

		if (element_applies(ld->sim, e) &&
		    !place_element(ld, e, texts[i] != NULL ? texts[i] : ""))
			return false;
	}
	return true;
}
