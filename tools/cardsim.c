/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cardsim: serve a simulated social security card (lib/sim) to pcscd
 * through the vpcd driver (package vsmartcard-vpcd).
 *
 * vpcd listens on a TCP port (reader.conf CHANNELID); we connect to it.
 * Every message is a 2-byte big-endian length and a body. A 1-byte body is
 * a control message (0 power off, 1 power on, 2 reset, 4 get ATR; only get
 * ATR is answered), anything longer is a C-APDU answered with an R-APDU.
 * vpcd (3.3) blocks forever on an empty message, so "no card" is a closed
 * connection (vpcd's presence poll then finds nobody to accept) and "the
 * card did not answer" is a connection closed instead of an answer
 * (vpcd reports the transmission as failed; we connect again at once).
 */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "sim/sim.h"

#define VPCD_DEFAULT_PORT 35963
#define VPCD_MSG_MAX 0xFFFFu
#define VPCD_CTRL_OFF 0
#define VPCD_CTRL_ON 1
#define VPCD_CTRL_RESET 2
#define VPCD_CTRL_ATR 4
#define RECONNECT_MS 100
#define DEFAULT_REMOVED_MS 1500

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t toggle_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void on_toggle(int sig)
{
	(void)sig;
	toggle_requested = 1;
}

typedef struct cardsim {
	const char *host;
	unsigned port;
	bool trace;
	const char *profile;       /* the card inserted now */
	const char *swap_profile;  /* --swap-after: the card inserted next */
	unsigned long swap_after;  /* APDUs before the swap; 0 = never */
	unsigned removed_ms;       /* how long the reader stays empty on a swap */
	sscard_sim *sim;
	bool inserted;
	long long insert_at_ms;    /* swap: when the next card goes in (0 = not pending) */
	uint8_t atr[SSCARD_ATR_MAX];
	size_t atr_len;
	unsigned long apdus;
} cardsim;

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
	        "Usage: %s [OPTIONS] PROFILE\n"
	        "Serve the simulated card PROFILE (vectors/cards/*.json) to pcscd through the\n"
	        "vpcd driver. Reconnects when pcscd restarts; SIGTERM/SIGINT exit cleanly.\n"
	        "\n"
	        "  -p, --port N               vpcd port (reader.conf CHANNELID), default %u\n"
	        "  -H, --host ADDR            vpcd host, default 127.0.0.1\n"
	        "  -t, --trace                print every APDU and answer on stderr\n"
	        "                             (PIN and key data masked)\n"
	        "  -s, --swap-after N PROFILE2\n"
	        "                             after N APDUs remove the card (the reader is\n"
	        "                             empty for --removed-ms), then insert PROFILE2\n"
	        "                             (may be the same file: a fresh card)\n"
	        "  -r, --removed-ms MS        removal time of a swap, default %u\n"
	        "  -h, --help                 this help\n"
	        "\n"
	        "Signals: SIGUSR1 toggles the card: removed <-> inserted (re-inserting\n"
	        "reloads the current profile: a fresh card). SIGTERM/SIGINT: exit 0.\n"
	        "A removed card is a closed vpcd connection (an empty reader). A profile\n"
	        "whose card gives no ATR therefore also shows as an empty reader (vpcd\n"
	        "cannot signal a mute card); a card that goes mute mid-session drops the\n"
	        "connection instead of answering, which pcscd reports as a failed\n"
	        "transmission, and cardsim connects again at once.\n",
	        prog, VPCD_DEFAULT_PORT, DEFAULT_REMOVED_MS);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !stop_requested)
		;
}

/* ---- the card ------------------------------------------------------------ */

static int card_insert(cardsim *cs, const char *profile)
{
	char err[512] = "";
	sscard_sim *sim = NULL;
	sscard_rc rc = sscard_sim_load(profile, &sim, err, sizeof err);
	if (rc != SSCARD_OK) {
		fprintf(stderr, "cardsim: %s: %s\n", profile, err[0] ? err : sscard_strerror(rc));
		return -1;
	}
	sscard_sim_free(&cs->sim);
	cs->sim = sim;
	cs->profile = profile;
	cs->atr_len = sizeof cs->atr;
	if (sscard_sim_power_on(sim, 1, cs->atr, &cs->atr_len) != SSCARD_OK)
		cs->atr_len = 0; /* no ATR: vpcd shows an empty reader */
	cs->inserted = true;
	cs->insert_at_ms = 0;
	fprintf(stderr, "cardsim: card inserted: %s\n", profile);
	return 0;
}

static void card_remove(cardsim *cs)
{
	cs->inserted = false;
	fprintf(stderr, "cardsim: card removed\n");
}

/* Signals and the swap timer change the card between two messages. */
static void card_events(cardsim *cs)
{
	if (toggle_requested) {
		toggle_requested = 0;
		if (cs->inserted)
			card_remove(cs);
		else
			(void)card_insert(cs, cs->profile);
	}
	if (cs->insert_at_ms && now_ms() >= cs->insert_at_ms)
		(void)card_insert(cs, cs->swap_profile);
}

static void card_count_apdu(cardsim *cs)
{
	cs->apdus++;
	if (cs->swap_after && cs->apdus == cs->swap_after && cs->swap_profile) {
		card_remove(cs);
		cs->insert_at_ms = now_ms() + cs->removed_ms;
	}
}

/* ---- trace --------------------------------------------------------------- */

/* PIN- and key-bearing commands, by the library's one rule
 * (sscard_apdu_sensitive()); an unparseable command is masked too. */
static bool apdu_sensitive(const uint8_t *c, size_t len)
{
	sscard_apdu a;
	return len > 5 && (sscard_apdu_parse(c, len, &a) != SSCARD_OK || sscard_apdu_sensitive(&a));
}

static void trace(const cardsim *cs, const char *dir, const uint8_t *buf, size_t len,
                  bool mask_data)
{
	if (!cs->trace)
		return;
	fprintf(stderr, "cardsim: %s", dir);
	for (size_t i = 0; i < len; i++)
		fprintf(stderr, (mask_data && i >= 5) ? "**" : "%02X", buf[i]);
	fputc('\n', stderr);
}

/* ---- vpcd link ---------------------------------------------------------- */

static int link_connect(const cardsim *cs)
{
	char port[16];
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	snprintf(port, sizeof port, "%u", cs->port);
	if (getaddrinfo(cs->host, port, &hints, &res) != 0)
		return -1;
	int fd = -1;
	for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd >= 0) {
		/* vpcd sends length and body as separate segments: without these
		 * every APDU waits for the delayed ACK (~40 ms). */
		int one = 1;
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	}
	return fd;
}

/* Read exactly len bytes: LINK_OK, LINK_LOST on EOF/error/stop, or
 * LINK_SIGNAL when `interruptible` and a signal came before any byte. */
enum { LINK_OK = 0, LINK_LOST = -1, LINK_SIGNAL = -2 };

static int link_read(int fd, uint8_t *buf, size_t len, bool interruptible)
{
	size_t got = 0;
	while (got < len) {
		int one = 1;
		(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
		ssize_t r = recv(fd, buf + got, len - got, 0);
		if (r > 0) {
			got += (size_t)r;
			continue;
		}
		if (r < 0 && errno == EINTR && !stop_requested) {
			if (interruptible && got == 0)
				return LINK_SIGNAL;
			continue;
		}
		return LINK_LOST;
	}
	return LINK_OK;
}

static int link_write(int fd, const uint8_t *body, size_t len)
{
	uint8_t msg[2 + VPCD_MSG_MAX];
	if (len > VPCD_MSG_MAX)
		return -1;
	msg[0] = (uint8_t)(len >> 8);
	msg[1] = (uint8_t)len;
	memcpy(msg + 2, body, len);
	size_t sent = 0;
	while (sent < len + 2) {
		ssize_t w = send(fd, msg + sent, len + 2 - sent, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR && !stop_requested)
			continue;
		if (w <= 0)
			return -1;
		sent += (size_t)w;
	}
	return 0;
}

/* ---- serving ------------------------------------------------------------ */

/*
 * How a connection ended. vpcd cannot take an empty message (it blocks
 * reading the missing body), so the two ways a card stops answering are
 * both a closed connection: "removed" stays away until the card is back,
 * "mute" connects again at once (the card is still in the reader) so the
 * host sees a failed transmission rather than a removal.
 */
typedef enum serve_end {
	END_LINK_LOST, /* vpcd closed the connection (pcscd stopped?) */
	END_REMOVED,   /* the card left the reader */
	END_MUTE,      /* the card did not answer a command */
	END_STOP,      /* SIGTERM/SIGINT */
} serve_end;

static int serve_control(cardsim *cs, int fd, uint8_t ctrl)
{
	switch (ctrl) {
	case VPCD_CTRL_OFF:
		sscard_sim_power_off(cs->sim);
		return LINK_OK;
	case VPCD_CTRL_ON:
	case VPCD_CTRL_RESET:
		cs->atr_len = sizeof cs->atr;
		if (sscard_sim_power_on(cs->sim, ctrl == VPCD_CTRL_ON, cs->atr, &cs->atr_len) != SSCARD_OK)
			cs->atr_len = 0;
		if (cs->trace)
			fprintf(stderr, "cardsim: %s\n", ctrl == VPCD_CTRL_ON ? "power on" : "reset");
		return LINK_OK;
	case VPCD_CTRL_ATR:
		if (cs->atr_len == 0)
			return LINK_LOST; /* no ATR: look like an empty reader */
		return link_write(fd, cs->atr, cs->atr_len);
	default:
		fprintf(stderr, "cardsim: unknown vpcd control message %u ignored\n", ctrl);
		return LINK_OK;
	}
}

/* Answer one C-APDU; returns how serving goes on (END_* < 0 not used:
 * 1 = keep serving). */
static int serve_apdu(cardsim *cs, int fd, const uint8_t *capdu, size_t clen, serve_end *end)
{
	uint8_t rapdu[VPCD_MSG_MAX];
	size_t rlen = sizeof rapdu;
	trace(cs, "C: ", capdu, clen, apdu_sensitive(capdu, clen));
	sscard_rc rc = sscard_sim_apdu(cs->sim, capdu, clen, rapdu, &rlen);
	unsigned delay = sscard_sim_delay_ms(cs->sim);
	if (delay)
		sleep_ms(delay);
	if (rc != SSCARD_OK && cs->trace)
		fprintf(stderr, "cardsim: R: (no answer: %s)\n", sscard_strerror(rc));
	if (rc == SSCARD_E_CARD_REMOVED) {
		card_remove(cs);
		*end = END_REMOVED;
		return 0;
	}
	if (rc != SSCARD_OK) {
		*end = END_MUTE;
		return 0;
	}
	trace(cs, "R: ", rapdu, rlen, false);
	if (link_write(fd, rapdu, rlen) != LINK_OK) {
		*end = END_LINK_LOST;
		return 0;
	}
	card_count_apdu(cs);
	if (!cs->inserted) {
		*end = END_REMOVED; /* --swap-after: this was the last answer */
		return 0;
	}
	return 1;
}

/* Serve one vpcd connection until it drops, the card goes away or we are
 * told to stop. */
static serve_end serve(cardsim *cs, int fd)
{
	static uint8_t body[VPCD_MSG_MAX];
	serve_end end = END_LINK_LOST;
	for (;;) {
		uint8_t hdr[2];
		if (stop_requested)
			return END_STOP;
		int r = link_read(fd, hdr, sizeof hdr, true);
		if (r == LINK_SIGNAL || r == LINK_OK)
			card_events(cs);
		if (!cs->inserted)
			return END_REMOVED;
		if (r == LINK_SIGNAL)
			continue;
		if (r != LINK_OK)
			return stop_requested ? END_STOP : END_LINK_LOST;
		size_t len = (size_t)hdr[0] << 8 | hdr[1];
		if (link_read(fd, body, len, false) != LINK_OK)
			return stop_requested ? END_STOP : END_LINK_LOST;
		if (len == 1) {
			if (serve_control(cs, fd, body[0]) != LINK_OK)
				return cs->atr_len == 0 ? END_REMOVED : END_LINK_LOST;
		} else if (len > 1) {
			if (!serve_apdu(cs, fd, body, len, &end))
				return end;
		}
	}
}

/* ---- main --------------------------------------------------------------- */

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end = NULL;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end != '\0' || v > max || s[0] == '-')
		return -1;
	*out = v;
	return 0;
}

static int parse_args(cardsim *cs, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "host", required_argument, NULL, 'H' },
		{ "trace", no_argument, NULL, 't' },
		{ "swap-after", required_argument, NULL, 's' },
		{ "removed-ms", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v;
	int c;
	while ((c = getopt_long(argc, argv, "p:H:ts:r:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (parse_uint(optarg, 65535, &v) != 0 || v == 0)
				return fprintf(stderr, "cardsim: bad --port '%s'\n", optarg), 2;
			cs->port = (unsigned)v;
			break;
		case 'H':
			cs->host = optarg;
			break;
		case 't':
			cs->trace = true;
			break;
		case 's':
			if (parse_uint(optarg, 1000000000, &v) != 0 || v == 0 || optind >= argc)
				return fprintf(stderr, "cardsim: --swap-after needs N > 0 and PROFILE2\n"), 2;
			cs->swap_after = v;
			cs->swap_profile = argv[optind++];
			break;
		case 'r':
			if (parse_uint(optarg, 600000, &v) != 0)
				return fprintf(stderr, "cardsim: bad --removed-ms '%s'\n", optarg), 2;
			cs->removed_ms = (unsigned)v;
			break;
		case 'h':
			usage(stdout, argv[0]);
			return -1;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr, argv[0]);
		return 2;
	}
	cs->profile = argv[optind];
	return 0;
}

static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop; /* no SA_RESTART: a blocked recv returns EINTR */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_toggle;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

int main(int argc, char **argv)
{
	cardsim cs = { .host = "127.0.0.1", .port = VPCD_DEFAULT_PORT,
	               .removed_ms = DEFAULT_REMOVED_MS };
	int r = parse_args(&cs, argc, argv);
	if (r != 0)
		return r < 0 ? 0 : r;
	install_signals();
	setvbuf(stderr, NULL, _IOLBF, 0);
	if (card_insert(&cs, cs.profile) != 0)
		return 1;
	/* Check the swap card now rather than fail in the middle of a test. */
	if (cs.swap_profile) {
		char err[512] = "";
		sscard_sim *probe = NULL;
		if (sscard_sim_load(cs.swap_profile, &probe, err, sizeof err) != SSCARD_OK) {
			fprintf(stderr, "cardsim: %s: %s\n", cs.swap_profile, err);
			sscard_sim_free(&cs.sim);
			return 1;
		}
		sscard_sim_free(&probe);
	}
	bool said_waiting = false;
	while (!stop_requested) {
		card_events(&cs);
		/* A removed card, or one without an ATR, is an empty reader:
		 * stay disconnected until it is (re)inserted. */
		if (!cs.inserted || cs.atr_len == 0) {
			sleep_ms(20);
			continue;
		}
		int fd = link_connect(&cs);
		if (fd < 0) {
			if (!said_waiting)
				fprintf(stderr, "cardsim: waiting for vpcd on %s:%u\n", cs.host, cs.port);
			said_waiting = true;
			sleep_ms(RECONNECT_MS);
			continue;
		}
		if (cs.trace || said_waiting)
			fprintf(stderr, "cardsim: connected to vpcd on %s:%u\n", cs.host, cs.port);
		said_waiting = false;
		serve_end end = serve(&cs, fd);
		close(fd);
		if (end == END_LINK_LOST) {
			fprintf(stderr, "cardsim: vpcd closed the connection; reconnecting\n");
			sleep_ms(RECONNECT_MS);
		} else if (end == END_MUTE && cs.trace) {
			fprintf(stderr, "cardsim: mute: connection dropped, reconnecting at once\n");
		}
	}
	sscard_sim_free(&cs.sim);
	fprintf(stderr, "cardsim: stopped\n");
	return 0;
}
