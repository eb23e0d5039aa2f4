/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to lib/sim: the card model's state. sim.c owns power, faults and
 * the APDU entry; fs.c the file tree; cmd.c the command table and the
 * file commands; sec.c PIN, keys, authentication and MACs; profile.c the
 * JSON loader; keys.c key diversification.
 */
#ifndef SSCARD_SIM_INT_H
#define SSCARD_SIM_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "keys.h"
#include "session.h"
#include "sim/sim.h"

#define SIM_MAX_FILES 48u
#define SIM_MAX_RECORDS 32u
#define SIM_RECORD_MAX 255u
#define SIM_BINARY_MAX 65535u
#define SIM_MAX_KEYS 24u
#define SIM_ATR_MAX 33u
#define SIM_PIN_MAX_DIGITS 12u
#define SIM_NAME_MAX 16u
#define SIM_PATH_MAX 24u
#define SIM_RESP_MAX 512u
#define SIM_CHALLENGE_MAX 16u
#define SIM_NO_FILE (-1)

/* Status words the model answers (ISO 7816-4 and the card spec). */
enum {
	SW_OK = 0x9000,
	SW_APP_BLOCKED = 0x6283,
	SW_AUTH_FAILED = 0x6300,
	SW_TRIES_LEFT = 0x63C0, /* | tries */
	SW_MEMORY_FAILURE = 0x6581,
	SW_WRONG_LENGTH = 0x6700,
	SW_INCOMPATIBLE_FILE = 0x6981,
	SW_SECURITY = 0x6982,
	SW_BLOCKED = 0x6983,
	SW_RANDOM_INVALID = 0x6984,
	SW_CONDITIONS = 0x6985,
	SW_NO_CURRENT_EF = 0x6986,
	SW_MAC_WRONG = 0x6988,
	SW_WRONG_DATA = 0x6A80,
	SW_FUNC_NOT_SUPPORTED = 0x6A81,
	SW_FILE_NOT_FOUND = 0x6A82,
	SW_RECORD_NOT_FOUND = 0x6A83,
	SW_FILE_FULL = 0x6A84,
	SW_WRONG_P1P2 = 0x6A86,
	SW_KEY_NOT_FOUND = 0x6A88,
	SW_WRONG_OFFSET = 0x6B00,
	SW_INS_NOT_SUPPORTED = 0x6D00,
	SW_CLA_NOT_SUPPORTED = 0x6E00,
	SW_DATA_INVALID = 0x6F00,
	SW_APP_LOCKED = 0x9303
};

typedef enum sim_ftype { SIM_DF = 0, SIM_EF_RECORD, SIM_EF_BINARY } sim_ftype;

/* Access conditions, one for reading and one for writing each EF. */
typedef enum sim_ac {
	SIM_AC_FREE = 0, /* always */
	SIM_AC_PIN,      /* after VERIFY with the holder PIN */
	SIM_AC_EXT,      /* after EXTERNAL AUTHENTICATE with the file's key (its
	                    read_key / write_key) in the file's DF (or above) */
	SIM_AC_NEVER     /* not allowed */
} sim_ac;

typedef enum sim_life {
	SIM_LIFE_ACTIVE = 0,
	SIM_LIFE_BLOCKED, /* temporarily blocked: 6283, APPLICATION UNBLOCK lifts it */
	SIM_LIFE_LOCKED   /* permanently locked: 9303 forever */
} sim_life;

/* Key classes (design.md s.4 "Security"). */
typedef enum sim_key_class {
	SIM_KEY_NONE = 0,
	SIM_KEY_EXTERNAL,   /* RK: EXTERNAL AUTHENTICATE to read */
	SIM_KEY_INTERNAL,   /* IRK: INTERNAL AUTHENTICATE */
	SIM_KEY_UNBLOCK,    /* PUK: EXTERNAL AUTHENTICATE before PIN unblock/reload */
	SIM_KEY_LINE,       /* STK: line MACs and the reloaded PIN's encryption */
	SIM_KEY_UPDATE,     /* UK: EXTERNAL AUTHENTICATE to write EF05/EF06 */
	SIM_KEY_UPDATE_EF0D /* 0D: EXTERNAL AUTHENTICATE to write EF0D */
} sim_key_class;

typedef struct sim_record {
	uint8_t data[SIM_RECORD_MAX];
	size_t len; /* bytes in use */
	size_t cap; /* the record's size in the card's memory */
} sim_record;

typedef struct sim_file {
	sim_ftype type;
	char path[SIM_PATH_MAX]; /* "MF", "SSSE", "SSSE/EF05", "SSSE/DF04/EF06" */
	int parent;              /* index of the DF above, SIM_NO_FILE for the MF */
	uint16_t fid;            /* 0 = none (selectable by name only) */
	uint8_t sfi;             /* 0 = none */
	uint8_t aid[SIM_NAME_MAX];
	size_t aid_len;
	sim_ac read_ac, write_ac;
	uint8_t read_key, write_key; /* SIM_AC_EXT: the key id it needs */
	sim_life life; /* DFs */
	/* record EF */
	sim_record *records;
	size_t nrec, maxrec;
	/* transparent EF */
	uint8_t *body;
	size_t size;
	/* chip_error fault: every read/write of this file answers this SW */
	uint16_t fault_sw;
	bool fault_on_read, fault_on_write;
} sim_file;

typedef struct sim_key {
	char name[SIM_NAME_MAX];
	int df; /* file index of the DF holding it */
	sim_key_class cls;
	sscard_alg alg; /* the card's algorithm; a PSAM holds keys of both */
	uint8_t id;
	uint8_t value[SSCARD_KEY_LEN]; /* the card's (diversified) key */
	int tries, max_tries;          /* max_tries 0 = no error counter */
} sim_key;

typedef struct sim_faults {
	bool no_atr;
	uint8_t bad_atr[SIM_ATR_MAX];
	size_t bad_atr_len; /* 0 = ATR is fine */
	unsigned long mute_after;   /* 0 = never; APDUs answered after power-on */
	unsigned long remove_after; /* 0 = never; APDUs answered since load */
	unsigned slow_ms;
	bool torn_write;  /* the next UPDATE RECORD on torn_file loses power */
	int torn_file;    /* SIM_NO_FILE = any record file */
	bool garbled;                /* answers replaced by garble[] ... */
	unsigned long garbled_after; /* ... after this many APDUs since power-on */
	uint8_t garble[16];
	size_t garble_len; /* 0..16: no status word at all, one byte, ... */
	double flaky_rate;
	uint64_t flaky_state; /* splitmix64 state: deterministic, not crypto */
	uint16_t flaky_sw;
} sim_faults;

struct sscard_sim {
	char source[256]; /* profile name for messages */
	uint8_t atr[SIM_ATR_MAX];
	size_t atr_len;
	int protocol; /* 0 or 1 */
	sscard_alg alg;
	int version; /* 2 or 3 */
	bool psam;   /* a terminal security module (psam.c), not a social security card */

	sim_file files[SIM_MAX_FILES];
	size_t nfiles;
	sim_key keys[SIM_MAX_KEYS];
	size_t nkeys;

	/* holder PIN (BCD digits as ASCII) */
	char pin[SIM_PIN_MAX_DIGITS + 1];
	int pin_tries, pin_max;

	sim_faults faults;

	/* power and presence */
	bool present, powered;
	unsigned long apdus_since_power, apdus_total;

	/* volatile state: lost on reset */
	int cur_df, cur_ef;
	bool pin_ok;
	/* the security register: the key (DF, id, class) of the last
	 * successful EXTERNAL AUTHENTICATE, one at a time */
	int auth_df; /* SIM_NO_FILE: none */
	uint8_t auth_key;
	sim_key_class auth_cls;
	/* the line key's process key while a CLA 84 command runs */
	uint8_t line_pk[SSCARD_KEY_LEN];
	uint8_t challenge[SIM_CHALLENGE_MAX];
	size_t challenge_len; /* 0 = none (consumed or never asked) */
	uint8_t pending[SIM_RESP_MAX]; /* data waiting for GET RESPONSE */
	size_t pending_len;

	/* PSAM: the application selected (its algorithm, 0: none) and the
	 * process key BF DE set up for 80 FA */
	sscard_alg psam_env;
	uint8_t psam_key[SSCARD_KEY_LEN];
	sscard_alg psam_alg;
	bool psam_ready;

	unsigned last_delay_ms;
	unsigned long writes, write_cmds;
};

/* One parsed command as the handlers see it (MAC already checked and
 * stripped when CLA had bit 0x04). */
typedef struct sim_cmd {
	uint8_t cla, ins, p1, p2;
	const uint8_t *data;
	size_t nc;
	bool has_le;
	size_t ne; /* 1..256 when has_le */
	bool mac_ok;
} sim_cmd;

/* What a handler produces. */
typedef struct sim_resp {
	uint8_t data[SIM_RESP_MAX];
	size_t len;
	uint16_t sw;
	bool torn; /* power was lost during the command */
} sim_resp;

/* fs.c */
int sim_fs_add(sscard_sim *sim, sim_ftype type, const char *path, int parent,
               uint16_t fid, uint8_t sfi);
int sim_fs_by_path(const sscard_sim *sim, const char *path);
int sim_fs_child_fid(const sscard_sim *sim, int df, uint16_t fid);
int sim_fs_child_sfi(const sscard_sim *sim, int df, uint8_t sfi);
int sim_fs_by_aid(const sscard_sim *sim, const uint8_t *aid, size_t len);
bool sim_fs_is_below(const sscard_sim *sim, int file, int df);
sim_life sim_fs_life(const sscard_sim *sim, int file);
int sim_fs_record_by_tag(const sim_file *f, uint8_t tag);
bool sim_fs_set_record(sim_file *f, size_t index, const uint8_t *data,
                       size_t len, size_t cap);
bool sim_fs_set_body(sim_file *f, const uint8_t *data, size_t len);
void sim_fs_free(sscard_sim *sim);
int sim_fs_build_layout(sscard_sim *sim);

/* cmd.c */
void sim_cmd_run(sscard_sim *sim, const sim_cmd *cmd, sim_resp *r);
void sim_reset_state(sscard_sim *sim);
void sim_out(sscard_sim *sim, const sim_cmd *cmd, sim_resp *r,
             const uint8_t *data, size_t len, bool case4);

/* sec.c: the security handlers, used by cmd.c's table */
void sim_get_challenge(sscard_sim *sim, const sim_cmd *c, sim_resp *r);
void sim_external_auth(sscard_sim *sim, const sim_cmd *c, sim_resp *r);
void sim_internal_auth(sscard_sim *sim, const sim_cmd *c, sim_resp *r);
void sim_verify(sscard_sim *sim, const sim_cmd *c, sim_resp *r);
void sim_change_pin(sscard_sim *sim, const sim_cmd *c, sim_resp *r);
void sim_unblock_pin(sscard_sim *sim, const sim_cmd *c, sim_resp *r);
void sim_app_block(sscard_sim *sim, const sim_cmd *c, sim_resp *r);
void sim_app_unblock(sscard_sim *sim, const sim_cmd *c, sim_resp *r);
/* Check and strip the MAC of a CLA x4 command with a key of class `cls`;
 * returns SW_OK or the SW to answer. */
uint16_t sim_check_mac(sscard_sim *sim, sim_key_class cls, const uint8_t *hdr,
                       const uint8_t *data, size_t nc);
const sim_key *sim_find_key(const sscard_sim *sim, sim_key_class cls, uint8_t id,
                            bool any_id);
bool sim_ac_ok(const sscard_sim *sim, const sim_file *f, bool write);
uint16_t sim_ac_sw(sim_ac ac);
/* Forget the challenge unless `cmd` is GET CHALLENGE or GET RESPONSE
 * (NULL: a malformed command): it is good for the next command only. */
void sim_spend_challenge(sscard_sim *sim, const sim_cmd *cmd);
/* The line key's process key, once a CLA 84 command's MAC is checked. */
void sim_forget_line_key(sscard_sim *sim);

/* psam.c: the terminal security module's commands and file system */
void sim_psam_init(sscard_sim *sim, const sim_cmd *c, sim_resp *r);
void sim_psam_crypt(sscard_sim *sim, const sim_cmd *c, sim_resp *r);
int sim_fs_build_psam(sscard_sim *sim, const uint8_t *terminal, size_t len);

/* keys.c */
sscard_rc sim_card_key(sscard_alg alg, const uint8_t master[SSCARD_KEY_LEN],
                       const sscard_div_level *levels, size_t nlevels,
                       const uint8_t *atr, size_t atrlen,
                       const uint8_t card_id[16], uint8_t out[SSCARD_KEY_LEN]);

#endif
