/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The simulated card's command table and its file commands (SELECT, READ /
 * UPDATE / APPEND RECORD, READ / UPDATE BINARY, GET RESPONSE). Security
 * commands live in sec.c. Answers follow the card's transmission protocol:
 * on T=0 a wrong Le gets 6Cxx and answers to commands that carried data
 * come through 61xx + GET RESPONSE.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "sim/sim_int.h"

#define SHORT_NE_MAX 256u

typedef void (*sim_handler)(sscard_sim *sim, const sim_cmd *c, sim_resp *r);

enum { FOR_SSC = 1, FOR_PSAM = 2, FOR_ALL = 3 };

typedef struct cmd_entry {
	uint8_t ins;
	unsigned kinds;        /* FOR_SSC / FOR_PSAM: which cards know it */
	uint8_t cla[3];        /* accepted CLA bytes (0 ends the list after the first) */
	sim_handler run;
	sim_key_class mac_key; /* key class of the MAC when CLA has bit 0x04 */
	bool is_write;         /* counted by sscard_sim_write_commands() */
	bool when_blocked;     /* allowed in a blocked or locked application */
	const char *name;
} cmd_entry;

static void set_sw(sim_resp *r, uint16_t sw)
{
	r->sw = sw;
}

void sim_reset_state(sscard_sim *sim)
{
	sim->cur_df = sim_fs_by_path(sim, "MF");
	sim->cur_ef = SIM_NO_FILE;
	sim->pin_ok = false;
	sim->auth_df = SIM_NO_FILE;
	sim->psam_env = 0;
	sim_forget_line_key(sim);
	OPENSSL_cleanse(sim->challenge, sizeof(sim->challenge));
	sim->challenge_len = 0;
	sim->pending_len = 0;
	OPENSSL_cleanse(sim->psam_key, sizeof(sim->psam_key));
	sim->psam_ready = false;
}

/* Keep data for GET RESPONSE and announce it with 61xx. */
static void defer(sscard_sim *sim, sim_resp *r, const uint8_t *data, size_t len)
{
	memcpy(sim->pending, data, len);
	sim->pending_len = len;
	r->len = 0;
	set_sw(r, (uint16_t)(0x6100 | (len >= SHORT_NE_MAX ? 0 : len)));
}

static void give(sim_resp *r, const uint8_t *data, size_t len)
{
	memcpy(r->data, data, len);
	r->len = len;
	set_sw(r, SW_OK);
}

/*
 * Answer `len` bytes of data. `case4`: the command carried data too, so a
 * T=0 card cannot send the answer at once and says 61xx. A case 2 command
 * on T=0 must name the exact length (P3 = 00 means 256), else 6Cxx; on
 * T=1 it must carry Le at all, else 6700.
 */
void sim_out(sscard_sim *sim, const sim_cmd *c, sim_resp *r, const uint8_t *data,
             size_t len, bool case4)
{
	size_t ne;

	if (len == 0) {
		set_sw(r, SW_OK);
		return;
	}
	if (sim->protocol == 0) {
		if (case4 || len > SHORT_NE_MAX) {
			defer(sim, r, data, len);
			return;
		}
		ne = c->has_le ? c->ne : SHORT_NE_MAX;
		if (ne != len) {
			set_sw(r, (uint16_t)(0x6C00 | (len & 0xFFu)));
			return;
		}
		give(r, data, len);
		return;
	}
	if (!c->has_le) {
		set_sw(r, case4 ? SW_OK : SW_WRONG_LENGTH);
		return;
	}
	if (c->ne >= len) {
		give(r, data, len);
		return;
	}
	give(r, data, c->ne);
	memcpy(sim->pending, data + c->ne, len - c->ne);
	sim->pending_len = len - c->ne;
	set_sw(r, (uint16_t)(0x6100 | (sim->pending_len >= SHORT_NE_MAX ? 0 : sim->pending_len)));
}

/* ---- GET RESPONSE ------------------------------------------------------ */

static void cmd_get_response(sscard_sim *sim, const sim_cmd *c, sim_resp *r)
{
	size_t ne, rest;

	if (c->p1 != 0 || c->p2 != 0) {
		set_sw(r, SW_WRONG_P1P2);
		return;
	}
	if (sim->pending_len == 0) {
		set_sw(r, SW_CONDITIONS);
		return;
	}
	if (!c->has_le && sim->protocol == 1) {
		set_sw(r, SW_WRONG_LENGTH);
		return;
	}
	ne = c->has_le ? c->ne : SHORT_NE_MAX;
	if (ne > sim->pending_len) {
		/* keep the data: the host asks again with the right Le */
		set_sw(r, (uint16_t)(0x6C00 | (sim->pending_len & 0xFFu)));
		return;
	}
	give(r, sim->pending, ne);
	rest = sim->pending_len - ne;
	memmove(sim->pending, sim->pending + ne, rest);
	sim->pending_len = rest;
	if (rest > 0)
		set_sw(r, (uint16_t)(0x6100 | (rest >= SHORT_NE_MAX ? 0 : rest)));
}

/* ---- SELECT ------------------------------------------------------------ */

/* ISO 7816-4 search order for a FID: the current DF, its children, its
 * parent and the parent's children. */
static int find_fid(const sscard_sim *sim, uint16_t fid)
{
	const sim_file *df = &sim->files[sim->cur_df];
	int f;

	if (fid == 0x3F00)
		return sim_fs_by_path(sim, "MF");
	if (df->fid == fid)
		return sim->cur_df;
	f = sim_fs_child_fid(sim, sim->cur_df, fid);
	if (f != SIM_NO_FILE || df->parent == SIM_NO_FILE)
		return f;
	if (sim->files[df->parent].fid == fid)
		return df->parent;
	return sim_fs_child_fid(sim, df->parent, fid);
}

static int find_path(const sscard_sim *sim, int from, const uint8_t *p, size_t n)
{
	int cur = from;

	if (n == 0 || n % 2 != 0)
		return SIM_NO_FILE;
	for (size_t i = 0; i < n; i += 2) {
		uint16_t fid = (uint16_t)(p[i] << 8 | p[i + 1]);

		if (i == 0 && fid == 0x3F00 && from == sim_fs_by_path(sim, "MF"))
			continue;
		if (cur == SIM_NO_FILE || sim->files[cur].type != SIM_DF)
			return SIM_NO_FILE;
		cur = sim_fs_child_fid(sim, cur, fid);
	}
	return cur;
}

/* FCI of a DF (6F: 84 name, A5 proprietary) or FCP of an EF (62: 82 file
 * descriptor, 83 FID, 80 size). The social security application's A5
 * holds 9F0C 03 86 01 <algorithm flag>, where field code looks for the
 * card's algorithm (design.md s.8; its place inside A5: verify). */
static size_t file_info(const sscard_sim *sim, const sim_file *f, uint8_t *out)
{
	size_t n = 2;

	if (f->type == SIM_DF) {
		bool ssse = strcmp(f->path, "SSSE") == 0 && !sim->psam;

		out[0] = 0x6F;
		if (f->aid_len > 0) {
			out[n++] = 0x84;
			out[n++] = (uint8_t)f->aid_len;
			memcpy(out + n, f->aid, f->aid_len);
			n += f->aid_len;
		}
		out[n++] = 0xA5;
		out[n++] = ssse ? 0x06 : 0x00;
		if (ssse) {
			static const uint8_t alg_tag[] = { 0x9F, 0x0C, 0x03, 0x86, 0x01 };
			memcpy(out + n, alg_tag, sizeof(alg_tag));
			n += sizeof(alg_tag);
			out[n++] = (uint8_t)sim->alg;
		}
	} else {
		size_t size = f->type == SIM_EF_BINARY ? f->size : f->nrec;

		out[0] = 0x62;
		out[n++] = 0x82;
		out[n++] = 0x01;
		out[n++] = f->type == SIM_EF_BINARY ? 0x01 : 0x04;
		out[n++] = 0x83;
		out[n++] = 0x02;
		out[n++] = (uint8_t)(f->fid >> 8);
		out[n++] = (uint8_t)f->fid;
		out[n++] = 0x80;
		out[n++] = 0x02;
		out[n++] = (uint8_t)(size >> 8);
		out[n++] = (uint8_t)size;
	}
	out[1] = (uint8_t)(n - 2);
	return n;
}

static int select_target(const sscard_sim *sim, const sim_cmd *c, uint16_t *sw)
{
	int mf = sim_fs_by_path(sim, "MF");

	*sw = SW_FILE_NOT_FOUND;
	switch (c->p1) {
	case 0x00:
		if (c->nc == 0)
			return mf;
		if (c->nc != 2) {
			*sw = SW_WRONG_LENGTH;
			return SIM_NO_FILE;
		}
		return find_fid(sim, (uint16_t)(c->data[0] << 8 | c->data[1]));
	case 0x04:
		if (c->nc == 0 || c->nc > SIM_NAME_MAX) {
			*sw = SW_WRONG_LENGTH;
			return SIM_NO_FILE;
		}
		return sim_fs_by_aid(sim, c->data, c->nc);
	case 0x08:
	case 0x09:
		if (c->nc == 0 || c->nc % 2 != 0) {
			*sw = SW_WRONG_LENGTH;
			return SIM_NO_FILE;
		}
		return find_path(sim, c->p1 == 0x08 ? mf : sim->cur_df, c->data, c->nc);
	case 0x01:
	case 0x02:
	case 0x03:
		/* ISO selections (child DF, EF, parent) this COS does not offer */
		*sw = SW_FUNC_NOT_SUPPORTED;
		return SIM_NO_FILE;
	default:
		*sw = SW_WRONG_P1P2;
		return SIM_NO_FILE;
	}
}

/* Move the current DF/EF; security state belongs to a DF and its subtree
 * (an external authentication), or to the SSSE application (the PIN). */
static void make_current(sscard_sim *sim, int target)
{
	const sim_file *f = &sim->files[target];
	int df = f->type == SIM_DF ? target : f->parent;
	int ssse = sim_fs_by_path(sim, "SSSE");

	sim->cur_df = df;
	sim->cur_ef = f->type == SIM_DF ? SIM_NO_FILE : target;
	if (sim->auth_df != SIM_NO_FILE && !sim_fs_is_below(sim, df, sim->auth_df))
		sim->auth_df = SIM_NO_FILE;
	if (!sim_fs_is_below(sim, df, ssse))
		sim->pin_ok = false;
}

static void cmd_select(sscard_sim *sim, const sim_cmd *c, sim_resp *r)
{
	uint8_t fci[64];
	uint16_t sw;
	int target;
	sim_life life;

	if (c->p2 != 0x00 && c->p2 != 0x04 && c->p2 != 0x0C) {
		set_sw(r, SW_WRONG_P1P2);
		return;
	}
	target = select_target(sim, c, &sw);
	if (target == SIM_NO_FILE) {
		set_sw(r, sw);
		return;
	}
	make_current(sim, target);
	life = sim_fs_life(sim, target);
	if (life == SIM_LIFE_LOCKED) {
		set_sw(r, SW_APP_LOCKED);
		return;
	}
	if (life == SIM_LIFE_BLOCKED) {
		set_sw(r, SW_APP_BLOCKED);
		return;
	}
	if (c->p2 == 0x0C) {
		set_sw(r, SW_OK);
		return;
	}
	sim_out(sim, c, r, fci, file_info(sim, &sim->files[target], fci), c->nc > 0);
}

/* ---- record and binary commands ---------------------------------------- */

/* The EF a command addresses: by SFI under the current DF, or the current
 * EF when the SFI is 0. Checks the file's structure and chip faults. */
static int resolve_ef(const sscard_sim *sim, uint8_t sfi, sim_ftype want,
                      bool write, uint16_t *sw)
{
	int ef = sfi == 0 ? sim->cur_ef : sim_fs_child_sfi(sim, sim->cur_df, sfi);
	const sim_file *f;

	if (ef == SIM_NO_FILE) {
		*sw = sfi == 0 ? SW_NO_CURRENT_EF : SW_FILE_NOT_FOUND;
		return SIM_NO_FILE;
	}
	f = &sim->files[ef];
	if (f->type != want) {
		*sw = SW_INCOMPATIBLE_FILE;
		return SIM_NO_FILE;
	}
	if (f->fault_sw != 0 && (write ? f->fault_on_write : f->fault_on_read)) {
		*sw = f->fault_sw;
		return SIM_NO_FILE;
	}
	return ef;
}

/* Access check; returns SW_OK or the SW that refuses the command. */
static uint16_t access_sw(const sscard_sim *sim, const sim_file *f, bool write)
{
	return sim_ac_ok(sim, f, write) ? SW_OK : sim_ac_sw(write ? f->write_ac : f->read_ac);
}

/* Record index from P1/P2 (by number: P2 b3-b1 = 100, by identifier = 000),
 * or -1 with *sw set. */
static int record_index(const sim_file *f, uint8_t p1, uint8_t mode, uint16_t *sw)
{
	int idx;

	if (mode == 4) {
		if (p1 == 0) {
			*sw = SW_WRONG_P1P2;
			return -1;
		}
		idx = p1 <= f->nrec ? p1 - 1 : -1;
	} else {
		idx = sim_fs_record_by_tag(f, p1);
	}
	if (idx < 0)
		*sw = SW_RECORD_NOT_FOUND;
	return idx;
}

/* The record EF a READ/UPDATE/APPEND RECORD names (SFI in P2, or the
 * current EF), its access checked and made current; SIM_NO_FILE with the
 * status word set when the command cannot go on. */
static int open_record_ef(sscard_sim *sim, const sim_cmd *c, bool write, sim_resp *r)
{
	uint16_t sw = SW_OK;
	int ef = resolve_ef(sim, (uint8_t)(c->p2 >> 3), SIM_EF_RECORD, write, &sw);

	if (ef == SIM_NO_FILE || (sw = access_sw(sim, &sim->files[ef], write)) != SW_OK) {
		set_sw(r, sw);
		return SIM_NO_FILE;
	}
	sim->cur_ef = ef;
	return ef;
}

static void cmd_read_record(sscard_sim *sim, const sim_cmd *c, sim_resp *r)
{
	uint8_t mode = c->p2 & 7u, buf[SIM_RESP_MAX];
	uint16_t sw = SW_OK;
	const sim_file *f;
	size_t n = 0;
	int ef, idx;

	if (mode != 0 && mode != 4 && mode != 5) {
		set_sw(r, SW_WRONG_P1P2);
		return;
	}
	ef = open_record_ef(sim, c, false, r);
	if (ef == SIM_NO_FILE)
		return;
	f = &sim->files[ef];
	idx = record_index(f, c->p1, mode == 5 ? 4 : mode, &sw);
	if (idx < 0) {
		set_sw(r, sw);
		return;
	}
	/* mode 5: P1 and all the records after it, concatenated */
	for (size_t i = (size_t)idx; i < (mode == 5 ? f->nrec : (size_t)idx + 1); i++) {
		if (n + f->records[i].len > sizeof(buf))
			break;
		memcpy(buf + n, f->records[i].data, f->records[i].len);
		n += f->records[i].len;
	}
	sim_out(sim, c, r, buf, n, false);
}

/* Power lost in the middle of the write: half the new bytes are in. */
static bool torn_here(sscard_sim *sim, int ef)
{
	sim_faults *ft = &sim->faults;

	if (!ft->torn_write || (ft->torn_file != SIM_NO_FILE && ft->torn_file != ef))
		return false;
	ft->torn_write = false;
	return true;
}

static void write_record(sscard_sim *sim, sim_resp *r, int ef, size_t idx,
                         const uint8_t *data, size_t len)
{
	sim_record *rec = &sim->files[ef].records[idx];

	if (torn_here(sim, ef)) {
		memcpy(rec->data, data, len / 2);
		r->torn = true;
		return;
	}
	memset(rec->data, 0, sizeof(rec->data));
	memcpy(rec->data, data, len);
	rec->len = len;
	sim->writes++;
	set_sw(r, SW_OK);
}

static void cmd_update_record(sscard_sim *sim, const sim_cmd *c, sim_resp *r)
{
	uint8_t mode = c->p2 & 7u;
	uint16_t sw = SW_OK;
	sim_file *f;
	int ef, idx;

	if (mode != 0 && mode != 4) {
		set_sw(r, SW_WRONG_P1P2);
		return;
	}
	if (c->nc == 0) {
		set_sw(r, SW_WRONG_LENGTH);
		return;
	}
	ef = open_record_ef(sim, c, true, r);
	if (ef == SIM_NO_FILE)
		return;
	f = &sim->files[ef];
	idx = record_index(f, c->p1, mode, &sw);
	if (idx < 0) {
		set_sw(r, sw);
		return;
	}
	/* by identifier the new record must keep its tag */
	if (mode == 0 && c->data[0] != c->p1) {
		set_sw(r, SW_WRONG_DATA);
		return;
	}
	if (c->nc > f->records[idx].cap) {
		set_sw(r, SW_WRONG_LENGTH);
		return;
	}
	write_record(sim, r, ef, (size_t)idx, c->data, c->nc);
}

static void cmd_append_record(sscard_sim *sim, const sim_cmd *c, sim_resp *r)
{
	sim_file *f;
	int ef;

	if (c->p1 != 0 || (c->p2 & 7u) != 0) {
		set_sw(r, SW_WRONG_P1P2);
		return;
	}
	if (c->nc == 0 || c->nc > SIM_RECORD_MAX) {
		set_sw(r, SW_WRONG_LENGTH);
		return;
	}
	ef = open_record_ef(sim, c, true, r);
	if (ef == SIM_NO_FILE)
		return;
	f = &sim->files[ef];
	if (f->nrec >= f->maxrec) {
		set_sw(r, SW_FILE_FULL);
		return;
	}
	f->records[f->nrec].cap = c->nc;
	f->records[f->nrec].len = 0;
	f->nrec++;
	write_record(sim, r, ef, f->nrec - 1, c->data, c->nc);
}

/* P1 b8 set: SFI in P1 b5-b1 and the offset in P2; else a 15-bit offset in
 * the current EF. */
static int binary_target(const sscard_sim *sim, const sim_cmd *c, bool write,
                         size_t *offset, uint16_t *sw)
{
	uint8_t sfi = 0;

	if (c->p1 & 0x80u) {
		if (c->p1 & 0x60u) {
			*sw = SW_WRONG_P1P2;
			return SIM_NO_FILE;
		}
		sfi = c->p1 & 0x1Fu;
		*offset = c->p2;
	} else {
		*offset = (size_t)(c->p1 << 8 | c->p2);
	}
	return resolve_ef(sim, sfi, SIM_EF_BINARY, write, sw);
}

static void cmd_read_binary(sscard_sim *sim, const sim_cmd *c, sim_resp *r)
{
	uint16_t sw = SW_OK;
	size_t offset = 0, avail, ne;
	const sim_file *f;
	int ef;

	ef = binary_target(sim, c, false, &offset, &sw);
	if (ef == SIM_NO_FILE || (sw = access_sw(sim, &sim->files[ef], false)) != SW_OK) {
		set_sw(r, sw);
		return;
	}
	f = &sim->files[ef];
	sim->cur_ef = ef;
	if (offset >= f->size) {
		set_sw(r, SW_WRONG_OFFSET);
		return;
	}
	if (!c->has_le && sim->protocol == 1) {
		set_sw(r, SW_WRONG_LENGTH);
		return;
	}
	avail = f->size - offset;
	ne = c->has_le ? c->ne : SHORT_NE_MAX;
	if (ne > avail && sim->protocol == 0) {
		set_sw(r, (uint16_t)(0x6C00 | (avail & 0xFFu)));
		return;
	}
	give(r, f->body + offset, ne < avail ? ne : avail);
}

static void cmd_update_binary(sscard_sim *sim, const sim_cmd *c, sim_resp *r)
{
	uint16_t sw = SW_OK;
	size_t offset = 0;
	sim_file *f;
	int ef;

	if (c->nc == 0) {
		set_sw(r, SW_WRONG_LENGTH);
		return;
	}
	ef = binary_target(sim, c, true, &offset, &sw);
	if (ef == SIM_NO_FILE || (sw = access_sw(sim, &sim->files[ef], true)) != SW_OK) {
		set_sw(r, sw);
		return;
	}
	f = &sim->files[ef];
	sim->cur_ef = ef;
	if (offset > f->size) {
		set_sw(r, SW_WRONG_OFFSET);
		return;
	}
	if (c->nc > f->size - offset) {
		set_sw(r, SW_WRONG_LENGTH);
		return;
	}
	memcpy(f->body + offset, c->data, c->nc);
	sim->writes++;
	set_sw(r, SW_OK);
}

/* ---- the table ----------------------------------------------------------- */

/* Data commands take CLA 00 only: a real card's writes are plain after
 * EXTERNAL AUTHENTICATE with the file's update key (a CLA 04 "MAC'd"
 * write is refused, 6E00). CLA 84 + MAC: the lifecycle commands. */
static const cmd_entry commands[] = {
	{ 0xA4, FOR_ALL, { 0x00 }, cmd_select, SIM_KEY_NONE, false, true, "SELECT" },
	{ 0xB2, FOR_SSC, { 0x00 }, cmd_read_record, SIM_KEY_NONE, false, false, "READ RECORD" },
	{ 0xDC, FOR_SSC, { 0x00 }, cmd_update_record, SIM_KEY_NONE, true, false, "UPDATE RECORD" },
	{ 0xE2, FOR_SSC, { 0x00 }, cmd_append_record, SIM_KEY_NONE, true, false, "APPEND RECORD" },
	{ 0xB0, FOR_ALL, { 0x00 }, cmd_read_binary, SIM_KEY_NONE, false, false, "READ BINARY" },
	{ 0xD6, FOR_SSC, { 0x00 }, cmd_update_binary, SIM_KEY_NONE, true, false, "UPDATE BINARY" },
	{ 0xC0, FOR_ALL, { 0x00 }, cmd_get_response, SIM_KEY_NONE, false, true, "GET RESPONSE" },
	{ 0x84, FOR_ALL, { 0x00 }, sim_get_challenge, SIM_KEY_NONE, false, true, "GET CHALLENGE" },
	{ 0x82, FOR_SSC, { 0x00 }, sim_external_auth, SIM_KEY_NONE, false, false, "EXTERNAL AUTHENTICATE" },
	{ 0x88, FOR_SSC, { 0x00 }, sim_internal_auth, SIM_KEY_NONE, false, false, "INTERNAL AUTHENTICATE" },
	{ 0x20, FOR_SSC, { 0x00 }, sim_verify, SIM_KEY_NONE, false, false, "VERIFY" },
	{ 0x5E, FOR_SSC, { 0x80 }, sim_change_pin, SIM_KEY_NONE, false, false, "CHANGE PIN" },
	{ 0x24, FOR_SSC, { 0x84 }, sim_unblock_pin, SIM_KEY_LINE, false, false, "PIN UNBLOCK/RELOAD" },
	{ 0x1E, FOR_SSC, { 0x84 }, sim_app_block, SIM_KEY_LINE, false, false, "APPLICATION BLOCK" },
	{ 0x18, FOR_SSC, { 0x84 }, sim_app_unblock, SIM_KEY_LINE, false, true, "APPLICATION UNBLOCK" },
	{ 0xDE, FOR_PSAM, { 0xBF }, sim_psam_init, SIM_KEY_NONE, false, false, "PSAM INIT" },
	{ 0xFA, FOR_PSAM, { 0x80 }, sim_psam_crypt, SIM_KEY_NONE, false, false, "PSAM CRYPT" },
};

static const cmd_entry *find_command(const sscard_sim *sim, uint8_t ins)
{
	unsigned kind = sim->psam ? FOR_PSAM : FOR_SSC;

	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].ins == ins && (commands[i].kinds & kind))
			return &commands[i];
	return NULL;
}

static bool cla_accepted(const cmd_entry *e, uint8_t cla)
{
	for (size_t i = 0; i < sizeof(e->cla); i++) {
		if (i > 0 && e->cla[i] == 0)
			break;
		if (e->cla[i] == cla)
			return true;
	}
	return false;
}

/* Run one command: class and instruction, lifecycle, MAC, then the handler. */
/* A challenge is good for the next command only: whatever else comes
 * (refused or not), it is gone, GET CHALLENGE itself and the GET RESPONSE
 * fetching it aside. */
void sim_spend_challenge(sscard_sim *sim, const sim_cmd *cmd)
{
	if (cmd && (cmd->ins == 0x84 || cmd->ins == 0xC0) && cmd->cla == 0x00)
		return;
	OPENSSL_cleanse(sim->challenge, sizeof(sim->challenge));
	sim->challenge_len = 0;
}

void sim_cmd_run(sscard_sim *sim, const sim_cmd *cmd, sim_resp *r)
{
	const cmd_entry *e = find_command(sim, cmd->ins);
	sim_cmd c = *cmd;
	sim_life life;

	memset(r, 0, sizeof(*r));
	if (e == NULL) {
		set_sw(r, SW_INS_NOT_SUPPORTED);
		return;
	}
	if (!cla_accepted(e, c.cla)) {
		set_sw(r, SW_CLA_NOT_SUPPORTED);
		return;
	}
	if (e->ins != 0xC0)
		sim->pending_len = 0;
	if (e->is_write)
		sim->write_cmds++;
	life = sim_fs_life(sim, sim->cur_df);
	if (!e->when_blocked && life != SIM_LIFE_ACTIVE) {
		set_sw(r, life == SIM_LIFE_LOCKED ? SW_APP_LOCKED : SW_APP_BLOCKED);
		return;
	}
	if (e->mac_key != SIM_KEY_NONE && (c.cla & 0x04u)) {
		uint8_t hdr[5] = { c.cla, c.ins, c.p1, c.p2, (uint8_t)c.nc };
		uint16_t sw = sim_check_mac(sim, e->mac_key, hdr, c.data, c.nc);

		if (sw != SW_OK) {
			set_sw(r, sw);
			return;
		}
		c.nc -= SSCARD_MAC_LEN;
		c.mac_ok = true;
	}
	e->run(sim, &c, r);
	sim_forget_line_key(sim);
}
