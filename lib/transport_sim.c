/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The in-process transport "sim:PATH": a sscard_transport_ops over the
 * simulated card of lib/sim. A slow profile's delay is slept here (so the
 * caller sees real time pass); a mute card answers SSCARD_E_MUTE at once,
 * as a reader that has given up on the card does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "sim/sim.h"

typedef struct sim_transport {
	sscard_sim *sim;
	uint8_t atr[SSCARD_ATR_MAX];
	size_t atr_len;
} sim_transport;

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000u, .tv_nsec = (long)(ms % 1000u) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static sscard_rc sim_transmit(void *impl, const uint8_t *capdu, size_t clen,
                              uint8_t *rapdu, size_t *rlen)
{
	sim_transport *t = impl;
	sscard_rc rc = sscard_sim_apdu(t->sim, capdu, clen, rapdu, rlen);

	if (rc == SSCARD_OK && sscard_sim_delay_ms(t->sim) > 0)
		sleep_ms(sscard_sim_delay_ms(t->sim));
	return rc;
}

/* Power the card and keep its ATR; a card without an ATR is mute. */
static sscard_rc power_up(sim_transport *t, int cold)
{
	size_t n = sizeof(t->atr);
	sscard_rc rc = sscard_sim_power_on(t->sim, cold, t->atr, &n);

	t->atr_len = 0;
	if (rc != SSCARD_OK)
		return rc;
	if (n == 0)
		return SSCARD_E_MUTE;
	t->atr_len = n;
	return SSCARD_OK;
}

static sscard_rc copy_atr(const sim_transport *t, uint8_t *atr, size_t *atrlen)
{
	if (*atrlen < t->atr_len)
		return SSCARD_E_BUFFER_TOO_SMALL;
	memcpy(atr, t->atr, t->atr_len);
	*atrlen = t->atr_len;
	return SSCARD_OK;
}

static sscard_rc sim_reset(void *impl, int cold, uint8_t *atr, size_t *atrlen)
{
	sim_transport *t = impl;
	sscard_rc rc = power_up(t, cold);

	return rc == SSCARD_OK ? copy_atr(t, atr, atrlen) : rc;
}

static sscard_rc sim_get_atr(void *impl, uint8_t *atr, size_t *atrlen)
{
	return copy_atr(impl, atr, atrlen);
}

static int sim_protocol(void *impl)
{
	return sscard_sim_protocol(((sim_transport *)impl)->sim);
}

static void sim_close(void *impl)
{
	sim_transport *t = impl;

	if (t == NULL)
		return;
	sscard_sim_free(&t->sim);
	free(t);
}

static const sscard_transport_ops sim_ops = {
	.name = "sim",
	.transmit = sim_transmit,
	.reset = sim_reset,
	.get_atr = sim_get_atr,
	.protocol = sim_protocol,
	.close = sim_close,
};

sscard_rc sscard_sim_transport_open(sscard_ctx *ctx, const char *profile_path,
                                    const sscard_transport_ops **ops, void **impl)
{
	char err[512];
	sim_transport *t;
	sscard_rc rc;

	if (profile_path == NULL || ops == NULL || impl == NULL)
		return SSCARD_E_INVALID_ARG;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return SSCARD_E_NOMEM;
	rc = sscard_sim_load(profile_path, &t->sim, err, sizeof(err));
	if (rc != SSCARD_OK) {
		sscard_ctx_fail(ctx, rc, "%s", err);
		free(t);
		return rc;
	}
	rc = power_up(t, 1);
	if (rc != SSCARD_OK) {
		sscard_ctx_fail(ctx, rc, "sim:%s: %s", profile_path,
		                rc == SSCARD_E_MUTE ? "the card gives no ATR" : sscard_strerror(rc));
		sim_close(t);
		return rc;
	}
	*ops = &sim_ops;
	*impl = t;
	return SSCARD_OK;
}
