/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The simulated card's file tree: the standard layout and look-ups. */
#include <stdlib.h>
#include <string.h>

#include "sim/sim_int.h"

/* The SSSE DDF name: "sx1.sh." + GBK "社会保障" (design.md s.4). */
static const uint8_t ssse_name[] = { 0x73, 0x78, 0x31, 0x2E, 0x73, 0x68, 0x2E, 0xC9,
                                     0xE7, 0xBB, 0xE1, 0xB1, 0xA3, 0xD5, 0xCF };

/*
 * The layout of every simulated card. Access conditions for SSSE/EF06-08
 * differ by version (3.0 cards need EXTERNAL AUTHENTICATE, design.md s.4);
 * a profile may override any of them. AIDs of DF02.. are our reading
 * (verify): "D156000005" + the DF number, DF01 as design.md gives it.
 */
typedef struct layout_entry {
	const char *path;
	sim_ftype type;
	uint16_t fid;
	uint8_t sfi;
	uint8_t aid_last; /* DFs under SSSE: D156000005 <aid_last> */
	sim_ac read_v2, read_v3, write;
	uint8_t read_key, write_key; /* SIM_AC_EXT: the key id (key index table) */
	int min_version;
	size_t maxrec; /* record EFs: room for APPEND RECORD */
} layout_entry;

/* Access as the ministry's file-structure document (v2.0) gives it, with
 * 3.0 cards' EF06 behind RKSSSE (0A): writes after the file's update key
 * (UKSSSE 04; UK1SSSE 0D for EF0D; UK1DF04 85, UK2DF04 86), EF07/EF08 read
 * after RKSSSE. Keys of DF01-DF03/DF05/DF07 files: (verify). */
#define FREE SIM_AC_FREE
#define EXT SIM_AC_EXT
#define NEVER SIM_AC_NEVER
static const layout_entry layout[] = {
	{ "MF", SIM_DF, 0x3F00, 0, 0, FREE, FREE, NEVER, 0, 0, 2, 0 },
	{ "SSSE", SIM_DF, 0, 0, 0, FREE, FREE, NEVER, 0, 0, 2, 0 },
	{ "SSSE/EF05", SIM_EF_RECORD, 0xEF05, 5, 0, FREE, FREE, EXT, 0, 0x04, 2, 16 },
	{ "SSSE/EF06", SIM_EF_RECORD, 0xEF06, 6, 0, FREE, EXT, EXT, 0x0A, 0x04, 2, 16 },
	{ "SSSE/EF07", SIM_EF_BINARY, 0xEF07, 7, 0, EXT, EXT, EXT, 0x0A, 0x04, 2, 0 },
	{ "SSSE/EF08", SIM_EF_BINARY, 0xEF08, 8, 0, EXT, EXT, EXT, 0x0A, 0x04, 2, 0 },
	{ "SSSE/EF0D", SIM_EF_RECORD, 0xEF0D, 13, 0, FREE, FREE, EXT, 0, 0x0D, 3, 16 },
	{ "SSSE/DF01", SIM_DF, 0xDF01, 0, 0x00, FREE, FREE, NEVER, 0, 0, 2, 0 },
	{ "SSSE/DF01/EF05", SIM_EF_RECORD, 0xEF05, 5, 0, FREE, FREE, EXT, 0, 0x83, 2, 16 },
	{ "SSSE/DF02", SIM_DF, 0xDF02, 0, 0x02, FREE, FREE, NEVER, 0, 0, 2, 0 },
	{ "SSSE/DF02/EF05", SIM_EF_RECORD, 0xEF05, 5, 0, FREE, FREE, EXT, 0, 0x83, 2, 16 },
	{ "SSSE/DF03", SIM_DF, 0xDF03, 0, 0x03, FREE, FREE, NEVER, 0, 0, 2, 0 },
	{ "SSSE/DF03/EF05", SIM_EF_RECORD, 0xEF05, 5, 0, FREE, FREE, EXT, 0, 0x86, 2, 16 },
	{ "SSSE/DF04", SIM_DF, 0xDF04, 0, 0x04, FREE, FREE, NEVER, 0, 0, 2, 0 },
	{ "SSSE/DF04/EF05", SIM_EF_RECORD, 0xEF05, 5, 0, FREE, FREE, EXT, 0, 0x85, 2, 16 },
	{ "SSSE/DF04/EF06", SIM_EF_RECORD, 0xEF06, 6, 0, SIM_AC_PIN, SIM_AC_PIN, EXT, 0, 0x86, 2, 16 },
	{ "SSSE/DF05", SIM_DF, 0xDF05, 0, 0x05, FREE, FREE, NEVER, 0, 0, 2, 0 },
	{ "SSSE/DF05/EF05", SIM_EF_RECORD, 0xEF05, 5, 0, FREE, FREE, EXT, 0, 0x83, 2, 16 },
	{ "SSSE/DF07", SIM_DF, 0xDF07, 0, 0x07, FREE, FREE, NEVER, 0, 0, 2, 0 },
	{ "SSSE/DF07/EF05", SIM_EF_RECORD, 0xEF05, 5, 0, FREE, FREE, EXT, 0, 0x86, 2, 16 },
};
#undef FREE
#undef EXT
#undef NEVER

static const uint8_t dfs_aid_prefix[] = { 0xD1, 0x56, 0x00, 0x00, 0x05 };

/* The parent of "A/B/C" is "A/B"; top-level names hang under the MF. */
static int parent_of(const sscard_sim *sim, const char *path)
{
	const char *slash = strrchr(path, '/');
	char parent[SIM_PATH_MAX];
	size_t n;

	if (strcmp(path, "MF") == 0)
		return SIM_NO_FILE;
	if (slash == NULL)
		return sim_fs_by_path(sim, "MF");
	n = (size_t)(slash - path);
	if (n >= sizeof(parent))
		return SIM_NO_FILE;
	memcpy(parent, path, n);
	parent[n] = '\0';
	return sim_fs_by_path(sim, parent);
}

int sim_fs_add(sscard_sim *sim, sim_ftype type, const char *path, int parent,
               uint16_t fid, uint8_t sfi)
{
	sim_file *f;

	if (sim->nfiles >= SIM_MAX_FILES || strlen(path) >= SIM_PATH_MAX)
		return SIM_NO_FILE;
	f = &sim->files[sim->nfiles];
	memset(f, 0, sizeof(*f));
	f->type = type;
	memcpy(f->path, path, strlen(path) + 1);
	f->parent = parent;
	f->fid = fid;
	f->sfi = sfi;
	return (int)sim->nfiles++;
}

int sim_fs_build_layout(sscard_sim *sim)
{
	for (size_t i = 0; i < sizeof(layout) / sizeof(layout[0]); i++) {
		const layout_entry *e = &layout[i];
		int parent = parent_of(sim, e->path);
		int idx;
		sim_file *f;

		if (sim->version < e->min_version)
			continue;
		idx = sim_fs_add(sim, e->type, e->path, parent, e->fid, e->sfi);
		if (idx == SIM_NO_FILE)
			return -1;
		f = &sim->files[idx];
		f->read_ac = sim->version >= 3 ? e->read_v3 : e->read_v2;
		f->write_ac = e->write;
		f->read_key = e->read_key;
		f->write_key = e->write_key;
		if (strcmp(e->path, "SSSE") == 0) {
			memcpy(f->aid, ssse_name, sizeof(ssse_name));
			f->aid_len = sizeof(ssse_name);
		} else if (e->type == SIM_DF && parent != SIM_NO_FILE &&
		           strcmp(sim->files[parent].path, "SSSE") == 0) {
			memcpy(f->aid, dfs_aid_prefix, sizeof(dfs_aid_prefix));
			f->aid[sizeof(dfs_aid_prefix)] = e->aid_last;
			f->aid_len = sizeof(dfs_aid_prefix) + 1;
		}
		if (e->type == SIM_EF_RECORD) {
			f->records = calloc(e->maxrec, sizeof(*f->records));
			if (f->records == NULL)
				return -1;
			f->maxrec = e->maxrec;
		}
	}
	return 0;
}

int sim_fs_by_path(const sscard_sim *sim, const char *path)
{
	for (size_t i = 0; i < sim->nfiles; i++)
		if (strcmp(sim->files[i].path, path) == 0)
			return (int)i;
	return SIM_NO_FILE;
}

int sim_fs_child_fid(const sscard_sim *sim, int df, uint16_t fid)
{
	for (size_t i = 0; i < sim->nfiles; i++)
		if (sim->files[i].parent == df && sim->files[i].fid == fid && fid != 0)
			return (int)i;
	return SIM_NO_FILE;
}

int sim_fs_child_sfi(const sscard_sim *sim, int df, uint8_t sfi)
{
	for (size_t i = 0; i < sim->nfiles; i++)
		if (sim->files[i].parent == df && sim->files[i].type != SIM_DF &&
		    sim->files[i].sfi == sfi && sfi != 0)
			return (int)i;
	return SIM_NO_FILE;
}

/* DF name: an exact match first, then the first whose name starts with
 * the given bytes (ISO 7816-4 partial DF name). */
int sim_fs_by_aid(const sscard_sim *sim, const uint8_t *aid, size_t len)
{
	int partial = SIM_NO_FILE;

	if (len == 0)
		return SIM_NO_FILE;
	for (size_t i = 0; i < sim->nfiles; i++) {
		const sim_file *f = &sim->files[i];

		if (f->type != SIM_DF || f->aid_len < len || memcmp(f->aid, aid, len) != 0)
			continue;
		if (f->aid_len == len)
			return (int)i;
		if (partial == SIM_NO_FILE)
			partial = (int)i;
	}
	return partial;
}

bool sim_fs_is_below(const sscard_sim *sim, int file, int df)
{
	for (int i = file; i != SIM_NO_FILE; i = sim->files[i].parent)
		if (i == df)
			return true;
	return false;
}

/* The worst lifecycle state of the DFs from `file` up to the MF. */
sim_life sim_fs_life(const sscard_sim *sim, int file)
{
	sim_life worst = SIM_LIFE_ACTIVE;

	for (int i = file; i != SIM_NO_FILE; i = sim->files[i].parent)
		if (sim->files[i].life > worst)
			worst = sim->files[i].life;
	return worst;
}

/* Index of the first record whose first byte (its tag) is `tag`. */
int sim_fs_record_by_tag(const sim_file *f, uint8_t tag)
{
	for (size_t i = 0; i < f->nrec; i++)
		if (f->records[i].len > 0 && f->records[i].data[0] == tag)
			return (int)i;
	return -1;
}

bool sim_fs_set_record(sim_file *f, size_t index, const uint8_t *data,
                       size_t len, size_t cap)
{
	sim_record *r;

	if (f->type != SIM_EF_RECORD || index >= f->maxrec || len > cap ||
	    cap > SIM_RECORD_MAX || index > f->nrec)
		return false;
	r = &f->records[index];
	memset(r->data, 0, sizeof(r->data));
	memcpy(r->data, data, len);
	r->len = len;
	r->cap = cap;
	if (index == f->nrec)
		f->nrec++;
	return true;
}

bool sim_fs_set_body(sim_file *f, const uint8_t *data, size_t len)
{
	uint8_t *body;

	if (f->type != SIM_EF_BINARY || len > SIM_BINARY_MAX)
		return false;
	body = malloc(len > 0 ? len : 1);
	if (body == NULL)
		return false;
	if (len > 0)
		memcpy(body, data, len);
	free(f->body);
	f->body = body;
	f->size = len;
	return true;
}

void sim_fs_free(sscard_sim *sim)
{
	for (size_t i = 0; i < sim->nfiles; i++) {
		free(sim->files[i].records);
		free(sim->files[i].body);
		sim->files[i].records = NULL;
		sim->files[i].body = NULL;
	}
	sim->nfiles = 0;
}
