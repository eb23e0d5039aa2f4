/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Card diagnosis (design.md s.5): a fixed, read-only probe and the one
 * table of reasons it can give. Each reason carries the verdict it
 * implies, a detail template and the action for the counter, in English
 * and Chinese; the run's verdict is the highest of its reasons.
 *
 * The probe, in order: ATR (one cold reset when it is missing or
 * malformed), SELECT of SSSE, PIN tries (VERIFY without data), every
 * mandatory data element of EF05/EF06 read and validated through the
 * ssc module, expiry and card type, timing. A failing read is re-read a
 * bounded number of times so an intermittent fault (FLAKY) is told from
 * a permanent one; a card that stops answering ends the probe at once,
 * and no command is sent once the time budget is spent.
 *
 * Nothing here writes to the card or presents a PIN.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sscard/atr.h>
#include <sscard/diag.h>
#include <sscard/sm.h>
#include <sscard/ssc.h>

#include "elements.h"
#include "internal.h"
#include "validate.h"

#define DIAG_REASONS_MAX 24u
#define DIAG_STEPS_MAX 40u
#define DIAG_NOW_MIN INT64_C(-2208988800) /* 1900-01-01 00:00 UTC */
#define DIAG_TEXT_MAX 320u
#define DIAG_STEP_NAME_MAX 40u
#define DIAG_BUDGET_DEFAULT_MS 3000u
#define DIAG_BUDGET_MIN_MS 100u
/* One answer slower than this is worth a technician's attention (a
 * healthy card answers a READ RECORD in a few ms, through pcscd ~1 ms). */
#define DIAG_SLOW_ANSWER_MS 500u
/* ... and answers slower than this on average (a 9600-baud T=0 card reads
 * a record in some 30 ms) mean a failing chip or contacts. */
#define DIAG_SLOW_AVERAGE_MS 150u
#define DIAG_EXPIRY_WARN_DAYS 90
/* A temporary card is valid at most 6 months (design.md s.4, lifecycle);
 * a validity period this short marks one whatever its type code says. */
#define DIAG_TEMPORARY_MAX_DAYS 184
#define DIAG_DATE_LEN 10u /* "YYYY-MM-DD" */

/* ---- the one table of reasons ------------------------------------------- */

/* "{}" in a detail template is replaced by the run's evidence. */
typedef struct reason_def {
	const char *code;
	sscard_verdict verdict;
	const char *detail_en;
	const char *detail_zh;
	const char *action_en;
	const char *action_zh;
} reason_def;

#define ACT_REPLACE_EN "issue a replacement card"
#define ACT_REPLACE_ZH "为持卡人办理补换卡"

static const reason_def reasons[] = {
	{"NO_CARD", SSCARD_VERDICT_NO_CARD,
	 "no card in the reader ({})", "读卡器中无卡({})",
	 "insert the card fully, chip first, and diagnose again",
	 "请将卡片芯片朝前完全插入读卡器后重新检测"},
	{"CARD_REMOVED", SSCARD_VERDICT_NO_CARD,
	 "the card was removed or lost power during the probe ({})",
	 "检测过程中卡片被拔出或掉电({})",
	 "reinsert the card firmly and diagnose again; if it happens again the chip contacts are "
	 "failing: issue a replacement card",
	 "请将卡片插牢后重新检测；若再次发生，说明芯片触点接触不良，应办理补换卡"},
	{"NOT_SSC", SSCARD_VERDICT_NOT_SSC,
	 "not a social security card: {}", "不是社会保障卡：{}",
	 "ask for the holder's social security card",
	 "请持卡人出示社会保障卡"},
	{"MUTE", SSCARD_VERDICT_REPLACE,
	 "the chip does not answer ({})", "芯片无响应({})",
	 ACT_REPLACE_EN, ACT_REPLACE_ZH},
	{"BAD_ATR", SSCARD_VERDICT_REPLACE,
	 "the chip's answer to reset is malformed ({})", "芯片复位应答(ATR)格式错误({})",
	 ACT_REPLACE_EN, ACT_REPLACE_ZH},
	{"GARBLED", SSCARD_VERDICT_REPLACE,
	 "the chip's answers are garbled ({})", "芯片应答数据错乱({})",
	 ACT_REPLACE_EN, ACT_REPLACE_ZH},
	{"TRANSMISSION_ERROR", SSCARD_VERDICT_REPLACE,
	 "transmission with the chip fails ({})", "与芯片通信失败({})",
	 "try another reader; if the fault stays, issue a replacement card",
	 "请换一台读卡器重试；若故障依旧，应办理补换卡"},
	{"CHIP_ERROR", SSCARD_VERDICT_REPLACE,
	 "the chip reports a memory or execution error ({})", "芯片报告存储器或执行错误({})",
	 ACT_REPLACE_EN, ACT_REPLACE_ZH},
	{"NOT_GENUINE", SSCARD_VERDICT_REPLACE,
	 "the card accepted the terminal's key but failed to prove its own: not a genuine card ({})",
	 "卡片未能通过内部认证，非正品卡({})",
	 "retain the card, report it and issue a replacement card",
	 "留存该卡并上报，为持卡人办理补换卡"},
	{"DATA_CORRUPT", SSCARD_VERDICT_REPLACE,
	 "card data is corrupt or inconsistent ({})", "卡内数据损坏或不一致({})",
	 ACT_REPLACE_EN, ACT_REPLACE_ZH},
	{"EXPIRED", SSCARD_VERDICT_REPLACE,
	 "the card expired on {}", "卡片已于 {} 过期",
	 "issue a replacement (renewal) card", "为持卡人办理换卡(到期换卡)"},
	{"EXPIRING_SOON", SSCARD_VERDICT_ATTENTION,
	 "the card expires on {} (within 90 days)", "卡片将于 {} 到期(90 天内)",
	 "tell the holder to renew the card before it expires",
	 "提醒持卡人在到期前办理换卡"},
	{"TEMPORARY_CARD", SSCARD_VERDICT_ATTENTION,
	 "temporary card ({})", "临时卡({})",
	 "temporary card: the holder must collect the formal card before it lapses",
	 "此为临时卡：请持卡人在临时卡失效前领取正式社会保障卡"},
	{"TEMPORARY_LAPSED", SSCARD_VERDICT_ATTENTION,
	 "the temporary card has lapsed ({})", "临时卡已失效({})",
	 "the temporary card can no longer be used: the holder collects the formal card "
	 "(or a new temporary card) at a service point",
	 "临时卡已失效：请持卡人到服务网点领取正式社会保障卡(或重新办理临时卡)"},
	{"PIN_BLOCKED", SSCARD_VERDICT_ATTENTION,
	 "the PIN is blocked ({})", "个人密码已锁定({})",
	 "unblock (reset) the PIN at a service point, with the holder's identity card",
	 "请持卡人携带身份证到服务网点办理密码解锁(重置)"},
	{"APP_BLOCKED", SSCARD_VERDICT_ATTENTION,
	 "the social security application is temporarily blocked, as after a provisional loss "
	 "report ({})",
	 "社会保障应用已临时锁定，通常因已口头挂失({})",
	 "the card is locked: report or cancel the loss at a service point",
	 "卡片已锁定：请到服务网点办理挂失或解挂"},
	{"APP_LOCKED", SSCARD_VERDICT_REPLACE,
	 "the social security application is permanently locked, as after a formal loss report; "
	 "this cannot be undone ({})",
	 "社会保障应用已永久锁定，通常因已正式挂失，无法解锁({})",
	 "the lock cannot be undone: settle the loss report and issue a replacement card",
	 "永久锁定无法解除：请办理挂失手续并为持卡人补换卡"},
	{"FLAKY", SSCARD_VERDICT_ATTENTION,
	 "the chip reads only after re-reads ({})", "芯片需重读才能读出({})",
	 "the chip is failing: advise the holder to have the card replaced soon",
	 "芯片性能下降：建议持卡人尽快办理换卡"},
	{"SLOW", SSCARD_VERDICT_ATTENTION,
	 "the chip answers slowly ({})", "芯片应答缓慢({})",
	 "clean the contacts or try another reader; if it stays slow, replace the card",
	 "请清洁芯片触点或换一台读卡器；若仍缓慢，应办理换卡"},
	/* informational: shown, verdict unchanged */
	{"HOLDER_DATA_PROTECTED", SSCARD_VERDICT_OK,
	 "holder data needs terminal authentication, not checked ({})",
	 "持卡人信息需终端认证，未检查({})",
	 "none; use a terminal with a security module to check the holder data",
	 "无需处理；如需核对持卡人信息，请使用带安全模块的终端"},
	{"KEYS_MISMATCH", SSCARD_VERDICT_ATTENTION,
	 "the terminal's keys do not open this card's holder data, not checked ({})",
	 "终端密钥与此卡不匹配，持卡人信息未检查({})",
	 "check that the keystore or PSAM map is the one for this card's region",
	 "请检查终端密钥或 PSAM 配置是否适用于此卡所属地区"},
	{"PIN_TRIES_LOW", SSCARD_VERDICT_OK,
	 "only {} PIN try left", "个人密码仅剩 {} 次尝试机会",
	 "warn the holder; a forgotten PIN is reset at a service point",
	 "提醒持卡人；如忘记密码，请到服务网点重置"},
	{"ATR_UNUSUAL", SSCARD_VERDICT_OK,
	 "the ATR does not have the usual social security card layout ({})",
	 "复位应答(ATR)不是常见的社会保障卡格式({})",
	 "none", "无需处理"},
};

#define REASON_COUNT (sizeof(reasons) / sizeof(reasons[0]))

static const reason_def *reason_lookup(const char *code)
{
	for (size_t i = 0; i < REASON_COUNT; i++)
		if (strcmp(reasons[i].code, code) == 0)
			return &reasons[i];
	return NULL;
}

const char *sscard_diag_code_at(size_t i)
{
	return i < REASON_COUNT ? reasons[i].code : NULL;
}

static const char *const verdict_names[] = {
	[SSCARD_VERDICT_OK] = "OK",
	[SSCARD_VERDICT_ATTENTION] = "ATTENTION",
	[SSCARD_VERDICT_REPLACE] = "REPLACE",
	[SSCARD_VERDICT_NOT_SSC] = "NOT_SSC",
	[SSCARD_VERDICT_NO_CARD] = "NO_CARD",
};

const char *sscard_verdict_name(sscard_verdict v)
{
	if ((unsigned)v >= sizeof(verdict_names) / sizeof(verdict_names[0]))
		return "UNKNOWN";
	return verdict_names[v];
}

/* ---- the result ------------------------------------------------------------ */

/* Texts on the heap: a reason lists every error found, however many. */
typedef struct diag_reason {
	const reason_def *def;
	char *evidence; /* what "{}" becomes */
	char *detail_en;
	char *detail_zh;
	uint16_t sw;
} diag_reason;

typedef struct diag_step {
	char name[DIAG_STEP_NAME_MAX];
	sscard_rc rc;
	uint16_t sw;
	unsigned attempts;
	unsigned ms;
} diag_step;

struct sscard_diag {
	/* settings */
	int64_t now;        /* 0: system clock */
	unsigned budget_ms;
	sscard_keys *keys;  /* borrowed; NULL: holder data stays unchecked */
	/* result */
	sscard_verdict verdict;
	size_t nreasons;
	diag_reason reason[DIAG_REASONS_MAX];
	size_t nsteps;
	diag_step step[DIAG_STEPS_MAX];
	uint8_t atr[SSCARD_ATR_MAX];
	size_t atr_len;
	int pin_tries;
	unsigned long apdus;
	unsigned retries, errors, resets, elapsed_ms, slowest_ms;
	char expiry[DIAG_DATE_LEN + 1];
};

static void reasons_free(sscard_diag *d)
{
	for (size_t i = 0; i < d->nreasons; i++) {
		free(d->reason[i].evidence);
		free(d->reason[i].detail_en);
		free(d->reason[i].detail_zh);
	}
	d->nreasons = 0;
}

static void diag_clear(sscard_diag *d)
{
	int64_t now = d->now;
	unsigned budget = d->budget_ms;
	sscard_keys *keys = d->keys;

	reasons_free(d);
	memset(d, 0, sizeof(*d));
	d->now = now;
	d->budget_ms = budget;
	d->keys = keys;
	d->verdict = SSCARD_VERDICT_OK;
	d->pin_tries = -1;
}

sscard_rc sscard_diag_new(sscard_diag **out)
{
	if (out == NULL)
		return SSCARD_E_INVALID_ARG;
	*out = calloc(1, sizeof(**out));
	if (*out == NULL)
		return SSCARD_E_NOMEM;
	(*out)->budget_ms = DIAG_BUDGET_DEFAULT_MS;
	diag_clear(*out);
	return SSCARD_OK;
}

void sscard_diag_free(sscard_diag **d)
{
	if (d == NULL || *d == NULL)
		return;
	reasons_free(*d);
	free(*d);
	*d = NULL;
}

sscard_rc sscard_diag_set_now(sscard_diag *d, int64_t unix_time)
{
	if (d == NULL || unix_time < DIAG_NOW_MIN)
		return SSCARD_E_INVALID_ARG;
	d->now = unix_time;
	return SSCARD_OK;
}

sscard_rc sscard_diag_set_keys(sscard_diag *d, sscard_keys *keys)
{
	if (d == NULL)
		return SSCARD_E_INVALID_ARG;
	d->keys = keys;
	return SSCARD_OK;
}

sscard_rc sscard_diag_set_budget_ms(sscard_diag *d, unsigned ms)
{
	if (d == NULL || ms < DIAG_BUDGET_MIN_MS)
		return SSCARD_E_INVALID_ARG;
	d->budget_ms = ms;
	return SSCARD_OK;
}

/* A formatted string on the heap; NULL when out of memory. */
__attribute__((format(printf, 1, 0)))
static char *heap_vprintf(const char *fmt, va_list ap)
{
	va_list again;
	char *s = NULL;
	int n;

	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	if (n >= 0 && (s = malloc((size_t)n + 1)) != NULL)
		vsnprintf(s, (size_t)n + 1, fmt, again);
	va_end(again);
	return s;
}

__attribute__((format(printf, 1, 2)))
static char *heap_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = heap_vprintf(fmt, ap);
	va_end(ap);
	return s;
}

/* `tmpl` with its "{}" replaced by `arg`, on the heap (NULL: no memory). */
static char *expand(const char *tmpl, const char *arg)
{
	const char *hole = strstr(tmpl, "{}");

	if (hole == NULL)
		return heap_printf("%s", tmpl);
	return heap_printf("%.*s%s%s", (int)(hole - tmpl), tmpl, arg, hole + 2);
}

/* Replace *slot by fresh (kept when fresh is NULL: out of memory). */
static void replace(char **slot, char *fresh)
{
	if (fresh == NULL)
		return;
	free(*slot);
	*slot = fresh;
}

static void reason_render(diag_reason *r)
{
	replace(&r->detail_en, expand(r->def->detail_en, r->evidence ? r->evidence : ""));
	replace(&r->detail_zh, expand(r->def->detail_zh, r->evidence ? r->evidence : ""));
}

/* Add reason `code` with its evidence; a code already found gets the new
 * evidence appended ("; "), so each code appears once. */
static void diag_add(sscard_diag *d, const char *code, uint16_t sw, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void diag_add(sscard_diag *d, const char *code, uint16_t sw, const char *fmt, ...)
{
	const reason_def *def = reason_lookup(code);
	diag_reason *r = NULL;
	char *ev;
	va_list ap;

	if (def == NULL)
		return; /* every caller names a code of the table */
	va_start(ap, fmt);
	ev = heap_vprintf(fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < d->nreasons; i++)
		if (d->reason[i].def == def)
			r = &d->reason[i];
	if (r != NULL) {
		if (ev != NULL && ev[0] != '\0' && r->evidence != NULL && strstr(r->evidence, ev) == NULL)
			replace(&r->evidence, heap_printf("%s; %s", r->evidence, ev));
		free(ev);
	} else {
		if (d->nreasons == DIAG_REASONS_MAX) {
			free(ev);
			return; /* cannot happen: fewer codes than slots */
		}
		r = &d->reason[d->nreasons++];
		r->def = def;
		r->evidence = ev; /* NULL when out of memory: the bare text */
	}
	if (r->sw == 0)
		r->sw = sw;
	reason_render(r);
	if (def->verdict > d->verdict)
		d->verdict = def->verdict;
}

/* ---- accessors --------------------------------------------------------------- */

static const diag_reason *reason_at(const sscard_diag *d, size_t i)
{
	return d != NULL && i < d->nreasons ? &d->reason[i] : NULL;
}

sscard_verdict sscard_diag_verdict(const sscard_diag *d)
{
	return d ? d->verdict : SSCARD_VERDICT_NO_CARD;
}

size_t sscard_diag_reason_count(const sscard_diag *d)
{
	return d ? d->nreasons : 0;
}

const char *sscard_diag_reason_code(const sscard_diag *d, size_t i)
{
	const diag_reason *r = reason_at(d, i);
	return r ? r->def->code : NULL;
}

sscard_verdict sscard_diag_reason_verdict(const sscard_diag *d, size_t i)
{
	const diag_reason *r = reason_at(d, i);
	return r ? r->def->verdict : SSCARD_VERDICT_OK;
}

const char *sscard_diag_reason_detail(const sscard_diag *d, size_t i)
{
	const diag_reason *r = reason_at(d, i);
	return r ? (r->detail_en ? r->detail_en : r->def->detail_en) : NULL;
}

const char *sscard_diag_reason_detail_zh(const sscard_diag *d, size_t i)
{
	const diag_reason *r = reason_at(d, i);
	return r ? (r->detail_zh ? r->detail_zh : r->def->detail_zh) : NULL;
}

const char *sscard_diag_reason_action(const sscard_diag *d, size_t i)
{
	const diag_reason *r = reason_at(d, i);
	return r ? r->def->action_en : NULL;
}

const char *sscard_diag_reason_action_zh(const sscard_diag *d, size_t i)
{
	const diag_reason *r = reason_at(d, i);
	return r ? r->def->action_zh : NULL;
}

uint16_t sscard_diag_reason_sw(const sscard_diag *d, size_t i)
{
	const diag_reason *r = reason_at(d, i);
	return r ? r->sw : 0;
}

int sscard_diag_has_reason(const sscard_diag *d, const char *code)
{
	if (d == NULL || code == NULL)
		return 0;
	for (size_t i = 0; i < d->nreasons; i++)
		if (strcmp(d->reason[i].def->code, code) == 0)
			return 1;
	return 0;
}

sscard_rc sscard_diag_atr(const sscard_diag *d, const uint8_t **atr, size_t *len)
{
	if (d == NULL || atr == NULL || len == NULL)
		return SSCARD_E_INVALID_ARG;
	*atr = d->atr;
	*len = d->atr_len;
	return SSCARD_OK;
}

int sscard_diag_pin_tries(const sscard_diag *d)
{
	return d ? d->pin_tries : -1;
}

unsigned long sscard_diag_apdu_count(const sscard_diag *d)
{
	return d ? d->apdus : 0;
}

unsigned sscard_diag_retries(const sscard_diag *d)
{
	return d ? d->retries : 0;
}

unsigned sscard_diag_errors(const sscard_diag *d)
{
	return d ? d->errors : 0;
}

unsigned sscard_diag_resets(const sscard_diag *d)
{
	return d ? d->resets : 0;
}

unsigned sscard_diag_elapsed_ms(const sscard_diag *d)
{
	return d ? d->elapsed_ms : 0;
}

unsigned sscard_diag_slowest_ms(const sscard_diag *d)
{
	return d ? d->slowest_ms : 0;
}

const char *sscard_diag_expiry(const sscard_diag *d)
{
	return d ? d->expiry : "";
}

size_t sscard_diag_step_count(const sscard_diag *d)
{
	return d ? d->nsteps : 0;
}

sscard_rc sscard_diag_step(const sscard_diag *d, size_t i, sscard_diag_step_info *out)
{
	if (d == NULL || out == NULL || i >= d->nsteps)
		return SSCARD_E_INVALID_ARG;
	out->name = d->step[i].name;
	out->rc = d->step[i].rc;
	out->sw = d->step[i].sw;
	out->attempts = d->step[i].attempts;
	out->ms = d->step[i].ms;
	return SSCARD_OK;
}

/* ---- faults: what a failing command means --------------------------------- */

/* How a failure that persists is reported, how often it is re-read first,
 * whether the card is beyond talking to (the probe ends: a dead card gets
 * its verdict at once instead of a timeout per remaining command), and
 * whether it happens below the status word (no SW is evidence of it). */
typedef struct fault_def {
	sscard_rc rc;
	const char *code;
	unsigned rereads;
	bool dead;
	bool below_sw;
} fault_def;

static const fault_def faults[] = {
	{SSCARD_E_MUTE, "MUTE", 1, true, true},
	{SSCARD_E_TIMEOUT, "MUTE", 1, true, true},
	{SSCARD_E_CARD_REMOVED, "CARD_REMOVED", 0, true, true},
	{SSCARD_E_NO_CARD, "CARD_REMOVED", 0, true, true},
	{SSCARD_E_TRANSPORT, "TRANSMISSION_ERROR", 1, true, true},
	{SSCARD_E_SHARING, "TRANSMISSION_ERROR", 0, true, true},
	{SSCARD_E_NO_SERVICE, "TRANSMISSION_ERROR", 0, true, true},
	{SSCARD_E_NOMEM, "TRANSMISSION_ERROR", 0, true, true},
	{SSCARD_E_CARD_RESET, "TRANSMISSION_ERROR", 2, false, true},
	{SSCARD_E_BAD_RESPONSE, "GARBLED", 2, false, true},
	{SSCARD_E_MEMORY_FAILURE, "CHIP_ERROR", 2, false, false},
	{SSCARD_E_CARD_ERROR, "CHIP_ERROR", 2, false, false},
	{SSCARD_E_BAD_DATA, "DATA_CORRUPT", 2, false, false},
	{SSCARD_E_ENCODING, "DATA_CORRUPT", 2, false, false},
	{SSCARD_E_DATA_INVALID, "DATA_CORRUPT", 0, false, false},
	{SSCARD_E_RECORD_NOT_FOUND, "DATA_CORRUPT", 0, false, false},
	{SSCARD_E_FILE_NOT_FOUND, "DATA_CORRUPT", 0, false, false},
	{SSCARD_E_WRONG_LENGTH, "DATA_CORRUPT", 0, false, false},
	{SSCARD_E_APP_BLOCKED, "APP_BLOCKED", 0, false, false},
	{SSCARD_E_APP_LOCKED, "APP_LOCKED", 0, false, false},
	{SSCARD_E_PIN_BLOCKED, "PIN_BLOCKED", 0, false, false},
};

/* Any other failure: a clear status word a social security card does not
 * answer to these commands (6A86, 6985, ...). Answered on purpose, so a
 * re-read would only repeat it. */
static const fault_def fault_other = {SSCARD_OK, "CHIP_ERROR", 0, false, false};

static const fault_def *fault_of(sscard_rc rc)
{
	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
		if (faults[i].rc == rc)
			return &faults[i];
	return &fault_other;
}

static bool rc_is_transport(sscard_rc rc)
{
	return fault_of(rc)->below_sw;
}

/* "6581 memory failure" or "MUTE (card does not respond)" */
static void describe(sscard_rc rc, uint16_t sw, char *out, size_t outsz)
{
	char text[64];

	sscard_sw_describe(sw, text, sizeof(text));
	if (sw != 0)
		snprintf(out, outsz, "SW %04X %s", sw, text);
	else
		snprintf(out, outsz, "%s (%s)", sscard_rc_name(rc), sscard_strerror(rc));
}

/* ---- the probe ---------------------------------------------------------------- */

typedef struct probe {
	sscard_card *card;
	sscard_diag *d;
	struct timespec start;
	bool dead;         /* the card cannot be talked to any more */
	bool out_of_time;  /* the budget is spent */
	bool app_locked;   /* SELECT said blocked/locked: reads may be refused */
	bool atr_unusual;
	sscard_ef damaged_ef; /* a file with a permanent chip error (0: none) */
	bool garbled;         /* answers stayed garbled through their re-reads */
	char text[SSCARD_ELEM_SLOTS][SSCARD_ELEM_TEXT_MAX];
	sscard_elem_values values;
} probe;

static unsigned ms_since(const struct timespec *t0)
{
	struct timespec t;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &t);
	ms = (long long)(t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
	return ms < 0 ? 0u : (unsigned)ms;
}

/* May another command go to the card? */
static bool probe_can_send(probe *p)
{
	if (p->dead)
		return false;
	if (ms_since(&p->start) >= p->d->budget_ms)
		p->out_of_time = true;
	return !p->out_of_time;
}

static diag_step *step_new(sscard_diag *d, const char *name)
{
	diag_step *st;

	if (d->nsteps == DIAG_STEPS_MAX)
		st = &d->step[DIAG_STEPS_MAX - 1]; /* cannot happen: the probe is fixed */
	else
		st = &d->step[d->nsteps++];
	memset(st, 0, sizeof(*st));
	snprintf(st->name, sizeof(st->name), "%s", name);
	return st;
}

/* One attempt of a step: sends its command(s), returns the outcome and the
 * status word that decided it (0 when the failure is below the SW). */
typedef sscard_rc (*attempt_fn)(probe *p, const void *arg, uint16_t *sw);

/* Report a failure that persisted through its re-reads. */
static void probe_fault(probe *p, const char *what, sscard_rc rc, uint16_t sw)
{
	const fault_def *f = fault_of(rc);
	char ev[DIAG_TEXT_MAX];

	describe(rc, sw, ev, sizeof(ev));
	diag_add(p->d, f->code, sw, "%s: %s", what, ev);
	if (f->dead)
		p->dead = true;
}

/*
 * Run a step with bounded re-reads: a failure is tried again as often as
 * its fault allows (none when `may_reread` is false); a step that succeeds
 * after failing is evidence of a FLAKY chip. Returns the last outcome, or
 * SSCARD_E_CANCELLED when nothing could be sent (dead card, no time left).
 */
/* One timed attempt, recorded in the step. */
static sscard_rc step_attempt(probe *p, diag_step *st, attempt_fn fn, const void *arg,
                              uint16_t *sw, unsigned *ms)
{
	struct timespec t0;
	sscard_rc rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	*sw = 0;
	rc = fn(p, arg, sw);
	/* a failure below the SW, or a good SW with bad data in it: the
	 * status word is no evidence of the failure */
	if (rc != SSCARD_OK && (rc_is_transport(rc) || sscard_sw_rc(*sw) == SSCARD_OK))
		*sw = 0;
	*ms = ms_since(&t0);
	st->attempts++;
	st->ms += *ms;
	st->rc = rc;
	st->sw = *sw;
	if (*ms > p->d->slowest_ms)
		p->d->slowest_ms = *ms;
	if (rc != SSCARD_OK)
		p->d->errors++;
	return rc;
}

/* May a failed step be tried again? Not past its fault's re-reads, not on
 * a dead card or a spent budget, and not when the attempt just made says
 * another would likely overrun the budget: the verdict must come in
 * bounded time even from a card whose every failure costs the reader's
 * full timeout. */
static bool may_try_again(probe *p, const diag_step *st, unsigned allowed, unsigned last_ms)
{
	if (st->attempts > allowed || !probe_can_send(p))
		return false;
	return ms_since(&p->start) + last_ms <= p->d->budget_ms;
}

static sscard_rc probe_step(probe *p, const char *name, attempt_fn fn, const void *arg,
                            bool may_reread, uint16_t *sw)
{
	sscard_rc rc, first;
	uint16_t first_sw;
	unsigned allowed, ms = 0;
	diag_step *st;

	*sw = 0;
	if (!probe_can_send(p))
		return SSCARD_E_CANCELLED;
	st = step_new(p->d, name);
	rc = first = step_attempt(p, st, fn, arg, sw, &ms);
	first_sw = *sw;
	allowed = rc != SSCARD_OK && may_reread ? fault_of(rc)->rereads : 0;
	while (rc != SSCARD_OK && may_try_again(p, st, allowed, ms)) {
		p->d->retries++;
		rc = step_attempt(p, st, fn, arg, sw, &ms);
	}
	if (rc == SSCARD_OK && st->attempts > 1) {
		char ev[DIAG_TEXT_MAX];

		describe(first, first_sw, ev, sizeof(ev));
		diag_add(p->d, "FLAKY", first_sw, "%s read on attempt %u after %s", name,
		         st->attempts, ev);
	}
	return rc;
}

/* ---- step 1: ATR ---------------------------------------------------------------- */

/* The card's ATR into the result; true if it is present and well-formed. */
static bool atr_take(probe *p, sscard_atr *parsed)
{
	const uint8_t *atr = NULL;
	size_t len = 0;

	sscard_card_atr(p->card, &atr, &len);
	if (len > sizeof(p->d->atr))
		len = sizeof(p->d->atr);
	memcpy(p->d->atr, atr, len);
	p->d->atr_len = len;
	memset(parsed, 0, sizeof(*parsed));
	return len > 0 && sscard_atr_parse(atr, len, parsed) == SSCARD_OK;
}

static void atr_problem(const sscard_atr *parsed, size_t len, char *out, size_t outsz)
{
	if (len == 0)
		snprintf(out, outsz, "no answer to reset");
	else
		snprintf(out, outsz, "%s: %s", sscard_atr_error_name(parsed->error), parsed->reason);
}

/* One cold reset: a chip that browned out or met a dirty contact often
 * answers properly after a power cycle. False when the card went away. */
static bool atr_cold_reset(probe *p, diag_step *st, sscard_atr *parsed, bool *ok)
{
	char first[DIAG_TEXT_MAX];
	sscard_rc rc;

	atr_problem(parsed, p->d->atr_len, first, sizeof(first));
	rc = sscard_card_reset(p->card, 1);
	if (rc != SSCARD_E_NOT_IMPLEMENTED) {
		p->d->resets++;
		st->attempts = 2;
	}
	if (rc == SSCARD_E_CARD_REMOVED || rc == SSCARD_E_NO_CARD) {
		probe_fault(p, "cold reset", rc, 0);
		st->rc = rc;
		return false;
	}
	*ok = atr_take(p, parsed);
	if (*ok)
		diag_add(p->d, "FLAKY", 0, "ATR: %s before a cold reset", first);
	return true;
}

static void probe_atr(probe *p)
{
	sscard_diag *d = p->d;
	diag_step *st = step_new(d, "ATR");
	sscard_atr parsed;
	bool ok = atr_take(p, &parsed);

	st->attempts = 1;
	if (!ok && !atr_cold_reset(p, st, &parsed, &ok))
		return;
	if (d->atr_len == 0) {
		diag_add(d, "MUTE", 0, "no answer to reset%s",
		         d->resets > 0 ? ", also after a cold reset" : "");
		st->rc = SSCARD_E_MUTE;
		p->dead = true;
		return;
	}
	if (!ok) {
		char hex[2 * SSCARD_ATR_MAX + 1];
		char why[DIAG_TEXT_MAX];

		sscard_hex_encode(d->atr, d->atr_len, hex, sizeof(hex));
		atr_problem(&parsed, d->atr_len, why, sizeof(why));
		diag_add(d, "BAD_ATR", 0, "%s, ATR %s", why, hex);
		st->rc = SSCARD_E_BAD_ATR;
		return;
	}
	p->atr_unusual = !sscard_atr_looks_ssc(&parsed);
}

/* ---- step 2: SELECT SSSE ----------------------------------------------------- */

static sscard_rc attempt_select(probe *p, const void *arg, uint16_t *sw)
{
	sscard_rc rc;

	(void)arg;
	rc = sscard_ssc_select(p->card, 1);
	*sw = sscard_card_last_sw(p->card);
	return rc;
}

/* What SELECT's status word says about the card; other failures are
 * faults (chip errors, mute). */
static const struct {
	uint16_t sw;
	const char *code;
} select_outcomes[] = {
	{0x6283, "APP_BLOCKED"}, {0x9303, "APP_LOCKED"}, {0x6A81, "APP_LOCKED"},
	{0x6A82, "NOT_SSC"},     {0x6A86, "NOT_SSC"},    {0x6B00, "NOT_SSC"},
	{0x6D00, "NOT_SSC"},     {0x6E00, "NOT_SSC"},
};

static const char *select_outcome(uint16_t sw)
{
	for (size_t i = 0; i < sizeof(select_outcomes) / sizeof(select_outcomes[0]); i++)
		if (select_outcomes[i].sw == sw)
			return select_outcomes[i].code;
	return NULL;
}

/* Returns false when the probe cannot go on with the application. */
static bool probe_select(probe *p)
{
	uint16_t sw = 0;
	sscard_rc rc = probe_step(p, "SELECT SSSE", attempt_select, NULL, true, &sw);
	const char *code;

	if (rc == SSCARD_OK || rc == SSCARD_E_CANCELLED)
		return rc == SSCARD_OK;
	code = sw != 0 ? select_outcome(sw) : NULL;
	if (code == NULL) {
		probe_fault(p, "SELECT SSSE", rc, sw);
		return false;
	}
	if (strcmp(code, "NOT_SSC") == 0) {
		diag_add(p->d, code, sw, "SELECT of the social security application: SW %04X %s%s",
		         sw, sscard_sw_text(sw),
		         p->atr_unusual ? "; the ATR is not a social security card's either" : "");
		return false;
	}
	diag_add(p->d, code, sw, "SELECT SSSE: SW %04X", sw);
	p->app_locked = true;
	return true; /* the data may still be readable: try */
}

/* ---- step 3: PIN tries, without presenting a PIN ---------------------------- */

static sscard_rc attempt_pin_tries(probe *p, const void *arg, uint16_t *sw)
{
	int *tries = (int *)(uintptr_t)arg;

	sscard_rc rc = sscard_pin_tries(p->card, tries);

	*sw = sscard_card_last_sw(p->card);
	return rc;
}

static void probe_pin(probe *p)
{
	int tries = -1;
	uint16_t sw = 0;
	/* Never re-sent: a VERIFY is not repeated behind the holder's back,
	 * even one without a PIN. */
	sscard_rc rc = probe_step(p, "PIN TRIES", attempt_pin_tries, (const void *)&tries, false,
	                          &sw);

	if (rc == SSCARD_E_CANCELLED)
		return;
	if (rc == SSCARD_E_PIN_BLOCKED || (rc == SSCARD_OK && tries == 0)) {
		p->d->pin_tries = 0;
		diag_add(p->d, "PIN_BLOCKED", sw, "VERIFY without PIN: SW %04X", sw);
		return;
	}
	if (rc == SSCARD_OK) {
		p->d->pin_tries = tries;
		if (tries == 1)
			diag_add(p->d, "PIN_TRIES_LOW", sw, "1");
		return;
	}
	if (rc_is_transport(rc))
		probe_fault(p, "VERIFY without PIN", rc, sw);
	/* any other answer: the card does not tell its tries (pin_tries -1) */
}

/* ---- step 4: the data elements ------------------------------------------------ */

typedef struct elem_read {
	const sscard_element *e;
	char *text;
	char detail[DIAG_TEXT_MAX];
} elem_read;

static sscard_rc attempt_read(probe *p, const void *arg, uint16_t *sw)
{
	elem_read *r = (elem_read *)(uintptr_t)arg;

	sscard_rc rc = sscard_read_element(p->card, r->e->key, r->text, SSCARD_ELEM_TEXT_MAX);

	*sw = sscard_card_last_sw(p->card);
	snprintf(r->detail, sizeof(r->detail), "%s", sscard_card_last_detail(p->card));
	return rc;
}

/* While the application is blocked or locked a refusal is explained by
 * the lock, not by damage; only a chip that cannot answer counts then. */
static bool read_refused_by_lock(const probe *p, sscard_rc rc)
{
	return p->app_locked && !rc_is_transport(rc) && rc != SSCARD_E_MEMORY_FAILURE &&
	       rc != SSCARD_E_BAD_DATA && rc != SSCARD_E_ENCODING;
}

typedef enum read_result { READ_OK, READ_WITHHELD, READ_FAILED, READ_STOPPED } read_result;

static sscard_rc attempt_auth(probe *p, const void *arg, uint16_t *sw)
{
	sscard_auth_verdict *v = (sscard_auth_verdict *)(uintptr_t)arg;
	sscard_rc rc = sscard_authenticate(p->card, p->d->keys, NULL, v);

	*sw = sscard_card_last_sw(p->card);
	return rc;
}

/* How a failed authentication is reported (others are card faults). */
static const struct {
	sscard_rc rc;
	const char *code;
} auth_outcomes[] = {
	{SSCARD_E_KEYS_MISMATCH, "KEYS_MISMATCH"},
	{SSCARD_E_KEY_NOT_FOUND, "KEYS_MISMATCH"},
	{SSCARD_E_NOT_GENUINE, "NOT_GENUINE"},
};

/* The card withheld file ef: authenticate with the terminal's keys. True
 * when the file may now be read; otherwise the reason is recorded. */
static bool probe_open_with_keys(probe *p, sscard_ef ef)
{
	sscard_auth_verdict v = SSCARD_AUTH_NOT_RUN;
	uint16_t sw = 0;
	sscard_rc rc = probe_step(p, "AUTHENTICATE SSSE", attempt_auth, &v, false, &sw);

	if (rc == SSCARD_OK)
		return true;
	for (size_t i = 0; i < sizeof(auth_outcomes) / sizeof(auth_outcomes[0]); i++)
		if (auth_outcomes[i].rc == rc) {
			diag_add(p->d, auth_outcomes[i].code, sw, "%s, %s: %s",
			         sscard_file_info_of(ef)->name, sscard_auth_verdict_name((int)v),
			         sscard_card_last_detail(p->card));
			return false;
		}
	if (rc != SSCARD_E_CANCELLED)
		probe_fault(p, "AUTHENTICATE SSSE", rc, sw);
	return false;
}

static read_result probe_element(probe *p, const sscard_element *e)
{
	size_t i = sscard_elem_index(e);
	elem_read r = {.e = e, .text = p->text[i]};
	char name[DIAG_STEP_NAME_MAX];
	uint16_t sw = 0;
	sscard_rc rc;

	snprintf(name, sizeof(name), "READ %02X %s", e->tag, e->key);
	/* once a file's chip error, or the card's garbled answers, have
	 * outlasted their re-reads, later reads get one attempt each: the
	 * damage is established and re-reading would only repeat it */
	rc = probe_step(p, name, attempt_read, &r, e->ef != p->damaged_ef && !p->garbled, &sw);
	if (rc == SSCARD_OK) {
		p->values.text[i] = p->text[i];
		return READ_OK;
	}
	if (rc == SSCARD_E_CANCELLED)
		return READ_STOPPED;
	if (rc == SSCARD_E_SECURITY || read_refused_by_lock(p, rc)) {
		p->values.withheld[i] = true;
		return READ_WITHHELD;
	}
	if (rc == SSCARD_E_BAD_DATA || rc == SSCARD_E_ENCODING) {
		/* validation reports it as UNREADABLE with the element named */
		p->values.unreadable[i] = true;
		diag_add(p->d, "DATA_CORRUPT", 0, "%s", r.detail[0] ? r.detail : name);
		return READ_FAILED;
	}
	probe_fault(p, name, rc, sw);
	if (strcmp(fault_of(rc)->code, "CHIP_ERROR") == 0)
		p->damaged_ef = e->ef;
	if (strcmp(fault_of(rc)->code, "GARBLED") == 0)
		p->garbled = true;
	/* reported as the fault it is; validation must not call it missing */
	p->values.withheld[i] = true;
	return p->dead ? READ_STOPPED : READ_FAILED;
}

/* Every mandatory element, file by file. A file that refuses access
 * (3.0 holder data without terminal authentication, a locked
 * application) is not asked again element by element. */
static void probe_elements(probe *p)
{
	sscard_ef refused = 0;
	bool authenticated = false; /* with the terminal's keys, once */

	for (size_t i = 0; i < sscard_elem_count(); i++) {
		const sscard_element *e = sscard_elem_at(i);
		read_result res;

		if (!e->mandatory)
			continue;
		if (e->ef == refused) {
			p->values.withheld[i] = true;
			continue;
		}
		res = probe_element(p, e);
		if (res == READ_STOPPED) {
			/* not read is not missing: validation leaves them alone */
			for (size_t j = i; j < sscard_elem_count(); j++)
				p->values.withheld[j] = true;
			return;
		}
		if (res == READ_WITHHELD && p->d->keys != NULL && !p->app_locked && !authenticated) {
			authenticated = true;
			if (probe_open_with_keys(p, e->ef)) {
				p->values.withheld[i] = false;
				i--; /* read it again, now open */
				continue;
			}
			res = READ_FAILED; /* the reason is recorded */
			refused = e->ef;
		}
		if (res == READ_WITHHELD) {
			refused = e->ef;
			if (!p->app_locked)
				diag_add(p->d, "HOLDER_DATA_PROTECTED", sscard_card_last_sw(p->card),
				         "%s", sscard_file_info_of(e->ef)->name);
		}
	}
}

/* ---- step 5: validation, expiry, card type ------------------------------------ */

static void probe_validate(probe *p)
{
	sscard_problems *pr = calloc(1, sizeof(*pr));

	if (pr == NULL)
		return;
	if (sscard_validate_values(&p->values, pr) == SSCARD_OK) {
		for (size_t i = 0; i < pr->count; i++) {
			const sscard_problem *q = &pr->item[i];

			/* UNREADABLE was reported with the parser's words already */
			if (q->code == SSCARD_PROBLEM_UNREADABLE)
				continue;
			/* element and problem name only: no personal data in evidence */
			diag_add(p->d, "DATA_CORRUPT", 0, "%02X %s: %s", q->elem ? q->elem->tag : 0,
			         q->elem ? q->elem->key : "?", sscard_problem_name((int)q->code));
		}
	}
	free(pr);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil); -1 when `ymd` is not "YYYY-MM-DD" of a real date. */
static long days_of(const char *ymd)
{
	unsigned y, m, dd;
	long era, yoe, doy, doe;

	if (ymd == NULL || strlen(ymd) != DIAG_DATE_LEN || !sscard_date_is_real(ymd) ||
	    sscanf(ymd, "%4u-%2u-%2u", &y, &m, &dd) != 3)
		return -1;
	if (m <= 2)
		y--;
	era = (long)y / 400;
	yoe = (long)y - era * 400;
	doy = (153 * ((long)m + (m > 2 ? -3 : 9)) + 2) / 5 + (long)dd - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static const char *value_of(const probe *p, const char *key)
{
	const sscard_element *e = sscard_elem_by_key(key);
	const char *v = e ? p->values.text[sscard_elem_index(e)] : NULL;

	return v != NULL && v[0] != '\0' ? v : NULL;
}

static void probe_expiry(probe *p)
{
	const char *expiry = value_of(p, "expiry_date");
	const char *issue = value_of(p, "issue_date");
	long exp_day = days_of(expiry), issue_day = days_of(issue), today;
	int64_t now = p->d->now != 0 ? p->d->now : (int64_t)time(NULL);

	if (exp_day < 0)
		return; /* absent or invalid: validation has said so */
	snprintf(p->d->expiry, sizeof(p->d->expiry), "%s", expiry);
	today = (long)(now / 86400);
	/* valid through its expiry date */
	if (today > exp_day)
		diag_add(p->d, "EXPIRED", 0, "%s", expiry);
	else if (exp_day - today <= DIAG_EXPIRY_WARN_DAYS)
		diag_add(p->d, "EXPIRING_SOON", 0, "%s", expiry);
	if (issue_day >= 0 && exp_day > issue_day &&
	    exp_day - issue_day <= DIAG_TEMPORARY_MAX_DAYS)
		diag_add(p->d, today > exp_day ? "TEMPORARY_LAPSED" : "TEMPORARY_CARD", 0,
		         "valid %ld days, %s to %s", exp_day - issue_day, issue, expiry);
}

/* ---- step 6: timing ------------------------------------------------------------- */

static void probe_timing(probe *p)
{
	sscard_diag *d = p->d;
	unsigned total_ms = 0, attempts = 0;

	for (size_t i = 0; i < d->nsteps; i++) {
		if (strcmp(d->step[i].name, "ATR") == 0)
			continue; /* no command: the ATR came with the connect */
		total_ms += d->step[i].ms;
		attempts += d->step[i].attempts;
	}

	if (p->out_of_time)
		diag_add(d, "SLOW", 0, "probe stopped at its %u ms budget after %zu steps",
		         d->budget_ms, d->nsteps);
	if (d->slowest_ms > DIAG_SLOW_ANSWER_MS)
		diag_add(d, "SLOW", 0, "slowest answer %u ms (healthy: under %u ms)", d->slowest_ms,
		         DIAG_SLOW_ANSWER_MS);
	if (attempts > 0 && total_ms / attempts > DIAG_SLOW_AVERAGE_MS)
		diag_add(d, "SLOW", 0, "%u ms per command on average (healthy: under %u ms)",
		         total_ms / attempts, DIAG_SLOW_AVERAGE_MS);
}

/* ---- entry points ---------------------------------------------------------------- */

static void probe_card(probe *p)
{
	probe_atr(p);
	if (!p->dead && probe_select(p)) {
		if (p->atr_unusual && !p->app_locked)
			diag_add(p->d, "ATR_UNUSUAL", 0, "historical bytes not 00 + vendor layout");
		probe_pin(p);
		probe_elements(p);
		if (!p->dead) {
			probe_validate(p);
			probe_expiry(p);
		}
	}
	if (!p->dead)
		probe_timing(p);
}

static sscard_rc diagnose_card(sscard_card *card, sscard_diag *d, const struct timespec *start)
{
	probe *p = calloc(1, sizeof(*p));
	unsigned long apdus0 = sscard_card_apdu_count(card);
	sscard_rc rc;

	if (p == NULL)
		return SSCARD_E_NOMEM;
	p->card = card;
	p->d = d;
	p->start = *start;
	rc = sscard_card_begin(card);
	if (rc == SSCARD_E_CARD_RESET) /* reset by someone before us: just state lost */
		rc = sscard_card_begin(card);
	if (rc == SSCARD_E_SHARING || rc == SSCARD_E_NO_SERVICE) {
		/* another application holds the card, or pcscd is gone: nothing
		 * about the card can be said */
		free(p);
		return rc;
	}
	if (rc != SSCARD_OK) {
		probe_fault(p, "hold the card", rc, 0);
	} else {
		probe_card(p);
		sscard_card_end(card);
	}
	/* the selected state is unknown after a probe that saw errors */
	card->selected = 0;
	d->apdus = sscard_card_apdu_count(card) - apdus0;
	d->elapsed_ms = ms_since(start);
	free(p);
	return SSCARD_OK;
}

sscard_rc sscard_diagnose(sscard_card *card, sscard_diag *d)
{
	struct timespec start;

	if (card == NULL || d == NULL)
		return SSCARD_E_INVALID_ARG;
	clock_gettime(CLOCK_MONOTONIC, &start);
	diag_clear(d);
	return diagnose_card(card, d, &start);
}

/* What a failing connect says about the card, and in what words; errors
 * not listed leave nothing to diagnose (no service, no reader, bad
 * arguments, a sharing conflict). */
static const struct {
	sscard_rc rc;
	const char *code;
	const char *evidence;
} connect_outcomes[] = {
	{SSCARD_E_NO_CARD, "NO_CARD", "reader {}"},
	{SSCARD_E_CARD_REMOVED, "CARD_REMOVED", "removed while connecting in reader {}"},
	{SSCARD_E_MUTE, "MUTE", "no answer to reset in reader {}"},
	{SSCARD_E_TIMEOUT, "MUTE", "no answer to reset in time in reader {}"},
	{SSCARD_E_BAD_ATR, "BAD_ATR", "the answer to reset in reader {} is unusable"},
	{SSCARD_E_TRANSPORT, "TRANSMISSION_ERROR", "powering the card in reader {} failed"},
};

/* Report a failed connect; false when it is not about the card. */
static bool connect_fault(sscard_diag *d, sscard_rc rc, const char *reader, bool retried)
{
	for (size_t i = 0; i < sizeof(connect_outcomes) / sizeof(connect_outcomes[0]); i++) {
		char *ev;

		if (connect_outcomes[i].rc != rc)
			continue;
		ev = expand(connect_outcomes[i].evidence,
		            reader != NULL && reader[0] != '\0' ? reader : "(default)");
		diag_add(d, connect_outcomes[i].code, 0, "%s%s", ev != NULL ? ev : "",
		         retried ? ", also after a second power-up" : "");
		free(ev);
		return true;
	}
	return false;
}

sscard_rc sscard_diagnose_reader(sscard_ctx *ctx, const char *reader, sscard_diag *d)
{
	struct timespec start;
	sscard_card *card = NULL;
	sscard_rc rc;
	unsigned resets = 0;

	if (ctx == NULL || d == NULL)
		return SSCARD_E_INVALID_ARG;
	clock_gettime(CLOCK_MONOTONIC, &start);
	diag_clear(d);
	rc = sscard_connect(ctx, reader, &card);
	if (rc == SSCARD_E_MUTE || rc == SSCARD_E_BAD_ATR || rc == SSCARD_E_TIMEOUT) {
		/* a new connect powers the card up again: the cold-reset retry */
		resets = 1;
		rc = sscard_connect(ctx, reader, &card);
	}
	if (rc == SSCARD_OK) {
		rc = diagnose_card(card, d, &start);
		d->resets += resets;
		sscard_disconnect(&card);
		return rc;
	}
	d->resets = resets;
	d->elapsed_ms = ms_since(&start);
	if (!connect_fault(d, rc, reader, resets > 0)) {
		d->verdict = SSCARD_VERDICT_NO_CARD;
		return rc;
	}
	return SSCARD_OK;
}
