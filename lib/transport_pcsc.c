/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The PC/SC transport (pcsc-lite): reader listing, reader selection,
 * connection with T=0/T=1, transactions, and recovery from what a shared
 * reader does to us (another application resets the card, the card is
 * pulled, pcscd restarts, the card goes mute).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <reader.h>
#include <winscard.h>

#include "internal.h"
#include "pcsc_state.h"

/* ---- the one table: PC/SC result -> sscard_rc ------------------------- */

typedef struct pcsc_rc_map {
	LONG pcsc;
	sscard_rc rc;
	bool service_lost; /* pcscd went away: re-establish the context */
} pcsc_rc_map;

static const pcsc_rc_map pcsc_rc_table[] = {
	{ SCARD_S_SUCCESS, SSCARD_OK, false },
	{ SCARD_E_NO_SERVICE, SSCARD_E_NO_SERVICE, true },
	{ SCARD_E_SERVICE_STOPPED, SSCARD_E_NO_SERVICE, true },
	{ SCARD_F_COMM_ERROR, SSCARD_E_NO_SERVICE, true },
	{ SCARD_E_INVALID_HANDLE, SSCARD_E_TRANSPORT, false },
	{ SCARD_E_NO_READERS_AVAILABLE, SSCARD_E_NO_READER, false },
	{ SCARD_E_UNKNOWN_READER, SSCARD_E_NO_READER, false },
	{ SCARD_E_READER_UNAVAILABLE, SSCARD_E_NO_READER, false },
	{ SCARD_E_NO_SMARTCARD, SSCARD_E_NO_CARD, false },
	{ SCARD_W_REMOVED_CARD, SSCARD_E_CARD_REMOVED, false },
	{ SCARD_W_RESET_CARD, SSCARD_E_CARD_RESET, false },
	{ SCARD_W_UNRESPONSIVE_CARD, SSCARD_E_MUTE, false },
	{ SCARD_W_UNPOWERED_CARD, SSCARD_E_MUTE, false },
	{ SCARD_W_UNSUPPORTED_CARD, SSCARD_E_BAD_ATR, false },
	{ SCARD_E_TIMEOUT, SSCARD_E_TIMEOUT, false },
	{ SCARD_E_SHARING_VIOLATION, SSCARD_E_SHARING, false },
	{ SCARD_E_CANCELLED, SSCARD_E_CANCELLED, false },
	{ SCARD_E_NO_MEMORY, SSCARD_E_NOMEM, false },
	{ SCARD_E_INSUFFICIENT_BUFFER, SSCARD_E_BUFFER_TOO_SMALL, false },
	{ SCARD_E_INVALID_PARAMETER, SSCARD_E_INVALID_ARG, false },
	{ SCARD_E_INVALID_VALUE, SSCARD_E_INVALID_ARG, false },
	{ SCARD_E_UNSUPPORTED_FEATURE, SSCARD_E_NOT_IMPLEMENTED, false },
	{ SCARD_E_NOT_TRANSACTED, SSCARD_E_TRANSPORT, false },
	{ SCARD_E_PROTO_MISMATCH, SSCARD_E_TRANSPORT, false },
	{ SCARD_E_READER_UNSUPPORTED, SSCARD_E_TRANSPORT, false },
	{ SCARD_F_INTERNAL_ERROR, SSCARD_E_TRANSPORT, false },
};

static const pcsc_rc_map *pcsc_rc_lookup(LONG rv)
{
	for (size_t i = 0; i < sizeof pcsc_rc_table / sizeof pcsc_rc_table[0]; i++)
		if (pcsc_rc_table[i].pcsc == rv)
			return &pcsc_rc_table[i];
	return NULL;
}

sscard_rc sscard_pcsc_rc(LONG rv)
{
	const pcsc_rc_map *m = pcsc_rc_lookup(rv);
	return m ? m->rc : SSCARD_E_TRANSPORT;
}

bool sscard_pcsc_service_lost(LONG rv)
{
	const pcsc_rc_map *m = pcsc_rc_lookup(rv);
	return m && m->service_lost;
}

/* ---- the context's PC/SC state ---------------------------------------- */

static void pcsc_release(sscard_pcsc_state *st)
{
	if (st->established)
		(void)SCardReleaseContext(st->hctx);
	st->established = false;
}

sscard_rc sscard_pcsc_state_get(sscard_ctx *ctx, sscard_pcsc_state **out)
{
	if (ctx == NULL || out == NULL)
		return SSCARD_E_INVALID_ARG;
	sscard_pcsc_state *st = ctx->pcsc;
	if (st == NULL) {
		st = calloc(1, sizeof *st);
		if (st == NULL)
			return SSCARD_E_NOMEM;
		ctx->pcsc = st;
	}
	if (!st->established) {
		LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &st->hctx);
		if (rv != SCARD_S_SUCCESS)
			return sscard_ctx_fail(ctx, sscard_pcsc_rc(rv), "pcscd: %s",
			                       pcsc_stringify_error(rv));
		st->established = true;
		st->generation++;
	}
	*out = st;
	return SSCARD_OK;
}

sscard_rc sscard_pcsc_note(sscard_pcsc_state *st, LONG rv)
{
	if (sscard_pcsc_service_lost(rv))
		pcsc_release(st); /* the next call establishes a fresh context */
	return sscard_pcsc_rc(rv);
}

void sscard_pcsc_ctx_free(sscard_ctx *ctx)
{
	if (ctx == NULL || ctx->pcsc == NULL)
		return;
	sscard_pcsc_state *st = ctx->pcsc;
	pcsc_release(st);
	for (size_t i = 0; i < st->nwatch; i++)
		free(st->watch[i].name);
	free(st->pending);
	free(st);
	ctx->pcsc = NULL;
}

/* ---- pure helpers ------------------------------------------------------ */

size_t sscard_pcsc_split_names(const char *mstr, size_t mlen,
                               const char **names, size_t max)
{
	size_t n = 0, pos = 0;
	while (pos < mlen && mstr[pos] != '\0' && n < max) {
		const char *end = memchr(mstr + pos, '\0', mlen - pos);
		if (end == NULL)
			break; /* unterminated: ignore the fragment */
		names[n++] = mstr + pos;
		pos = (size_t)(end - mstr) + 1;
	}
	return n;
}

static void list_names(const char *const *names, size_t n, char *out, size_t outsz)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n && used < outsz; i++) {
		int w = snprintf(out + used, outsz - used, "%s\"%s\"", i ? ", " : "", names[i]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	if (n == 0)
		snprintf(out, outsz, "none");
}

sscard_rc sscard_pcsc_pick_reader(const char *const *names, const bool *present,
                                  size_t n, const char *wanted, size_t *index,
                                  char *detail, size_t detailsz)
{
	char avail[SSCARD_DETAIL_MAX];
	list_names(names, n, avail, sizeof avail);
	if (n == 0) {
		snprintf(detail, detailsz, "no PC/SC reader is connected");
		return SSCARD_E_NO_READER;
	}
	if (wanted == NULL || wanted[0] == '\0') {
		for (size_t i = 0; i < n; i++) {
			if (present[i]) {
				*index = i;
				return SSCARD_OK;
			}
		}
		snprintf(detail, detailsz, "no card in any reader; readers: %s", avail);
		return SSCARD_E_NO_CARD;
	}
	/* the best level of sscard_reader_match() wins; unique there, or exact */
	size_t hits = 0, hit = 0;
	int best = SSCARD_MATCH_NONE;
	for (size_t i = 0; i < n; i++) {
		int m = sscard_reader_match(names[i], wanted);
		if (m > best) {
			best = m;
			hits = 0;
		}
		if (m == best && m != SSCARD_MATCH_NONE) {
			if (hits == 0)
				hit = i;
			hits++;
		}
	}
	if (hits == 1 || (hits > 1 && best == SSCARD_MATCH_EXACT)) {
		*index = hit;
		return SSCARD_OK;
	}
	snprintf(detail, detailsz, "%s \"%s\"; readers: %s",
	         hits ? "several readers match" : "no reader matches", wanted, avail);
	return hits ? SSCARD_E_READER_AMBIGUOUS : SSCARD_E_NO_READER;
}

sscard_rc sscard_pcsc_parse_features(const uint8_t *tlv, size_t len,
                                     unsigned *features, uint32_t *verify,
                                     uint32_t *modify)
{
	*features = 0;
	size_t pos = 0;
	while (pos < len) {
		if (len - pos < 2)
			return SSCARD_E_BAD_RESPONSE;
		uint8_t tag = tlv[pos], l = tlv[pos + 1];
		pos += 2;
		if (l != 4 || len - pos < 4)
			return SSCARD_E_BAD_RESPONSE;
		uint32_t code = (uint32_t)tlv[pos] << 24 | (uint32_t)tlv[pos + 1] << 16 |
		                (uint32_t)tlv[pos + 2] << 8 | tlv[pos + 3];
		pos += 4;
		if (tag == FEATURE_VERIFY_PIN_DIRECT) {
			*features |= SSCARD_FEATURE_PINPAD_VERIFY;
			if (verify)
				*verify = code;
		} else if (tag == FEATURE_MODIFY_PIN_DIRECT) {
			*features |= SSCARD_FEATURE_PINPAD_MODIFY;
			if (modify)
				*modify = code;
		}
	}
	return SSCARD_OK;
}

/* ---- reader snapshot ---------------------------------------------------- */

typedef struct pcsc_snapshot {
	char *mstr; /* SCardListReaders' multi-string */
	const char *names[SSCARD_PCSC_MAX_WATCH];
	bool present[SSCARD_PCSC_MAX_WATCH];
	uint8_t atr[SSCARD_PCSC_MAX_WATCH][SSCARD_ATR_MAX];
	size_t atr_len[SSCARD_PCSC_MAX_WATCH];
	size_t n;
} pcsc_snapshot;

static void snapshot_free(pcsc_snapshot *s)
{
	free(s->mstr);
	s->mstr = NULL;
	s->n = 0;
}

/* The readers and their card state right now. No readers is not an error
 * here (n = 0); the caller decides. */
static sscard_rc snapshot_take(sscard_pcsc_state *st, pcsc_snapshot *s)
{
	memset(s, 0, sizeof *s);
	DWORD len = 0;
	LONG rv = SCardListReaders(st->hctx, NULL, NULL, &len);
	if (rv == SCARD_E_NO_READERS_AVAILABLE)
		return SSCARD_OK;
	if (rv != SCARD_S_SUCCESS)
		return sscard_pcsc_note(st, rv);
	s->mstr = malloc(len ? len : 1);
	if (s->mstr == NULL)
		return SSCARD_E_NOMEM;
	rv = SCardListReaders(st->hctx, NULL, s->mstr, &len);
	if (rv == SCARD_E_NO_READERS_AVAILABLE) {
		snapshot_free(s);
		return SSCARD_OK;
	}
	if (rv != SCARD_S_SUCCESS) {
		snapshot_free(s);
		return sscard_pcsc_note(st, rv);
	}
	s->n = sscard_pcsc_split_names(s->mstr, len, s->names, SSCARD_PCSC_MAX_WATCH);

	SCARD_READERSTATE rs[SSCARD_PCSC_MAX_WATCH];
	memset(rs, 0, sizeof rs);
	for (size_t i = 0; i < s->n; i++) {
		rs[i].szReader = s->names[i];
		rs[i].dwCurrentState = SCARD_STATE_UNAWARE;
	}
	if (s->n > 0) {
		rv = SCardGetStatusChange(st->hctx, 0, rs, (DWORD)s->n);
		if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT) {
			snapshot_free(s);
			return sscard_pcsc_note(st, rv);
		}
	}
	for (size_t i = 0; i < s->n; i++) {
		/* A mute card (no ATR) is present: connecting to it then says
		 * SSCARD_E_MUTE, which is what a diagnosis needs to hear. */
		s->present[i] = (rs[i].dwEventState & SCARD_STATE_PRESENT) != 0;
		size_t al = rs[i].cbAtr;
		if (s->present[i] && al <= SSCARD_ATR_MAX) {
			memcpy(s->atr[i], rs[i].rgbAtr, al);
			s->atr_len[i] = al;
		}
	}
	return SSCARD_OK;
}

/* ---- features ----------------------------------------------------------- */

typedef struct pcsc_features {
	unsigned mask;
	uint32_t verify_code, modify_code;
} pcsc_features;

/* Ask the reader for its PC/SC part 10 features. Readers without them
 * (vpcd, most plain readers) refuse the IOCTL: that is "no features". */
static void features_read(SCARDHANDLE h, pcsc_features *f)
{
	uint8_t buf[256];
	DWORD got = 0;
	memset(f, 0, sizeof *f);
	LONG rv = SCardControl(h, CM_IOCTL_GET_FEATURE_REQUEST, NULL, 0, buf,
	                       sizeof buf, &got);
	if (rv != SCARD_S_SUCCESS || got > sizeof buf)
		return;
	if (sscard_pcsc_parse_features(buf, got, &f->mask, &f->verify_code,
	                               &f->modify_code) != SSCARD_OK)
		memset(f, 0, sizeof *f);
}

static unsigned features_of_reader(sscard_pcsc_state *st, const char *name)
{
	SCARDHANDLE h;
	DWORD proto = 0;
	pcsc_features f;
	if (SCardConnect(st->hctx, name, SCARD_SHARE_DIRECT, 0, &h, &proto) != SCARD_S_SUCCESS)
		return 0;
	features_read(h, &f);
	(void)SCardDisconnect(h, SCARD_LEAVE_CARD);
	return f.mask;
}

/* ---- reader list (public accessors) ------------------------------------ */

typedef struct reader_entry {
	char *name;
	bool present;
	uint8_t atr[SSCARD_ATR_MAX];
	size_t atr_len;
	unsigned features;
} reader_entry;

struct sscard_reader_list {
	reader_entry *items;
	size_t count;
};

sscard_rc sscard_pcsc_list(sscard_ctx *ctx, sscard_reader_list **out)
{
	if (ctx == NULL || out == NULL)
		return SSCARD_E_INVALID_ARG;
	*out = NULL;
	sscard_pcsc_state *st;
	sscard_rc rc = sscard_pcsc_state_get(ctx, &st);
	if (rc != SSCARD_OK)
		return rc;
	pcsc_snapshot s;
	rc = snapshot_take(st, &s);
	if (rc != SSCARD_OK)
		return rc;
	sscard_reader_list *list = calloc(1, sizeof *list);
	if (list == NULL || (s.n && (list->items = calloc(s.n, sizeof *list->items)) == NULL)) {
		free(list);
		snapshot_free(&s);
		return SSCARD_E_NOMEM;
	}
	for (size_t i = 0; i < s.n; i++) {
		reader_entry *e = &list->items[i];
		e->name = strdup(s.names[i]);
		if (e->name == NULL) {
			list->count = i;
			sscard_reader_list_free(&list);
			snapshot_free(&s);
			return SSCARD_E_NOMEM;
		}
		e->present = s.present[i];
		memcpy(e->atr, s.atr[i], s.atr_len[i]);
		e->atr_len = s.atr_len[i];
		e->features = features_of_reader(st, s.names[i]);
	}
	list->count = s.n;
	snapshot_free(&s);
	*out = list;
	return SSCARD_OK;
}

SSCARD_API sscard_rc sscard_list_readers(sscard_ctx *ctx, sscard_reader_list **out)
{
	sscard_rc rc;

	if (ctx == NULL)
		return SSCARD_E_INVALID_ARG;
	rc = sscard_ctx_enter(ctx);
	if (rc != SSCARD_OK)
		return rc;
	rc = sscard_pcsc_list(ctx, out);
	sscard_ctx_leave(ctx);
	return rc;
}

SSCARD_API void sscard_reader_list_free(sscard_reader_list **list)
{
	if (list == NULL || *list == NULL)
		return;
	for (size_t i = 0; i < (*list)->count; i++)
		free((*list)->items[i].name);
	free((*list)->items);
	free(*list);
	*list = NULL;
}

SSCARD_API size_t sscard_reader_list_count(const sscard_reader_list *list)
{
	return list ? list->count : 0;
}

SSCARD_API const char *sscard_reader_list_name(const sscard_reader_list *list, size_t i)
{
	return list && i < list->count ? list->items[i].name : NULL;
}

SSCARD_API int sscard_reader_list_card_present(const sscard_reader_list *list, size_t i)
{
	return list && i < list->count && list->items[i].present;
}

SSCARD_API sscard_rc sscard_reader_list_atr(const sscard_reader_list *list, size_t i,
                                            const uint8_t **atr, size_t *len)
{
	if (list == NULL || i >= list->count || atr == NULL || len == NULL)
		return SSCARD_E_INVALID_ARG;
	*atr = list->items[i].atr;
	*len = list->items[i].atr_len;
	return SSCARD_OK;
}

SSCARD_API unsigned sscard_reader_list_features(const sscard_reader_list *list, size_t i)
{
	return list && i < list->count ? list->items[i].features : 0;
}

/* ---- the card connection --------------------------------------------- */

typedef struct pcsc_card {
	sscard_ctx *ctx;
	SCARDHANDLE h;
	bool connected;
	unsigned generation; /* of the context h belongs to */
	DWORD proto;
	char *reader;
	uint8_t atr[SSCARD_ATR_MAX];
	size_t atr_len;
	pcsc_features features;
} pcsc_card;

static sscard_rc card_state(pcsc_card *pc, sscard_pcsc_state **st)
{
	return sscard_pcsc_state_get(pc->ctx, st);
}

static sscard_rc card_refresh_atr(pcsc_card *pc)
{
	uint8_t atr[MAX_ATR_SIZE];
	DWORD atrlen = sizeof atr, state = 0, proto = 0;
	LONG rv = SCardStatus(pc->h, NULL, NULL, &state, &proto, atr, &atrlen);
	if (rv != SCARD_S_SUCCESS)
		return sscard_pcsc_rc(rv);
	if (atrlen > SSCARD_ATR_MAX)
		return SSCARD_E_BAD_ATR;
	memcpy(pc->atr, atr, atrlen);
	pc->atr_len = atrlen;
	return SSCARD_OK;
}

static sscard_rc card_open(pcsc_card *pc, sscard_pcsc_state *st)
{
	LONG rv = SCardConnect(st->hctx, pc->reader, SCARD_SHARE_SHARED,
	                       SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &pc->h, &pc->proto);
	if (rv != SCARD_S_SUCCESS)
		return sscard_pcsc_note(st, rv);
	pc->connected = true;
	pc->generation = st->generation;
	features_read(pc->h, &pc->features);
	return card_refresh_atr(pc);
}

/*
 * The card was reset by someone else (or pcscd restarted under us):
 * reconnect and report SSCARD_E_CARD_RESET so the application layer knows
 * its selected file and security state are gone.
 */
static sscard_rc card_recover(pcsc_card *pc, sscard_pcsc_state *st, LONG why)
{
	if (why == SCARD_W_RESET_CARD) {
		LONG rv = SCardReconnect(pc->h, SCARD_SHARE_SHARED,
		                         SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
		                         SCARD_LEAVE_CARD, &pc->proto);
		if (rv != SCARD_S_SUCCESS)
			return sscard_pcsc_note(st, rv);
		SSC_INFO(pc->ctx, "pcsc: card in \"%s\" was reset by another application; reconnected",
		         pc->reader);
		sscard_rc rc = card_refresh_atr(pc);
		return rc == SSCARD_OK ? SSCARD_E_CARD_RESET : rc;
	}
	/* service restarted: a fresh context and a fresh connection */
	pc->connected = false;
	sscard_rc rc = card_open(pc, st);
	if (rc != SSCARD_OK)
		return rc;
	SSC_INFO(pc->ctx, "pcsc: reconnected to \"%s\" after pcscd restarted", pc->reader);
	return SSCARD_E_CARD_RESET;
}

/* Before each operation: a handle from a context that has since been
 * re-established (pcscd restarted) is reopened first. */
static sscard_rc card_ready(pcsc_card *pc, sscard_pcsc_state **st)
{
	sscard_rc rc = card_state(pc, st);
	if (rc != SSCARD_OK)
		return rc;
	if (!pc->connected || pc->generation != (*st)->generation)
		return card_recover(pc, *st, SCARD_E_NO_SERVICE);
	return SSCARD_OK;
}

/* Map a failed call's result, recovering from a reset on the way. */
static sscard_rc card_failed(pcsc_card *pc, sscard_pcsc_state *st, LONG rv, const char *what)
{
	SSC_DBG(pc->ctx, "pcsc: %s on \"%s\": %s", what, pc->reader, pcsc_stringify_error(rv));
	if (rv == SCARD_W_RESET_CARD)
		return card_recover(pc, st, rv);
	if (sscard_pcsc_service_lost(rv))
		pc->connected = false;
	return sscard_pcsc_note(st, rv);
}

/* How long a failed transmission may wait for pcscd to tell a pulled card
 * from a mute one (pcscd polls readers without hot-plug every 400 ms). */
#define SILENT_CARD_WAIT_MS 1200

/*
 * The card gave no answer (an empty one, or the driver's "not transacted").
 * Real readers and vpcd say the same for a card that went mute and for one
 * pulled mid-command; pcscd's view of the slot a moment later tells them
 * apart: SSCARD_E_CARD_REMOVED if the card left, SSCARD_E_MUTE if it stayed.
 */
static sscard_rc card_silent(pcsc_card *pc, sscard_pcsc_state *st)
{
	SCARD_READERSTATE rs;
	memset(&rs, 0, sizeof rs);
	rs.szReader = pc->reader;
	rs.dwCurrentState = SCARD_STATE_UNAWARE;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		long spent = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
		if (spent >= SILENT_CARD_WAIT_MS)
			break;
		LONG rv = SCardGetStatusChange(st->hctx, (DWORD)(SILENT_CARD_WAIT_MS - spent), &rs, 1);
		if (rv == SCARD_E_TIMEOUT)
			break;
		if (rv != SCARD_S_SUCCESS)
			return sscard_pcsc_note(st, rv);
		if (!(rs.dwEventState & SCARD_STATE_PRESENT) ||
		    (rs.dwCurrentState != SCARD_STATE_UNAWARE &&
		     (rs.dwEventState >> 16) != (rs.dwCurrentState >> 16))) {
			SSC_INFO(pc->ctx, "pcsc: card left \"%s\" during a command", pc->reader);
			return SSCARD_E_CARD_REMOVED;
		}
		rs.dwCurrentState = rs.dwEventState & ~(DWORD)SCARD_STATE_CHANGED;
	}
	SSC_INFO(pc->ctx, "pcsc: card in \"%s\" did not answer", pc->reader);
	return SSCARD_E_MUTE;
}

static sscard_rc pcsc_transmit(void *impl, const uint8_t *capdu, size_t clen,
                               uint8_t *rapdu, size_t *rlen)
{
	pcsc_card *pc = impl;
	sscard_pcsc_state *st;
	if (capdu == NULL || rapdu == NULL || rlen == NULL || clen > MAX_BUFFER_SIZE_EXTENDED)
		return SSCARD_E_INVALID_ARG;
	sscard_rc rc = card_ready(pc, &st);
	if (rc != SSCARD_OK)
		return rc;
	const SCARD_IO_REQUEST *pci = pc->proto == SCARD_PROTOCOL_T1 ? SCARD_PCI_T1 : SCARD_PCI_T0;
	DWORD got = *rlen > MAX_BUFFER_SIZE_EXTENDED ? MAX_BUFFER_SIZE_EXTENDED : (DWORD)*rlen;
	LONG rv = SCardTransmit(pc->h, pci, capdu, (DWORD)clen, NULL, rapdu, &got);
	if (rv == SCARD_E_NOT_TRANSACTED || (rv == SCARD_S_SUCCESS && got == 0))
		return card_silent(pc, st);
	if (rv != SCARD_S_SUCCESS)
		return card_failed(pc, st, rv, "SCardTransmit");
	if (got > *rlen)
		return SSCARD_E_BAD_RESPONSE;
	*rlen = got;
	return SSCARD_OK;
}

static sscard_rc pcsc_reset(void *impl, int cold, uint8_t *atr, size_t *atrlen)
{
	pcsc_card *pc = impl;
	sscard_pcsc_state *st;
	sscard_rc rc = card_ready(pc, &st);
	if (rc != SSCARD_OK && rc != SSCARD_E_CARD_RESET)
		return rc;
	LONG rv = SCardReconnect(pc->h, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
	                         cold ? SCARD_UNPOWER_CARD : SCARD_RESET_CARD, &pc->proto);
	if (rv != SCARD_S_SUCCESS)
		return card_failed(pc, st, rv, "SCardReconnect");
	rc = card_refresh_atr(pc);
	if (rc != SSCARD_OK)
		return rc;
	if (atr && atrlen) {
		if (*atrlen < pc->atr_len)
			return SSCARD_E_BUFFER_TOO_SMALL;
		memcpy(atr, pc->atr, pc->atr_len);
		*atrlen = pc->atr_len;
	}
	return SSCARD_OK;
}

static sscard_rc pcsc_get_atr(void *impl, uint8_t *atr, size_t *atrlen)
{
	pcsc_card *pc = impl;
	if (atr == NULL || atrlen == NULL)
		return SSCARD_E_INVALID_ARG;
	if (*atrlen < pc->atr_len)
		return SSCARD_E_BUFFER_TOO_SMALL;
	memcpy(atr, pc->atr, pc->atr_len);
	*atrlen = pc->atr_len;
	return SSCARD_OK;
}

static int pcsc_protocol(void *impl)
{
	const pcsc_card *pc = impl;
	return pc->proto == SCARD_PROTOCOL_T1 ? 1 : 0;
}

static sscard_rc pcsc_begin(void *impl)
{
	pcsc_card *pc = impl;
	sscard_pcsc_state *st;
	sscard_rc rc = card_ready(pc, &st);
	if (rc != SSCARD_OK)
		return rc;
	LONG rv = SCardBeginTransaction(pc->h);
	if (rv == SCARD_S_SUCCESS)
		return SSCARD_OK;
	/* After a reset the handle is reconnected but the card is NOT held:
	 * a failed begin holds nothing (card.c never ends it), and the caller
	 * must rebuild its state on the card before it begins again. */
	return card_failed(pc, st, rv, "SCardBeginTransaction");
}

static sscard_rc pcsc_end(void *impl)
{
	pcsc_card *pc = impl;
	const sscard_pcsc_state *live = pc->ctx->pcsc;
	/* A transaction dies with its connection (or with pcscd). */
	if (!pc->connected || live == NULL || !live->established ||
	    live->generation != pc->generation)
		return SSCARD_OK;
	LONG rv = SCardEndTransaction(pc->h, SCARD_LEAVE_CARD);
	if (rv == SCARD_S_SUCCESS)
		return SSCARD_OK;
	sscard_pcsc_state *st;
	sscard_rc rc = card_state(pc, &st);
	return rc != SSCARD_OK ? rc : card_failed(pc, st, rv, "SCardEndTransaction");
}

static unsigned pcsc_features_of(void *impl)
{
	const pcsc_card *pc = impl;
	return pc->features.mask;
}

static void pcsc_close(void *impl)
{
	pcsc_card *pc = impl;
	if (pc == NULL)
		return;
	sscard_pcsc_state *st = pc->ctx->pcsc;
	/* Only a handle of the live context can be disconnected. */
	if (pc->connected && st && st->established && st->generation == pc->generation)
		(void)SCardDisconnect(pc->h, SCARD_LEAVE_CARD);
	free(pc->reader);
	free(pc);
}

static const sscard_transport_ops pcsc_ops = {
	.name = "pcsc",
	.transmit = pcsc_transmit,
	.reset = pcsc_reset,
	.get_atr = pcsc_get_atr,
	.protocol = pcsc_protocol,
	.begin = pcsc_begin,
	.end = pcsc_end,
	.features = pcsc_features_of,
	.close = pcsc_close,
};

/* Resolve `wanted` (or SSCARD_READER) to a reader name, copied; a missing
 * or ambiguous name lists the readers in the context's detail. */
static sscard_rc resolve_reader(sscard_ctx *ctx, sscard_pcsc_state *st, const char *wanted,
                                char **name)
{
	char detail[SSCARD_DETAIL_MAX] = "";
	if (wanted == NULL || wanted[0] == '\0')
		wanted = getenv("SSCARD_READER");
	pcsc_snapshot s;
	sscard_rc rc = snapshot_take(st, &s);
	if (rc != SSCARD_OK)
		return rc;
	size_t idx = 0;
	rc = sscard_pcsc_pick_reader(s.names, s.present, s.n, wanted, &idx, detail,
	                             sizeof detail);
	if (rc != SSCARD_OK)
		sscard_ctx_fail(ctx, rc, "%s", detail);
	if (rc == SSCARD_OK) {
		*name = strdup(s.names[idx]);
		if (*name == NULL)
			rc = SSCARD_E_NOMEM;
	}
	snapshot_free(&s);
	return rc;
}

sscard_rc sscard_pcsc_connect(sscard_ctx *ctx, const char *reader,
                              const sscard_transport_ops **ops, void **impl)
{
	if (ctx == NULL || ops == NULL || impl == NULL)
		return SSCARD_E_INVALID_ARG;
	sscard_pcsc_state *st;
	sscard_rc rc = sscard_pcsc_state_get(ctx, &st);
	if (rc != SSCARD_OK)
		return rc;
	pcsc_card *pc = calloc(1, sizeof *pc);
	if (pc == NULL)
		return SSCARD_E_NOMEM;
	pc->ctx = ctx;
	rc = resolve_reader(ctx, st, reader, &pc->reader);
	if (rc == SSCARD_OK) {
		rc = card_open(pc, st);
		if (rc != SSCARD_OK)
			sscard_ctx_fail(ctx, rc, "reader \"%s\": %s", pc->reader, sscard_strerror(rc));
	}
	if (rc != SSCARD_OK) {
		pcsc_close(pc);
		return rc;
	}
	SSC_INFO(ctx, "pcsc: connected to \"%s\" (T=%d)", pc->reader, pcsc_protocol(pc));
	*ops = &pcsc_ops;
	*impl = pc;
	return SSCARD_OK;
}

/* ---- PIN pad (PC/SC part 10) ------------------------------------------- */

#define PINPAD_TIMEOUT_S 30     /* whole entry */
#define PINPAD_TIMEOUT2_S 15    /* after the first key */
#define PINPAD_LANG_ZH_CN 0x0804u
#define SSSE_PIN_DIGITS 6u
#define SSSE_PIN_BYTES 3u

/* Serialise into out with a bounds check: the builders below never write
 * past outsz. */
typedef struct pin_block {
	uint8_t *out;
	size_t size, len;
	bool overflow;
} pin_block;

static void pb_u8(pin_block *b, uint8_t v)
{
	if (b->len < b->size)
		b->out[b->len] = v;
	else
		b->overflow = true;
	b->len++;
}

static void pb_le16(pin_block *b, uint16_t v)
{
	pb_u8(b, (uint8_t)v);
	pb_u8(b, (uint8_t)(v >> 8));
}

static void pb_le32(pin_block *b, uint32_t v)
{
	pb_le16(b, (uint16_t)v);
	pb_le16(b, (uint16_t)(v >> 16));
}

static void pb_bytes(pin_block *b, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pb_u8(b, p[i]);
}

/* The fields both structures start with: BCD, left-justified, bytes as
 * units, PIN at the start of the data field, no length field. */
static void pb_format(pin_block *b)
{
	pb_u8(b, PINPAD_TIMEOUT_S);
	pb_u8(b, PINPAD_TIMEOUT2_S);
	pb_u8(b, 0x81);                 /* bmFormatString: units bytes, pos 0, BCD */
	pb_u8(b, SSSE_PIN_BYTES);       /* bmPINBlockString: no length, 3-byte block */
	pb_u8(b, 0x00);                 /* bmPINLengthFormat */
}

static sscard_rc pb_done(const pin_block *b, size_t *outlen)
{
	if (b->overflow)
		return SSCARD_E_BUFFER_TOO_SMALL;
	*outlen = b->len;
	return SSCARD_OK;
}

sscard_rc sscard_pcsc_pin_verify_block(uint8_t *out, size_t outsz, size_t *outlen)
{
	static const uint8_t apdu[] = { 0x00, 0x20, 0x00, 0x00, SSSE_PIN_BYTES, 0xFF, 0xFF, 0xFF };
	pin_block b = { out, outsz, 0, false };
	if (out == NULL || outlen == NULL)
		return SSCARD_E_INVALID_ARG;
	pb_format(&b);
	pb_le16(&b, SSSE_PIN_DIGITS << 8 | SSSE_PIN_DIGITS); /* min, max digits */
	pb_u8(&b, 0x02);                /* bEntryValidationCondition: OK key */
	pb_u8(&b, 0x01);                /* bNumberMessage */
	pb_le16(&b, PINPAD_LANG_ZH_CN);
	pb_u8(&b, 0x00);                /* bMsgIndex */
	pb_bytes(&b, (const uint8_t[3]){ 0, 0, 0 }, 3); /* bTeoPrologue */
	pb_le32(&b, sizeof apdu);
	pb_bytes(&b, apdu, sizeof apdu);
	return pb_done(&b, outlen);
}

sscard_rc sscard_pcsc_pin_modify_block(uint8_t *out, size_t outsz, size_t *outlen)
{
	static const uint8_t apdu[] = { 0x80, 0x5E, 0x01, 0x00, 2 * SSSE_PIN_BYTES + 1,
		                        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
	pin_block b = { out, outsz, 0, false };
	if (out == NULL || outlen == NULL)
		return SSCARD_E_INVALID_ARG;
	pb_format(&b);
	pb_u8(&b, 0);                   /* bInsertionOffsetOld: data byte 0 */
	pb_u8(&b, SSSE_PIN_BYTES + 1);  /* bInsertionOffsetNew: after old PIN and FF */
	pb_le16(&b, SSSE_PIN_DIGITS << 8 | SSSE_PIN_DIGITS);
	pb_u8(&b, 0x03);                /* bConfirmPIN: enter current, confirm new */
	pb_u8(&b, 0x02);                /* bEntryValidationCondition: OK key */
	pb_u8(&b, 0x03);                /* bNumberMessage: old, new, confirm */
	pb_le16(&b, PINPAD_LANG_ZH_CN);
	pb_u8(&b, 0x00);                /* bMsgIndex1..3 */
	pb_u8(&b, 0x01);
	pb_u8(&b, 0x02);
	pb_bytes(&b, (const uint8_t[3]){ 0, 0, 0 }, 3);
	pb_le32(&b, sizeof apdu);
	pb_bytes(&b, apdu, sizeof apdu);
	return pb_done(&b, outlen);
}

sscard_rc sscard_pcsc_pinpad(sscard_card *card, bool modify, uint16_t *sw)
{
	if (card == NULL || sw == NULL)
		return SSCARD_E_INVALID_ARG;
	if (card->ops != &pcsc_ops)
		return SSCARD_E_NOT_IMPLEMENTED;
	pcsc_card *pc = card->impl;
	uint32_t code = modify ? pc->features.modify_code : pc->features.verify_code;
	if (code == 0)
		return SSCARD_E_NOT_IMPLEMENTED;
	uint8_t block[64], r[258];
	size_t n = 0;
	sscard_rc rc = modify ? sscard_pcsc_pin_modify_block(block, sizeof block, &n)
	                      : sscard_pcsc_pin_verify_block(block, sizeof block, &n);
	if (rc != SSCARD_OK)
		return rc;
	sscard_pcsc_state *st;
	rc = card_ready(pc, &st);
	if (rc != SSCARD_OK)
		return rc;
	DWORD got = 0;
	LONG rv = SCardControl(pc->h, code, block, (DWORD)n, r, sizeof r, &got);
	if (rv != SCARD_S_SUCCESS)
		return card_failed(pc, st, rv, "SCardControl(PIN pad)");
	if (got < 2 || got > sizeof r)
		return SSCARD_E_BAD_RESPONSE;
	*sw = (uint16_t)(r[got - 2] << 8 | r[got - 1]);
	card->last_sw = *sw;
	card->apdu_count++;
	return SSCARD_OK;
}
