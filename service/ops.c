/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sscardd's card operations (see ops.h). Every function here calls
 * libsscard through include/sscard/ only. Results carry the card's data
 * to the page that asked; nothing here logs a value read from a card.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "ops.h"

long long svc_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- reader locks ---------------------------------------------------------- */

#define MAX_LOCKS 32u

struct svc_locks {
	pthread_mutex_t mutex;
	struct { char reader[SVC_NAME_MAX]; uint64_t owner; } held[MAX_LOCKS];
};

svc_locks *svc_locks_new(void)
{
	svc_locks *l = calloc(1, sizeof(*l));
	if (l != NULL)
		pthread_mutex_init(&l->mutex, NULL);
	return l;
}

void svc_locks_free(svc_locks **l)
{
	if (l == NULL || *l == NULL)
		return;
	pthread_mutex_destroy(&(*l)->mutex);
	free(*l);
	*l = NULL;
}

bool svc_locks_take(svc_locks *l, const char *reader, uint64_t owner)
{
	size_t free_slot = MAX_LOCKS;
	bool ok = true;

	pthread_mutex_lock(&l->mutex);
	for (size_t i = 0; i < MAX_LOCKS && ok; i++) {
		if (l->held[i].reader[0] == '\0')
			free_slot = free_slot == MAX_LOCKS ? i : free_slot;
		else if (strcmp(l->held[i].reader, reader) == 0)
			ok = false;
	}
	ok = ok && free_slot < MAX_LOCKS;
	if (ok) {
		snprintf(l->held[free_slot].reader, SVC_NAME_MAX, "%s", reader);
		l->held[free_slot].owner = owner;
	}
	pthread_mutex_unlock(&l->mutex);
	return ok;
}

static bool kiosk_holds(svc_locks *l, const char *reader)
{
	bool kiosk = false;

	pthread_mutex_lock(&l->mutex);
	for (size_t i = 0; i < MAX_LOCKS; i++)
		kiosk = kiosk || (l->held[i].owner == SVC_KIOSK_OWNER && strcmp(l->held[i].reader, reader) == 0);
	pthread_mutex_unlock(&l->mutex);
	return kiosk;
}

void svc_locks_give(svc_locks *l, const char *reader, uint64_t owner)
{
	pthread_mutex_lock(&l->mutex);
	for (size_t i = 0; i < MAX_LOCKS; i++)
		if (l->held[i].owner == owner && strcmp(l->held[i].reader, reader) == 0)
			l->held[i].reader[0] = '\0';
	pthread_mutex_unlock(&l->mutex);
}

/* ---- the readers the event thread saw -------------------------------------- */

static size_t seen_index(svc_readers *rs, const char *name)
{
	size_t i = 0;
	while (i < rs->n && strcmp(rs->r[i].name, name) != 0)
		i++;
	return i;
}

void svc_readers_update(svc_readers *rs, const sscard_event *ev, bool pinpad)
{
	size_t i;

	pthread_mutex_lock(&rs->mutex);
	i = seen_index(rs, ev->reader);
	if (ev->type == SSCARD_EVENT_READER_ADDED && i == rs->n && rs->n < SVC_MAX_SEEN) {
		snprintf(rs->r[i].name, SVC_NAME_MAX, "%s", ev->reader);
		rs->r[i].card = false;
		rs->r[i].pinpad = pinpad;
		rs->n++;
	} else if (ev->type == SSCARD_EVENT_READER_REMOVED && i < rs->n) {
		rs->r[i] = rs->r[--rs->n];
	} else if (i < rs->n) {
		rs->r[i].card = ev->type == SSCARD_EVENT_CARD_INSERTED;
	}
	pthread_mutex_unlock(&rs->mutex);
}

json_object *svc_readers_json(svc_readers *rs)
{
	json_object *o = json_object_new_object(), *arr = json_object_new_array();

	pthread_mutex_lock(&rs->mutex);
	for (size_t i = 0; i < rs->n; i++) {
		json_object *r = json_object_new_object();
		json_object_object_add(r, "name", json_object_new_string(rs->r[i].name));
		json_object_object_add(r, "cardPresent", json_object_new_boolean(rs->r[i].card));
		json_object_object_add(r, "pinPad", json_object_new_boolean(rs->r[i].pinpad));
		json_object_array_add(arr, r);
	}
	pthread_mutex_unlock(&rs->mutex);
	json_object_object_add(o, "readers", arr);
	return o;
}

/* ---- result builders --------------------------------------------------------- */

void svc_atr_hist_hex(const uint8_t *atr, size_t len, char *out, size_t outsz)
{
	sscard_atr parsed;

	out[0] = '\0';
	if (atr != NULL && sscard_atr_parse(atr, len, &parsed) == SSCARD_OK)
		sscard_hex_encode(parsed.hist, parsed.hist_len, out, outsz);
}

static const char *value_or_empty(const sscard_basic *b, const char *key)
{
	const char *v = sscard_basic_get(b, key);
	return v != NULL ? v : "";
}

/* "YYYY-MM-DD" -> "YYYYMMDD"; anything else stays as it is. */
static void compact_date(const char *in, char out[16])
{
	size_t n = 0;
	for (; *in != '\0' && n < 15; in++)
		if (*in != '-')
			out[n++] = *in;
	out[n] = '\0';
}

void svc_ministry_basic(const sscard_basic *b, const char *hist_hex, char *out, size_t outsz)
{
	char issue[16], expiry[16];
	const char *id = value_or_empty(b, "card_id");

	compact_date(value_or_empty(b, "issue_date"), issue);
	compact_date(value_or_empty(b, "expiry_date"), expiry);
	/* region|SSN|card number|card id|name|ATR historical bytes|version|
	 * issue|expiry|terminal number|terminal device number| (design.md s.8);
	 * the service knows no terminal number: both empty */
	snprintf(out, outsz, "%.6s|%s|%s|%s|%s|%s|%s|%s|%s|||", id, value_or_empty(b, "ssn"),
	         value_or_empty(b, "card_number"), id, value_or_empty(b, "name"), hist_hex,
	         value_or_empty(b, "spec_version"), issue, expiry);
}

static const char *const elem_status[] = {
	[SSCARD_ELEM_NOT_READ] = "NOT_READ", [SSCARD_ELEM_PRESENT] = "PRESENT",
	[SSCARD_ELEM_BLANK] = "BLANK",       [SSCARD_ELEM_NOT_FOUND] = "NOT_FOUND",
	[SSCARD_ELEM_WITHHELD] = "WITHHELD", [SSCARD_ELEM_UNREADABLE] = "UNREADABLE",
};

static json_object *problems_json(const sscard_basic *b)
{
	json_object *arr = json_object_new_array();
	for (size_t i = 0; i < sscard_basic_problem_count(b); i++) {
		const char *key = "", *text = "";
		int code = 0;
		json_object *p = json_object_new_object();
		sscard_basic_problem(b, i, &key, &code, &text);
		json_object_object_add(p, "element", json_object_new_string(key));
		json_object_object_add(p, "code", json_object_new_string(sscard_problem_name(code)));
		json_object_object_add(p, "message", json_object_new_string(text));
		json_object_array_add(arr, p);
	}
	return arr;
}

static json_object *unavailable_json(const sscard_basic *b)
{
	json_object *arr = json_object_new_array();
	for (size_t i = 0; i < sscard_element_count(); i++) {
		sscard_elem_status st = sscard_basic_status(b, i);
		json_object *u;
		if (st != SSCARD_ELEM_WITHHELD && st != SSCARD_ELEM_UNREADABLE)
			continue;
		u = json_object_new_object();
		json_object_object_add(u, "element", json_object_new_string(sscard_element_key(i)));
		json_object_object_add(u, "status", json_object_new_string(elem_status[st]));
		json_object_object_add(u, "code", json_object_new_string(sscard_rc_name(sscard_basic_error(b, i))));
		json_object_array_add(arr, u);
	}
	return arr;
}

json_object *svc_basic_json(const sscard_basic *b, const uint8_t *atr, size_t atrlen)
{
	json_object *o = json_object_new_object();
	char hist[80], ministry[512];

	for (size_t i = 0; i < sscard_element_count(); i++) {
		const char *v = sscard_basic_value(b, i);
		if (v != NULL)
			json_object_object_add(o, sscard_element_key(i), json_object_new_string(v));
	}
	json_object_object_add(o, "valid", json_object_new_boolean(sscard_basic_valid(b)));
	json_object_object_add(o, "problems", problems_json(b));
	json_object_object_add(o, "unavailable", unavailable_json(b));
	svc_atr_hist_hex(atr, atrlen, hist, sizeof(hist));
	svc_ministry_basic(b, hist, ministry, sizeof(ministry));
	json_object_object_add(o, "ministry", json_object_new_string(ministry));
	return o;
}

static json_object *reason_json(const sscard_diag *d, size_t i)
{
	json_object *r = json_object_new_object();
	json_object_object_add(r, "code", json_object_new_string(sscard_diag_reason_code(d, i)));
	json_object_object_add(r, "verdict",
	                       json_object_new_string(sscard_verdict_name(sscard_diag_reason_verdict(d, i))));
	json_object_object_add(r, "detail", json_object_new_string(sscard_diag_reason_detail(d, i)));
	json_object_object_add(r, "detail_zh", json_object_new_string(sscard_diag_reason_detail_zh(d, i)));
	json_object_object_add(r, "action", json_object_new_string(sscard_diag_reason_action(d, i)));
	json_object_object_add(r, "action_zh", json_object_new_string(sscard_diag_reason_action_zh(d, i)));
	return r;
}

json_object *svc_diag_json(const sscard_diag *d)
{
	json_object *o = json_object_new_object(), *reasons = json_object_new_array();

	json_object_object_add(o, "verdict", json_object_new_string(sscard_verdict_name(sscard_diag_verdict(d))));
	for (size_t i = 0; i < sscard_diag_reason_count(d); i++)
		json_object_array_add(reasons, reason_json(d, i));
	json_object_object_add(o, "reasons", reasons);
	json_object_object_add(o, "expiry_date", json_object_new_string(sscard_diag_expiry(d)));
	json_object_object_add(o, "pin_tries", json_object_new_int(sscard_diag_pin_tries(d)));
	json_object_object_add(o, "elapsed_ms", json_object_new_int64(sscard_diag_elapsed_ms(d)));
	return o;
}

/* ---- finding the card ---------------------------------------------------------- */

static bool wanted(const svc_job *job, const char *reader)
{
	return svc_reader_served(job->env->cfg, reader) &&
	       (job->req.reader[0] == '\0' || strcmp(job->req.reader, reader) == 0);
}

static void job_fail(svc_job *job, svc_err e, sscard_rc rc)
{
	job->err = e;
	if (rc != SSCARD_OK)
		snprintf(job->detail, sizeof(job->detail), "%s", sscard_rc_name(rc));
}

/* The reader the request may use, holding a card, waiting up to
 * req.wait_ms for one (or with need_card false, any served reader). */
static svc_err find_reader(svc_job *job, bool need_card, char reader[SVC_NAME_MAX])
{
	long long deadline = svc_now_ms() + job->req.wait_ms;
	bool have_reader = false;
	sscard_event ev;

	for (;;) {
		long long left = deadline - svc_now_ms();
		sscard_rc rc = sscard_wait_event(job->ctx, left > 0 ? (int)left : 0, &ev);
		if (atomic_load(&job->cancelled))
			return SVC_E_CANCELLED;
		if (rc == SSCARD_E_TIMEOUT)
			return !have_reader ? SVC_E_NO_READER : job->req.wait_ms > 0 ? SVC_E_TIMEOUT : SVC_E_NO_CARD;
		if (rc != SSCARD_OK)
			return svc_err_from_rc(rc);
		if (!wanted(job, ev.reader))
			continue;
		have_reader = have_reader || ev.type == SSCARD_EVENT_READER_ADDED;
		if (ev.type == SSCARD_EVENT_CARD_INSERTED || (!need_card && ev.type == SSCARD_EVENT_READER_ADDED)) {
			snprintf(reader, SVC_NAME_MAX, "%s", ev.reader);
			return SVC_OK;
		}
	}
}

static bool kiosk_holds(svc_locks *l, const char *reader);

/* The reader for this job: busy when a page has it; the kiosk's diagnosis
 * of a card just inserted is waited for (at most the operation timeout). */
static bool take_reader(svc_job *job, const char *reader)
{
	long long deadline = svc_now_ms() + job->env->cfg->timeout_ms;
	struct timespec pause = { 0, 10 * 1000000L };

	while (!svc_locks_take(job->env->locks, reader, job->session)) {
		if (!kiosk_holds(job->env->locks, reader) || svc_now_ms() > deadline ||
		    atomic_load(&job->cancelled))
			return false;
		nanosleep(&pause, NULL);
	}
	return true;
}

/* Take the reader, connect, hold the card (a PC/SC transaction). */
static svc_err open_card(svc_job *job, const char *reader, sscard_card **card)
{
	sscard_rc rc;

	if (!take_reader(job, reader))
		return SVC_E_READER_BUSY;
	rc = sscard_connect(job->ctx, reader, card);
	if (rc == SSCARD_OK)
		rc = sscard_card_begin(*card);
	if (rc != SSCARD_OK) {
		sscard_disconnect(card);
		svc_locks_give(job->env->locks, reader, job->session);
		job_fail(job, svc_err_from_rc(rc), rc);
		return job->err;
	}
	return SVC_OK;
}

static void close_card(svc_job *job, const char *reader, sscard_card **card)
{
	sscard_card_end(*card);
	sscard_disconnect(card);
	svc_locks_give(job->env->locks, reader, job->session);
}

/* A configured keystore or PSAM opens EF06 of 3.0 cards; the verdict's
 * name, or NULL when no keys are configured or they failed to open. */
static const char *authenticate(svc_job *job, sscard_card *card)
{
	const svc_config *cfg = job->env->cfg;
	sscard_auth_verdict verdict = SSCARD_AUTH_NOT_RUN;
	sscard_keys *keys = NULL;
	sscard_rc rc = SSCARD_E_KEY_NOT_FOUND;

	if (cfg->keystore[0] == '\0' && cfg->psam[0] == '\0')
		return NULL;
	pthread_mutex_lock(&job->env->psam_lock);
	if (cfg->keystore[0] != '\0')
		rc = sscard_keys_open_file(job->ctx, cfg->keystore, &keys);
	else
		rc = sscard_keys_open_psam(job->ctx, cfg->psam, cfg->psam_map[0] ? cfg->psam_map : NULL, &keys);
	if (rc == SSCARD_OK)
		sscard_authenticate(card, keys, NULL, &verdict);
	sscard_keys_free(&keys);
	pthread_mutex_unlock(&job->env->psam_lock);
	return rc == SSCARD_OK ? sscard_auth_verdict_name((int)verdict) : NULL;
}

/* Read the basic data of a held card into job->result. */
static svc_err read_into(svc_job *job, sscard_card *card, const char *reader, const char *auth)
{
	sscard_basic *b = NULL;
	const uint8_t *atr = NULL;
	size_t atrlen = 0;
	sscard_rc rc = sscard_basic_new(&b);

	if (rc == SSCARD_OK)
		rc = sscard_read_basic(card, b);
	if (rc != SSCARD_OK) {
		sscard_basic_free(&b);
		job_fail(job, svc_err_from_rc(rc), rc);
		return job->err;
	}
	sscard_card_atr(card, &atr, &atrlen);
	job->result = svc_basic_json(b, atr, atrlen);
	json_object_object_add(job->result, "reader", json_object_new_string(reader));
	if (auth != NULL)
		json_object_object_add(job->result, "authentication", json_object_new_string(auth));
	sscard_basic_free(&b);
	return SVC_OK;
}

/* ---- the operations ------------------------------------------------------------ */

static svc_err op_list_readers(svc_job *job)
{
	job->result = svc_readers_json(&job->env->readers);
	return job->result != NULL ? SVC_OK : SVC_E_SERVICE;
}

static svc_err op_read_basic(svc_job *job)
{
	char reader[SVC_NAME_MAX];
	sscard_card *card = NULL;
	svc_err e = find_reader(job, true, reader);

	if (e == SVC_OK)
		e = open_card(job, reader, &card);
	if (e != SVC_OK)
		return e;
	e = read_into(job, card, reader, authenticate(job, card));
	close_card(job, reader, &card);
	return e;
}

static void count_verdict(svc_env *env, const sscard_diag *d)
{
	const char *verdict = sscard_verdict_name(sscard_diag_verdict(d));
	size_t n = sscard_diag_reason_count(d);

	if (n == 0)
		svc_metrics_verdict(env->metrics, verdict, NULL);
	for (size_t i = 0; i < n; i++)
		svc_metrics_verdict(env->metrics, verdict, sscard_diag_reason_code(d, i));
}

static svc_err op_diagnose(svc_job *job)
{
	char reader[SVC_NAME_MAX];
	sscard_diag *d = NULL;
	sscard_rc rc;
	svc_err e = find_reader(job, job->req.wait_ms > 0, reader);

	if (e == SVC_E_NO_CARD) /* no card is a verdict too: diagnose the first reader */
		e = find_reader(job, false, reader);
	if (e != SVC_OK)
		return e;
	if (!take_reader(job, reader))
		return SVC_E_READER_BUSY;
	rc = sscard_diag_new(&d);
	if (rc == SSCARD_OK)
		rc = sscard_diagnose_reader(job->ctx, reader, d);
	svc_locks_give(job->env->locks, reader, job->session);
	if (rc != SSCARD_OK) {
		sscard_diag_free(&d);
		job_fail(job, svc_err_from_rc(rc), rc);
		return job->err;
	}
	count_verdict(job->env, d);
	job->result = svc_diag_json(d);
	json_object_object_add(job->result, "reader", json_object_new_string(reader));
	sscard_diag_free(&d);
	return SVC_OK;
}

/* ---- the two-step read ------------------------------------------------------- */

static void value_hex(const sscard_auth_request *req, sscard_auth_value which, char out[17])
{
	size_t len = 0;
	const uint8_t *v = sscard_auth_request_value(req, which, &len);
	out[0] = '\0';
	if (v != NULL && len == 8)
		sscard_hex_encode(v, len, out, 17);
}

static json_object *step1_json(sscard_card *card, const sscard_auth_request *req)
{
	static const char *const names[] = { "internal_factor", "internal_original",
	                                     "external_factor", "external_original" };
	char v[4][17], id[33] = "", hist[80], ministry[512];
	const uint8_t *atr = NULL, *cid;
	size_t atrlen = 0, idlen = 0;
	json_object *o = json_object_new_object();

	cid = sscard_auth_request_card_id(req, &idlen);
	if (cid != NULL)
		sscard_hex_encode(cid, idlen, id, sizeof(id));
	sscard_card_atr(card, &atr, &atrlen);
	svc_atr_hist_hex(atr, atrlen, hist, sizeof(hist));
	for (int i = 0; i < 4; i++)
		value_hex(req, (sscard_auth_value)i, v[i]);
	snprintf(ministry, sizeof(ministry), "%.6s|%s|%02d|%s|%s|%s|%s|%s|", id, hist,
	         (int)sscard_auth_request_alg(req), id, v[0], v[1], v[2], v[3]);
	json_object_object_add(o, "ministry", json_object_new_string(ministry));
	json_object_object_add(o, "region", json_object_new_string_len(id, (int)strnlen(id, 6)));
	json_object_object_add(o, "historical", json_object_new_string(hist));
	json_object_object_add(o, "algorithm", json_object_new_int((int)sscard_auth_request_alg(req)));
	json_object_object_add(o, "card_id", json_object_new_string(id));
	for (int i = 0; i < 4; i++)
		json_object_object_add(o, names[i], json_object_new_string(v[i]));
	return o;
}

static svc_err op_step1(svc_job *job)
{
	char reader[SVC_NAME_MAX];
	sscard_card *card = NULL;
	sscard_auth_request *areq = NULL;
	sscard_rc rc;
	svc_err e = find_reader(job, true, reader);

	if (e == SVC_OK)
		e = open_card(job, reader, &card);
	if (e != SVC_OK)
		return e;
	rc = sscard_auth_begin(card, NULL, NULL, &areq);
	if (rc != SSCARD_OK) {
		close_card(job, reader, &card);
		job_fail(job, svc_err_from_rc(rc), rc);
		return job->err;
	}
	job->result = step1_json(card, areq);
	json_object_object_add(job->result, "reader", json_object_new_string(reader));
	job->hold = calloc(1, sizeof(*job->hold));
	if (job->hold == NULL) {
		sscard_auth_request_free(&areq);
		close_card(job, reader, &card);
		return SVC_E_SERVICE;
	}
	*job->hold = (svc_hold){ .ctx = job->ctx, .card = card, .req = areq, .owner = job->session,
	                         .deadline_ms = svc_now_ms() + job->env->cfg->timeout_ms };
	pthread_mutex_init(&job->hold->mutex, NULL);
	pthread_cond_init(&job->hold->cond, NULL);
	snprintf(job->hold->reader, sizeof(job->hold->reader), "%s", reader);
	job->ctx = NULL; /* the hold owns it now */
	return SVC_OK;
}

/* The originals in the answer must be this Step1's. */
static bool pkey_matches(const svc_pkey *k, const sscard_auth_request *req)
{
	size_t ilen = 0, elen = 0;
	const uint8_t *io = sscard_auth_request_value(req, SSCARD_AUTH_INTERNAL_ORIGINAL, &ilen);
	const uint8_t *eo = sscard_auth_request_value(req, SSCARD_AUTH_EXTERNAL_ORIGINAL, &elen);

	if (io == NULL || ilen != 8 || CRYPTO_memcmp(io, k->internal_original, 8) != 0)
		return false;
	if ((eo != NULL) != k->external)
		return false;
	return eo == NULL || (elen == 8 && CRYPTO_memcmp(eo, k->external_original, 8) == 0);
}

static svc_err op_step2(svc_job *job)
{
	svc_hold *h = job->hold;
	const svc_pkey *k = &job->req.pkey;
	sscard_auth_verdict verdict = SSCARD_AUTH_NOT_RUN;
	sscard_rc rc;

	if (!pkey_matches(k, h->req))
		return SVC_E_INVALID_PARAMS;
	rc = sscard_auth_finish(h->card, h->req, k->external ? k->cryptogram : NULL,
	                        k->external ? 8u : 0u, k->internal_result, 8, &verdict);
	if (rc != SSCARD_OK) {
		job_fail(job, svc_err_from_rc(rc), rc);
		return job->err;
	}
	return read_into(job, h->card, h->reader, sscard_auth_verdict_name((int)verdict));
}

static svc_err op_verify_pinpad(svc_job *job)
{
	char reader[SVC_NAME_MAX];
	sscard_card *card = NULL;
	int tries = -1;
	sscard_rc rc;
	svc_err e = find_reader(job, true, reader);

	if (e == SVC_OK)
		e = open_card(job, reader, &card);
	if (e != SVC_OK)
		return e;
	rc = (sscard_card_features(card) & SSCARD_FEATURE_PINPAD_VERIFY) ? sscard_pin_verify_pinpad(card, &tries)
	                                                                 : SSCARD_E_NOT_IMPLEMENTED;
	close_card(job, reader, &card);
	if (rc != SSCARD_OK) {
		job_fail(job, svc_err_from_rc(rc), rc);
		if (tries >= 0)
			snprintf(job->detail, sizeof(job->detail), "tries left: %d", tries);
		return job->err;
	}
	job->result = json_object_new_object();
	json_object_object_add(job->result, "verified", json_object_new_boolean(1));
	return SVC_OK;
}

typedef svc_err (*op_fn)(svc_job *job);
static const op_fn ops[SVC_M_COUNT] = {
	[SVC_M_LIST_READERS] = op_list_readers, [SVC_M_READ_BASIC] = op_read_basic,
	[SVC_M_DIAGNOSE] = op_diagnose,         [SVC_M_STEP1] = op_step1,
	[SVC_M_STEP2] = op_step2,               [SVC_M_VERIFY_PINPAD] = op_verify_pinpad,
};

void svc_job_run(svc_job *job)
{
	long long start = svc_now_ms();
	op_fn fn = ops[job->req.method];

	job->err = fn != NULL ? fn(job) : SVC_E_METHOD_NOT_FOUND;
	if (job->err == SVC_OK && atomic_load(&job->cancelled))
		job->err = SVC_E_CANCELLED;
	if (job->err != SVC_OK) {
		json_object_put(job->result);
		job->result = NULL;
	}
	job->seconds = (double)(svc_now_ms() - start) / 1000.0;
	svc_metrics_op(job->env->metrics, job->req.method, job->err, job->seconds);
}

void svc_hold_teardown(svc_env *env, svc_hold *h)
{
	sscard_auth_request_free(&h->req);
	sscard_card_end(h->card);
	sscard_disconnect(&h->card);
	sscard_ctx_free(&h->ctx);
	svc_locks_give(env->locks, h->reader, h->owner);
}
