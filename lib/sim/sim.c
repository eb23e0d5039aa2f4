/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The simulated card's outside: power, presence, the APDU entry point and
 * the faults that act there (mute, removal, slow answers, flaky errors,
 * power lost mid-write). The card's inside is cmd.c / sec.c / fs.c.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "internal.h"
#include "sim/sim_int.h"

void sscard_sim_free(sscard_sim **sim)
{
	if (sim == NULL || *sim == NULL)
		return;
	sim_fs_free(*sim);
	OPENSSL_cleanse(*sim, sizeof(**sim)); /* keys, PIN, challenge */
	free(*sim);
	*sim = NULL;
}

sscard_rc sscard_sim_power_on(sscard_sim *sim, int cold, uint8_t *atr, size_t *atrlen)
{
	const uint8_t *src;
	size_t n;

	if (sim == NULL || atr == NULL || atrlen == NULL)
		return SSCARD_E_INVALID_ARG;
	(void)cold; /* warm and cold resets lose the same volatile state here */
	if (!sim->present)
		return SSCARD_E_NO_CARD;
	sim_reset_state(sim);
	sim->apdus_since_power = 0;
	sim->powered = !sim->faults.no_atr;
	if (sim->faults.no_atr) {
		*atrlen = 0;
		return SSCARD_OK;
	}
	src = sim->faults.bad_atr_len > 0 ? sim->faults.bad_atr : sim->atr;
	n = sim->faults.bad_atr_len > 0 ? sim->faults.bad_atr_len : sim->atr_len;
	if (*atrlen < n)
		return SSCARD_E_BUFFER_TOO_SMALL;
	memcpy(atr, src, n);
	*atrlen = n;
	return SSCARD_OK;
}

void sscard_sim_power_off(sscard_sim *sim)
{
	if (sim == NULL)
		return;
	sim_reset_state(sim);
	sim->powered = false;
}

int sscard_sim_present(const sscard_sim *sim)
{
	return sim != NULL && sim->present;
}

void sscard_sim_set_present(sscard_sim *sim, int present)
{
	if (sim == NULL)
		return;
	sim->present = present != 0;
	if (!sim->present)
		sscard_sim_power_off(sim);
}

/* splitmix64: a small deterministic generator, so a flaky profile fails
 * at the same APDUs every run. Not for anything secret. */
static double flaky_next(sim_faults *ft)
{
	uint64_t z = (ft->flaky_state += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	z ^= z >> 31;
	return (double)(z >> 11) / 9007199254740992.0; /* [0, 1) */
}

/* Faults that stop the card answering at all; SSCARD_OK if it answers. */
static sscard_rc outer_faults(sscard_sim *sim)
{
	sim_faults *ft = &sim->faults;

	if (!sim->present)
		return SSCARD_E_CARD_REMOVED;
	if (ft->no_atr)
		return SSCARD_E_MUTE;
	if (!sim->powered)
		return SSCARD_E_CARD_REMOVED;
	sim->apdus_total++;
	sim->apdus_since_power++;
	if (ft->remove_after > 0 && sim->apdus_total > ft->remove_after) {
		ft->remove_after = 0; /* once: a re-inserted card works */
		sscard_sim_set_present(sim, 0);
		return SSCARD_E_CARD_REMOVED;
	}
	if (ft->mute_after > 0 && sim->apdus_since_power > ft->mute_after)
		return SSCARD_E_MUTE;
	return SSCARD_OK;
}

static sscard_rc put_answer(const sim_resp *r, uint8_t *rapdu, size_t *rlen)
{
	if (*rlen < r->len + 2)
		return SSCARD_E_BUFFER_TOO_SMALL;
	memcpy(rapdu, r->data, r->len);
	rapdu[r->len] = (uint8_t)(r->sw >> 8);
	rapdu[r->len + 1] = (uint8_t)r->sw;
	*rlen = r->len + 2;
	return SSCARD_OK;
}

/* The garbled fault: the answer the host gets is these bytes, status word
 * or not (the command itself still ran inside the card). */
static bool garbled_now(const sscard_sim *sim)
{
	return sim->faults.garbled && sim->apdus_since_power > sim->faults.garbled_after;
}

static sscard_rc put_raw(const uint8_t *bytes, size_t len, uint8_t *rapdu, size_t *rlen)
{
	if (*rlen < len)
		return SSCARD_E_BUFFER_TOO_SMALL;
	memcpy(rapdu, bytes, len);
	*rlen = len;
	return SSCARD_OK;
}

static bool parse_command(const uint8_t *capdu, size_t clen, sim_cmd *c)
{
	sscard_apdu a;

	if (sscard_apdu_parse(capdu, clen, &a) != SSCARD_OK ||
	    (a.flags & SSCARD_APDU_EXTENDED))
		return false;
	memset(c, 0, sizeof(*c));
	c->cla = a.cla;
	c->ins = a.ins;
	c->p1 = a.p1;
	c->p2 = a.p2;
	c->data = a.data;
	c->nc = a.nc;
	c->has_le = a.ne > 0;
	c->ne = a.ne;
	return true;
}

sscard_rc sscard_sim_apdu(sscard_sim *sim, const uint8_t *capdu, size_t clen,
                          uint8_t *rapdu, size_t *rlen)
{
	sim_resp *r;
	sim_cmd c;
	sscard_rc rc;

	if (sim == NULL || capdu == NULL || rapdu == NULL || rlen == NULL)
		return SSCARD_E_INVALID_ARG;
	sim->last_delay_ms = 0;
	rc = outer_faults(sim);
	if (rc != SSCARD_OK)
		return rc;
	sim->last_delay_ms = sim->faults.slow_ms;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return SSCARD_E_NOMEM;
	if (!parse_command(capdu, clen, &c)) {
		r->sw = SW_WRONG_LENGTH;
		sim_spend_challenge(sim, NULL);
	} else if (sim->faults.flaky_rate > 0 &&
	           flaky_next(&sim->faults) < sim->faults.flaky_rate) {
		r->sw = sim->faults.flaky_sw;
		sim_spend_challenge(sim, NULL);
	} else {
		sim_cmd_run(sim, &c, r);
		sim_spend_challenge(sim, &c);
	}
	if (r->torn) {
		sscard_sim_power_off(sim); /* power lost mid-write */
		rc = SSCARD_E_CARD_REMOVED;
	} else if (garbled_now(sim)) {
		rc = put_raw(sim->faults.garble, sim->faults.garble_len, rapdu, rlen);
	} else {
		rc = put_answer(r, rapdu, rlen);
	}
	OPENSSL_cleanse(r, sizeof(*r));
	free(r);
	return rc;
}

unsigned sscard_sim_delay_ms(const sscard_sim *sim)
{
	return sim != NULL ? sim->last_delay_ms : 0;
}

unsigned long sscard_sim_write_count(const sscard_sim *sim)
{
	return sim != NULL ? sim->writes : 0;
}

unsigned long sscard_sim_write_commands(const sscard_sim *sim)
{
	return sim != NULL ? sim->write_cmds : 0;
}

int sscard_sim_protocol(const sscard_sim *sim)
{
	return sim != NULL ? sim->protocol : 0;
}
