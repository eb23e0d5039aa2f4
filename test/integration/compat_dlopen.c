/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * compat_dlopen LIB EXPECTED [PSAM_MAP]: load libsscard-compat the way a hospital
 * information system does (dlopen + dlsym, no headers, no link-time
 * dependency) and read the card that sandbox.sh serves through a private
 * pcscd + vpcd + cardsim.
 *
 * EXPECTED is the iReadCardBas output in UTF-8 (the library writes GBK;
 * converted back here). Checks, in order:
 *   1. iType 1 with no reader configured: the contact reader is found on
 *      the PC/SC list ("Virtual PCD 00 00" does not look contactless);
 *   2. iType 2: vpcd offers no contactless reader: -11 with its message;
 *      iType 4 falls back to the contact reader;
 *   3. four threads reading at once (JNA / P/Invoke style callers), each
 *      getting the same answer;
 *   4. iVerifyPIN with SSCARD_COMPAT_PIN (vpcd has no PIN pad);
 *   5. only the customary functions are exported;
 *   6. with PSAM_MAP, iGetReaderInfo gives the PSAM's terminal number,
 *      the one in field 10 of EXPECTED.
 * With PSAM_MAP, the PSAM in the second slot ($SSCARD_SANDBOX_READER2)
 * authenticates every read (SSCARD_COMPAT_PSAM, the map copied with mode
 * 600 into $SSCARD_SANDBOX_DIR as SSCARD_COMPAT_KEYSTORE), so a 3.0
 * card gives its holder fields, from four threads at once too.
 * Run it with the card in the first slot, and again with
 * vectors/cards/psam.json in the first slot and the card in the second:
 * the automatic choice must skip the PSAM for the social security card.
 * Exit 0 when all hold, 1 otherwise (each failure printed).
 */
#define _GNU_SOURCE /* dladdr */
#include <dlfcn.h>
#include <iconv.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef long (*itype_fn)(int iType, char *pOutInfo);

#define THREADS 4
#define READS_PER_THREAD 3

static itype_fn read_card_bas, verify_pin;
static const char *expected;
static int failures;

static void to_utf8(const char *gbk, char *out, size_t outsz)
{
	iconv_t cd = iconv_open("UTF-8", "GBK");
	char *ip = (char *)(uintptr_t)gbk, *op = out;
	size_t inleft = strlen(gbk), outleft = outsz - 1;

	if (cd == (iconv_t)-1 || iconv(cd, &ip, &inleft, &op, &outleft) == (size_t)-1)
		snprintf(out, outsz, "(not GBK)");
	else
		*op = '\0';
	if (cd != (iconv_t)-1)
		iconv_close(cd);
}

static void check(int ok, const char *what, long code, const char *gbk)
{
	char text[2048];

	to_utf8(gbk, text, sizeof(text));
	printf("%s %s: %ld \"%s\"\n", ok ? "ok  " : "FAIL", what, code, text);
	if (!ok)
		failures++;
}

static int read_matches(int iType, const char *what)
{
	char out[1024], text[2048];
	long code = read_card_bas(iType, out);

	to_utf8(out, text, sizeof(text));
	check(code == 0 && strcmp(text, expected) == 0, what, code, out);
	return code == 0 && strcmp(text, expected) == 0;
}

static void *reader_thread(void *arg)
{
	int *ok = arg;

	for (int i = 0; i < READS_PER_THREAD; i++) {
		char out[1024], text[2048];
		long code = read_card_bas(1, out);

		to_utf8(out, text, sizeof(text));
		if (code != 0 || strcmp(text, expected) != 0) {
			printf("FAIL thread read %d: %ld \"%s\"\n", i, code, text);
			*ok = 0;
		}
	}
	return NULL;
}

static void threads(void)
{
	pthread_t t[THREADS];
	int ok[THREADS];

	for (int i = 0; i < THREADS; i++) {
		ok[i] = 1;
		if (pthread_create(&t[i], NULL, reader_thread, &ok[i]) != 0) {
			printf("FAIL pthread_create\n");
			failures++;
			return;
		}
	}
	int bad = 0;

	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		bad += !ok[i];
	}
	failures += bad;
	printf("%s %d threads x %d reads at once\n", bad ? "FAIL" : "ok  ", THREADS,
	       READS_PER_THREAD);
}

/* Copy the PSAM map where only we may read it (the library refuses a
 * map others can read, like a keystore) and point the library at it and
 * at the PSAM's reader. */
static int use_psam(const char *map)
{
	const char *dir = getenv("SSCARD_SANDBOX_DIR"), *reader = getenv("SSCARD_SANDBOX_READER2");
	char path[512], line[512];
	FILE *in, *out;

	if (!dir || !reader)
		return 0;
	snprintf(path, sizeof(path), "%s/compat-psam.map", dir);
	in = fopen(map, "r");
	out = fopen(path, "w");
	if (!in || !out)
		return 0;
	while (fgets(line, sizeof(line), in))
		fputs(line, out);
	fclose(in);
	if (fclose(out) != 0 || chmod(path, 0600) != 0)
		return 0;
	setenv("SSCARD_COMPAT_KEYSTORE", path, 1);
	setenv("SSCARD_COMPAT_PSAM", reader, 1);
	return 1;
}

/* iGetReaderInfo: the PSAM's terminal number, which is also field 10 of
 * the expected iReadCardBas answer. */
static void psam_terminal(void *lib)
{
	long (*get_reader_info)(char *, char *);
	char sn[1024], term[1024], want[64] = "";
	const char *p = expected;
	long code;

	*(void **)&get_reader_info = dlsym(lib, "iGetReaderInfo");
	for (int field = 1; field < 10 && p; field++) {
		p = strchr(p, '|');
		p = p ? p + 1 : NULL;
	}
	if (p && strchr(p, '|') && (size_t)(strchr(p, '|') - p) < sizeof(want))
		memcpy(want, p, (size_t)(strchr(p, '|') - p));
	code = get_reader_info ? get_reader_info(sn, term) : -1;
	check(code == 0 && want[0] && strcmp(term, want) == 0 && sn[0] == '\0',
	      "iGetReaderInfo: the PSAM's terminal number", code, term);
}

int main(int argc, char **argv)
{
	static const char *const exported[] = { "iReadCardBas", "iVerifyPIN", "iChangePIN",
		                                "iReadCardBas_HSM_Step1", "iReadCardBas_HSM_Step2",
		                                "iGetReaderInfo", "iReadCard", "iWriteCard",
		                                "iGetCardType", "iReloadPIN", "iUnblockPIN",
		                                "iReadCard_HSM_Step1", "iReadCard_HSM_Step2",
		                                "iWriteCard_HSM_Step1", "iWriteCard_HSM_Step2",
		                                "iReloadPIN_HSM_Step1", "iReloadPIN_HSM_Step2",
		                                "iReloadPIN_HSM_Step3", "iUnblockPIN_HSM_Step1",
		                                "iUnblockPIN_HSM_Step2", "iUnblockPIN_HSM_Step3" };
	static const char *const hidden[] = { "compat_fail", "compat_connect",
		                              "compat_utf8_to_gbk", "compat_format_basic" };
	char out[1024];
	void *lib;
	long code;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: compat_dlopen LIB EXPECTED [PSAM_MAP]\n");
		return 2;
	}
	expected = argv[2];
	if (argc == 4 && !use_psam(argv[3])) {
		fprintf(stderr, "FAIL cannot set up the PSAM map (outside sandbox.sh?)\n");
		return 1;
	}
	lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		fprintf(stderr, "FAIL dlopen: %s\n", dlerror());
		return 1;
	}
	for (size_t i = 0; i < sizeof(exported) / sizeof(exported[0]); i++)
		if (!dlsym(lib, exported[i])) {
			printf("FAIL %s not exported\n", exported[i]);
			failures++;
		}
	for (size_t i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++)
		if (dlsym(lib, hidden[i])) {
			printf("FAIL %s exported by the compat library\n", hidden[i]);
			failures++;
		}
	/* libsscard's own functions come from libsscard.so, not from a copy
	 * inside the compat library */
	{
		Dl_info info;
		void *sym = dlsym(lib, "sscard_ctx_new");

		if (!sym || !dladdr(sym, &info) || !strstr(info.dli_fname, "libsscard.so")) {
			printf("FAIL sscard_ctx_new does not come from libsscard.so\n");
			failures++;
		}
	}
	*(void **)&read_card_bas = dlsym(lib, "iReadCardBas");
	*(void **)&verify_pin = dlsym(lib, "iVerifyPIN");
	if (!read_card_bas || !verify_pin)
		return 1;

	unsetenv("SSCARD_READER");
	unsetenv("SSCARD_COMPAT_CONTACT");
	unsetenv("SSCARD_COMPAT_CONTACTLESS");
	read_matches(1, "iReadCardBas(1) by the PC/SC list");
	code = read_card_bas(2, out);
	check(code == -11, "iReadCardBas(2) with no contactless reader", code, out);
	read_matches(4, "iReadCardBas(4) falls back to contact");
	read_matches(3, "iReadCardBas(3)");
	threads();

	setenv("SSCARD_COMPAT_PIN", "123456", 1);
	code = verify_pin(1, out);
	check(code == 0 && out[0] == '\0', "iVerifyPIN(1)", code, out);
	setenv("SSCARD_COMPAT_PIN", "000000", 1);
	code = verify_pin(1, out);
	check(code == -51, "iVerifyPIN(1) wrong PIN", code, out);
	unsetenv("SSCARD_COMPAT_PIN");

	if (argc == 4)
		psam_terminal(lib);
	dlclose(lib);
	printf("%s\n", failures ? "FAILED" : "PASSED");
	return failures ? 1 : 0;
}
