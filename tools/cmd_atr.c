/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cardtool atr: decode an ATR given in hex, or the card's. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cardtool.h"

/* Room for the hex of any input we accept (spaces included). */
#define HEX_OF(n) (2u * (n) + 1u)

static void atr_usage(FILE *f)
{
	fprintf(f,
	        "Usage: cardtool atr [--json] [HEX...]\n\n"
	        "Decodes an ATR per ISO 7816-3: TS, T0, the interface bytes of every\n"
	        "level, the protocols offered, Fi/Di and F/D, the guard time, the\n"
	        "historical bytes (compact-TLV, or the social security card layout:\n"
	        "chip vendor, COS, card maker, serial) and the TCK. HEX may contain\n"
	        "spaces and colons and may be split over several arguments; without\n"
	        "HEX the ATR of the card in the reader is read.\n\n"
	        "  -j, --json   one JSON object (also: cardtool --json atr)\n"
	        "  -h, --help   this help\n\n"
	        "Exit codes: 0 valid ATR, 1 invalid ATR, 2 usage error (bad hex),\n"
	        "3 no reader/card, 4 system error.\n");
}

/* ---- what each byte means -------------------------------------------- */

static void hexstr(const uint8_t *p, size_t n, char *out, size_t outsz)
{
	sscard_hex_encode(p, n, out, outsz);
}

/* Hex with a space between bytes, for people. */
static void spaced(const uint8_t *p, size_t n, char *out, size_t outsz)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && used + 4 <= outsz; i++)
		used += (size_t)snprintf(out + used, outsz - used, "%s%02X", i ? " " : "", p[i]);
}

static void describe_ta(const sscard_atr *a, unsigned lv, uint8_t v, char *out, size_t n)
{
	uint8_t t = a->level[lv].t;

	if (lv == 0)
		snprintf(out, n, "FI=%X DI=%X: Fi=%u%s Di=%u%s", v >> 4, v & 0x0F, a->fi,
		         a->fi_rfu ? " (RFU)" : "", a->di, a->di_rfu ? " (RFU)" : "");
	else if (lv == 1)
		snprintf(out, n, "specific mode T=%u, %s, %s", v & 0x0F,
		         (v & 0x80) ? "mode fixed" : "mode can change",
		         (v & 0x10) ? "implicit Fi/Di" : "Fi/Di from TA1");
	else if (t == 1)
		snprintf(out, n, "T=1 IFSC=%u", v);
	else if (t == 15)
		snprintf(out, n, "clock stop %u, class%s%s%s", v >> 6, (v & 1) ? " A(5V)" : "",
		         (v & 2) ? " B(3V)" : "", (v & 4) ? " C(1.8V)" : "");
	else
		snprintf(out, n, "T=%u specific", t);
}

static void describe_tb(const sscard_atr *a, unsigned lv, uint8_t v, char *out, size_t n)
{
	uint8_t t = a->level[lv].t;

	if (lv == 0)
		snprintf(out, n, "VPP (deprecated)%s", v == 0 ? ": none" : "");
	else if (lv == 1)
		snprintf(out, n, "PI2 (deprecated)");
	else if (t == 1)
		snprintf(out, n, "T=1 BWI=%u CWI=%u", v >> 4, v & 0x0F);
	else if (t == 15)
		snprintf(out, n, "SPU %s", (v & 0x80) ? "proprietary" : "standard");
	else
		snprintf(out, n, "T=%u specific", t);
}

static void describe_tc(const sscard_atr *a, unsigned lv, uint8_t v, char *out, size_t n)
{
	uint8_t t = a->level[lv].t;

	if (lv == 0)
		snprintf(out, n, "extra guard time N=%u%s", v, v == 255 ? " (minimum)" : " ETU");
	else if (lv == 1)
		snprintf(out, n, "T=0 WI=%u", v);
	else if (t == 1)
		snprintf(out, n, "T=1 EDC %s", (v & 1) ? "CRC" : "LRC");
	else
		snprintf(out, n, "T=%u specific", t);
}

static void describe_td(const sscard_atr *a, unsigned lv, uint8_t v, char *out, size_t n)
{
	(void)a;
	snprintf(out, n, "Y%u=%X%s%s%s%s, T=%u%s", lv + 2, v >> 4, (v & 0x10) ? " TA" : "",
	         (v & 0x20) ? " TB" : "", (v & 0x40) ? " TC" : "", (v & 0x80) ? " TD" : "",
	         v & 0x0F, (v & 0x0F) == 15 ? " (global)" : "");
}

typedef void (*describe_fn)(const sscard_atr *, unsigned, uint8_t, char *, size_t);

static const struct {
	char letter;
	unsigned bit;
	describe_fn describe;
} interface_bytes[] = {
	{'A', SSCARD_ATR_HAS_TA, describe_ta},
	{'B', SSCARD_ATR_HAS_TB, describe_tb},
	{'C', SSCARD_ATR_HAS_TC, describe_tc},
	{'D', SSCARD_ATR_HAS_TD, describe_td},
};

static uint8_t level_byte(const sscard_atr_level *l, unsigned i)
{
	const uint8_t v[4] = {l->ta, l->tb, l->tc, l->td};

	return v[i];
}

/* Calls fn(name, value, meaning, ud) for every interface byte read. */
static void each_interface_byte(const sscard_atr *a,
                                void (*fn)(const char *, uint8_t, const char *, void *),
                                void *ud)
{
	for (unsigned lv = 0; lv < a->levels; lv++) {
		for (unsigned i = 0; i < 4; i++) {
			char name[16], meaning[96];
			uint8_t v;

			if (!(a->level[lv].present & interface_bytes[i].bit))
				continue;
			v = level_byte(&a->level[lv], i);
			snprintf(name, sizeof name, "T%c%u", interface_bytes[i].letter, lv + 1);
			interface_bytes[i].describe(a, lv, v, meaning, sizeof meaning);
			fn(name, v, meaning, ud);
		}
	}
}

static void protocols_text(const sscard_atr *a, char *out, size_t n)
{
	size_t used = 0;

	out[0] = '\0';
	for (unsigned t = 0; t < 16 && used < n; t++)
		if (a->protocols & (1u << t))
			used += (size_t)snprintf(out + used, n - used, "%sT=%u", used ? " " : "", t);
	if (used == 0)
		snprintf(out, n, "none");
}

/* ---- JSON ------------------------------------------------------------ */

static json_object *hex_json(const uint8_t *p, size_t n)
{
	char buf[HEX_OF(SSCARD_ATR_MAX_LEN)];

	hexstr(p, n, buf, sizeof buf);
	return json_object_new_string(buf);
}

static void add_iface_json(const char *name, uint8_t v, const char *meaning, void *ud)
{
	json_object *o = json_object_new_object();
	char hex[3];

	snprintf(hex, sizeof hex, "%02X", v);
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "value", json_object_new_string(hex));
	json_object_object_add(o, "meaning", json_object_new_string(meaning));
	json_object_array_add((json_object *)ud, o);
}

/* Fi/Di, F/D, guard time, specific mode, T=0 and T=1 parameters. */
static void add_timing_json(const sscard_atr *a, json_object *o)
{

	json_object_object_add(o, "ta1_present", json_object_new_boolean(a->ta1_present));
	json_object_object_add(o, "fi", json_object_new_int((int)a->fi));
	json_object_object_add(o, "di", json_object_new_int((int)a->di));
	json_object_object_add(o, "fi_rfu", json_object_new_boolean(a->fi_rfu));
	json_object_object_add(o, "di_rfu", json_object_new_boolean(a->di_rfu));
	json_object_object_add(o, "f_over_d", a->f_over_d > 0 ? json_object_new_double(a->f_over_d)
	                                                     : NULL);
	json_object_object_add(o, "fmax_khz", json_object_new_int((int)a->fmax_khz));
	json_object_object_add(o, "extra_guard_time", json_object_new_int(a->guard_n));
	if (a->specific_mode) {
		json_object *m = json_object_new_object();

		json_object_object_add(m, "protocol", json_object_new_int(a->specific_protocol));
		json_object_object_add(m, "can_change", json_object_new_boolean(a->specific_can_change));
		json_object_object_add(m, "implicit", json_object_new_boolean(a->specific_implicit));
		json_object_object_add(o, "specific_mode", m);
	} else {
		json_object_object_add(o, "specific_mode", NULL);
	}
	json_object_object_add(o, "t0_wi", json_object_new_int(a->t0_wi));
	if (a->protocols & (1u << 1)) {
		json_object *t1 = json_object_new_object();

		json_object_object_add(t1, "ifsc", json_object_new_int(a->t1_ifsc));
		json_object_object_add(t1, "bwi", json_object_new_int(a->t1_bwi));
		json_object_object_add(t1, "cwi", json_object_new_int(a->t1_cwi));
		json_object_object_add(t1, "edc", json_object_new_string(a->t1_crc ? "CRC" : "LRC"));
		json_object_object_add(o, "t1", t1);
	}
}

static json_object *ctlv_json(const sscard_atr *a)
{
	json_object *arr = json_object_new_array();

	for (unsigned i = 0; i < a->ctlv_count; i++) {
		const sscard_atr_ctlv *c = &a->ctlv[i];
		json_object *o = json_object_new_object();
		char tag[4];

		snprintf(tag, sizeof tag, "%X", c->tag & 0x0Fu);
		json_object_object_add(o, "tag", json_object_new_string(tag));
		json_object_object_add(o, "name", json_object_new_string(sscard_atr_ctlv_tag_name(c->tag)));
		json_object_object_add(o, "value", hex_json(a->hist + c->offset, c->len));
		json_object_array_add(arr, o);
	}
	return arr;
}

static json_object *ssc_json(const sscard_atr *a)
{
	json_object *o = json_object_new_object();
	char code[5];

	snprintf(code, sizeof code, "%04X", a->ssc_vendor);
	json_object_object_add(o, "vendor_code", json_object_new_string(code));
	json_object_object_add(o, "vendor", a->ssc_vendor_name[0]
	                       ? json_object_new_string(a->ssc_vendor_name) : NULL);
	json_object_object_add(o, "cos", hex_json(a->hist + SSCARD_ATR_SSC_COS_OFF,
	                                          SSCARD_ATR_SSC_COS_LEN));
	json_object_object_add(o, "maker", hex_json(a->hist + SSCARD_ATR_SSC_MAKER_OFF,
	                                            SSCARD_ATR_SSC_MAKER_LEN));
	json_object_object_add(o, "serial", hex_json(a->hist + SSCARD_ATR_SSC_SERIAL_OFF,
	                                             SSCARD_ATR_SSC_SERIAL_LEN));
	return o;
}

static json_object *historical_json(const sscard_atr *a, json_object *top)
{
	json_object_object_add(top, "historical", hex_json(a->hist, a->hist_len));
	json_object_object_add(top, "historical_format",
	                       json_object_new_string(sscard_atr_hist_format_name(a->hist_format)));
	if (a->hist_format == SSCARD_ATR_HIST_CTLV || a->hist_format == SSCARD_ATR_HIST_CTLV_STATUS) {
		json_object_object_add(top, "compact_tlv", ctlv_json(a));
		json_object_object_add(top, "compact_tlv_ok", json_object_new_boolean(a->ctlv_ok));
	}
	if (a->status_present) {
		json_object *s = json_object_new_object();
		char sw[5];

		snprintf(sw, sizeof sw, "%04X", a->status_sw);
		json_object_object_add(s, "lcs", json_object_new_int(a->lcs));
		json_object_object_add(s, "sw", json_object_new_string(sw));
		json_object_object_add(top, "status_indicator", s);
	}
	if (a->hist_format == SSCARD_ATR_HIST_DIR_REF)
		json_object_object_add(top, "dir_reference", json_object_new_int(a->dir_ref));
	return top;
}

static void print_json(const sscard_atr *a, const uint8_t *atr, size_t len)
{
	json_object *top = json_object_new_object();
	json_object *protocols = json_object_new_array();
	json_object *iface = json_object_new_array();
	json_object *tck = json_object_new_object();
	char *hex = malloc(HEX_OF(len));

	if (hex != NULL) {
		hexstr(atr, len, hex, HEX_OF(len));
		json_object_object_add(top, "atr", json_object_new_string(hex));
		free(hex);
	}
	json_object_object_add(top, "valid", json_object_new_boolean(a->valid));
	if (!a->valid) {
		json_object_object_add(top, "error", json_object_new_string(a->reason));
		json_object_object_add(top, "error_code",
		                       json_object_new_string(sscard_atr_error_name(a->error)));
	}
	json_object_object_add(top, "length", json_object_new_int((int)len));
	if (len > 0)
		json_object_object_add(top, "convention",
		                       json_object_new_string(a->ts == 0x3B ? "direct"
		                                              : a->ts == 0x3F ? "inverse" : "invalid"));
	for (unsigned t = 0; t < 16; t++)
		if (a->protocols & (1u << t))
			json_object_array_add(protocols, json_object_new_int((int)t));
	json_object_object_add(top, "protocols", protocols);
	each_interface_byte(a, add_iface_json, iface);
	json_object_object_add(top, "interface", iface);
	if (a->interface_complete)
		add_timing_json(a, top);
	historical_json(a, top);
	json_object_object_add(tck, "present", json_object_new_boolean(a->tck_present));
	json_object_object_add(tck, "ok", a->tck_present ? json_object_new_boolean(a->tck_ok) : NULL);
	if (a->tck_present) {
		char v[3];

		snprintf(v, sizeof v, "%02X", a->tck);
		json_object_object_add(tck, "value", json_object_new_string(v));
	}
	json_object_object_add(top, "tck", tck);
	json_object_object_add(top, "ssc", a->ssc ? ssc_json(a) : NULL);
	ct_print_json(top);
}

/* ---- people ---------------------------------------------------------- */

static void print_iface_line(const char *name, uint8_t v, const char *meaning, void *ud)
{
	(void)ud;
	printf("  %-12s %02X  %s\n", name, v, meaning);
}

static void print_ssc(const sscard_atr *a)
{
	char buf[64];

	printf("Social security card layout (design.md s.4)\n");
	printf("  %-12s %04X %s\n", "Chip vendor", a->ssc_vendor,
	       a->ssc_vendor_name[0] ? a->ssc_vendor_name : "(unknown vendor code)");
	spaced(a->hist + SSCARD_ATR_SSC_COS_OFF, SSCARD_ATR_SSC_COS_LEN, buf, sizeof buf);
	printf("  %-12s %s\n", "COS", buf);
	spaced(a->hist + SSCARD_ATR_SSC_MAKER_OFF, SSCARD_ATR_SSC_MAKER_LEN, buf, sizeof buf);
	printf("  %-12s %s\n", "Card maker", buf);
	spaced(a->hist + SSCARD_ATR_SSC_SERIAL_OFF, SSCARD_ATR_SSC_SERIAL_LEN, buf, sizeof buf);
	printf("  %-12s %s\n", "Chip serial", buf);
}

static void print_historical(const sscard_atr *a)
{
	char buf[64];

	spaced(a->hist, a->hist_len, buf, sizeof buf);
	if (a->k == 0)
		printf("%-14s none (K=0)\n", "Historical");
	else
		printf("%-14s %s%s(%u of K=%u)\n", "Historical", buf, a->hist_len ? "  " : "",
		       a->hist_len, a->k);
	if (a->hist_len == 0 || a->hist_len < a->k)
		return;
	if (a->ssc) {
		print_ssc(a);
		return;
	}
	printf("  %-12s %02X %s\n", "Category", a->hist[0],
	       sscard_atr_hist_format_name(a->hist_format));
	for (unsigned i = 0; i < a->ctlv_count; i++) {
		const sscard_atr_ctlv *c = &a->ctlv[i];

		spaced(a->hist + c->offset, c->len, buf, sizeof buf);
		printf("  %-12s %X/%u %s: %s\n", "Compact-TLV", c->tag, c->len,
		       sscard_atr_ctlv_tag_name(c->tag), c->len ? buf : "(empty)");
	}
	if (!a->ctlv_ok)
		printf("  %-12s malformed: an object runs past the end\n", "Compact-TLV");
	if (a->status_present)
		printf("  %-12s LCS %02X, SW %04X\n", "Status", a->lcs, a->status_sw);
	if (a->hist_format == SSCARD_ATR_HIST_DIR_REF && a->k >= 2)
		printf("  %-12s %02X\n", "DIR ref", a->dir_ref);
}

static void print_timing(const sscard_atr *a)
{
	char buf[64];

	protocols_text(a, buf, sizeof buf);
	printf("%-14s %s%s\n", "Protocols", buf,
	       (a->level[0].present & SSCARD_ATR_HAS_TD) ? "" : " (default: no TD1)");
	if (a->fi_rfu || a->di_rfu)
		printf("%-14s Fi=%u Di=%u: RFU code, F/D undefined\n", "Fi/Di", a->fi, a->di);
	else
		printf("%-14s Fi=%u Di=%u%s, F/D=%g clock cycles per ETU, fmax %u kHz\n", "Fi/Di",
		       a->fi, a->di, a->ta1_present ? "" : " (default: no TA1)", a->f_over_d,
		       a->fmax_khz);
	printf("%-14s N=%u%s\n", "Guard time", a->guard_n,
	       a->guard_n == 255 ? " (minimum: 12 ETU T=0, 11 ETU T=1)" : " extra ETU");
	if (a->specific_mode)
		printf("%-14s T=%u (%s)\n", "Specific mode", a->specific_protocol,
		       a->specific_can_change ? "can change" : "fixed");
	if (a->protocols & (1u << 1))
		printf("%-14s IFSC=%u BWI=%u CWI=%u EDC=%s\n", "T=1", a->t1_ifsc, a->t1_bwi,
		       a->t1_cwi, a->t1_crc ? "CRC" : "LRC");
}

static void print_human(const sscard_atr *a, const uint8_t *atr, size_t len)
{
	char *buf = malloc(3 * len + 1);

	if (buf != NULL) {
		spaced(atr, len, buf, 3 * len + 1);
		printf("%-14s %s\n", "ATR", buf);
		free(buf);
	}
	if (a->valid)
		printf("%-14s valid (%zu bytes)\n", "Verdict", len);
	else
		printf("%-14s INVALID %s: %s\n", "Verdict", sscard_atr_error_name(a->error), a->reason);
	if (len == 0 || a->error == SSCARD_ATR_BAD_TS)
		return;
	printf("%-14s %02X  %s convention\n", "TS", a->ts, a->inverse ? "inverse" : "direct");
	if (len < 2)
		return;
	printf("%-14s %02X  Y1=%X, K=%u historical bytes\n", "T0", a->t0, a->t0 >> 4, a->t0 & 0x0F);
	if (a->levels > 0 && (a->level[0].present || a->levels > 1)) {
		printf("Interface bytes\n");
		each_interface_byte(a, print_iface_line, NULL);
	}
	if (!a->interface_complete)
		return;
	print_timing(a);
	print_historical(a);
	if (a->tck_present)
		printf("%-14s %02X  %s\n", "TCK", a->tck, a->tck_ok ? "correct" : "WRONG");
	else if (a->error == SSCARD_ATR_TCK_MISSING)
		printf("%-14s MISSING (required: a protocol other than T=0)\n", "TCK");
	else if (a->error != SSCARD_ATR_TRUNCATED_HISTORICAL)
		printf("%-14s absent (only T=0 offered: none expected)\n", "TCK");
}

/* ---- the command ----------------------------------------------------- */

/* Join argv[first..argc) with spaces and decode; 0, or an exit code. */
static int decode_args(cardtool *ct, int argc, char **argv, int first, uint8_t **atr,
                       size_t *len)
{
	size_t total = 1;
	char *joined;
	sscard_rc rc;

	for (int i = first; i < argc; i++)
		total += strlen(argv[i]) + 1;
	joined = calloc(1, total);
	*atr = malloc(total / 2 + 1);
	if (joined == NULL || *atr == NULL) {
		free(joined);
		free(*atr);
		*atr = NULL;
		fprintf(stderr, "cardtool atr: out of memory\n");
		return CT_EXIT_SYSTEM;
	}
	for (int i = first; i < argc; i++) {
		strcat(joined, argv[i]);
		strcat(joined, " ");
	}
	rc = sscard_hex_decode(joined, *atr, total / 2 + 1, len);
	free(joined);
	if (rc != SSCARD_OK) {
		free(*atr);
		*atr = NULL;
		return ct_usage_error(ct, "atr", "HEX must be pairs of hex digits, optionally "
		                                 "separated by spaces or colons");
	}
	return CT_EXIT_OK;
}

/* The ATR of the card in the selected reader (a copy). */
static int card_atr(cardtool *ct, uint8_t **atr, size_t *len)
{
	sscard_card *card = NULL;
	const uint8_t *p = NULL;
	sscard_rc rc;
	int status = ct_connect(ct, &card);

	if (status != CT_EXIT_OK)
		return status;
	rc = sscard_card_atr(card, &p, len);
	if (rc != SSCARD_OK) {
		status = ct_fail(ct, card, rc, "read ATR");
		sscard_disconnect(&card);
		return status;
	}
	*atr = malloc(*len ? *len : 1);
	if (*atr == NULL) {
		sscard_disconnect(&card);
		return ct_fail(ct, NULL, SSCARD_E_NOMEM, "read ATR");
	}
	if (*len)
		memcpy(*atr, p, *len);
	sscard_disconnect(&card);
	return CT_EXIT_OK;
}

int cmd_atr(cardtool *ct, int argc, char **argv)
{
	uint8_t *atr = NULL;
	size_t len = 0;
	sscard_atr parsed;
	int c, status;

	if ((c = ct_getopt(ct, argc, argv, NULL, NULL)) == 'h') {
		atr_usage(stdout);
		return CT_EXIT_OK;
	}
	if (c != -1)
		return ct_usage_error(ct, "atr", NULL);
	if (optind < argc)
		status = decode_args(ct, argc, argv, optind, &atr, &len);
	else
		status = card_atr(ct, &atr, &len);
	if (status != CT_EXIT_OK)
		return status;

	sscard_atr_parse(atr, len, &parsed);
	if (ct->json)
		print_json(&parsed, atr, len);
	else
		print_human(&parsed, atr, len);
	free(atr);
	return parsed.valid ? CT_EXIT_OK : CT_EXIT_FAIL;
}
