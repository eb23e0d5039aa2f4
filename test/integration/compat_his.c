/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * compat_his LIB PSAM_MAP: a hospital information system's day with
 * libsscard-compat, loaded by dlopen() + dlsym() (no header, no link-time
 * dependency), through the private pcscd + vpcd + cardsim of sandbox.sh:
 * healthy-v3 in the first slot, the PSAM (vectors/cards/psam.json) in the
 * second, the PSAM map copied with mode 600 as SSCARD_COMPAT_KEYSTORE.
 *   1. iReadCard of SSSE EF05/EF06 with the PSAM's key (iAuthType 2),
 *      DF04 with the PIN (iAuthType 1), and EF0D;
 *   2. iWriteCard of the name with the PSAM, read back by iReadCard in a
 *      new connection (cardsim keeps the card between them);
 *   3. the PIN blocked by three wrong iVerifyPIN, iUnblockPIN with the
 *      PSAM, iVerifyPIN; iReloadPIN with a new PIN, iVerifyPIN with it;
 *   4. iGetCardType.
 * Exit 0 when all hold, 1 otherwise (each failure printed).
 */
#include <dlfcn.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define INFO "110100D15600000500A1B2C3D4E5F607|A00000019|"

typedef long (*read_fn)(int, int, char *, char *, char *);
typedef long (*write_fn)(int, char *, char *, char *, char *);
typedef long (*pin_fn)(int, char *);
typedef long (*admin_fn)(int, char *, char *);
typedef long (*type_fn)(unsigned char *, char *);

static int failures;

static void convert(const char *to, const char *from, const char *in, char *out, size_t outsz)
{
	iconv_t cd = iconv_open(to, from);
	char *ip = (char *)(uintptr_t)in, *op = out;
	size_t inleft = strlen(in), outleft = outsz - 1;

	if (cd == (iconv_t)-1 || iconv(cd, &ip, &inleft, &op, &outleft) == (size_t)-1)
		snprintf(out, outsz, "(not convertible)");
	else
		*op = '\0';
	if (cd != (iconv_t)-1)
		iconv_close(cd);
}

/* Compare a call's code and GBK output with the expected UTF-8 text
 * (NULL: any text). */
static void expect(const char *what, long code, const char *gbk, long want,
                   const char *want_text)
{
	char text[2048];
	int ok;

	convert("UTF-8", "GBK", gbk, text, sizeof(text));
	ok = code == want && (!want_text || strstr(text, want_text) == text);
	printf("%s %s: %ld \"%s\"\n", ok ? "ok  " : "FAIL", what, code, text);
	failures += !ok;
}

static void *sym(void *lib, const char *name)
{
	void *p = dlsym(lib, name);

	if (!p) {
		printf("FAIL %s not exported\n", name);
		exit(1);
	}
	return p;
}

static long call_read(void *lib, int auth, const char *addr, char *out)
{
	read_fn fn;
	char info[] = INFO, fa[512];

	*(void **)&fn = sym(lib, "iReadCard");
	snprintf(fa, sizeof(fa), "%s", addr);
	return fn(1, auth, info, fa, out);
}

static int use_psam(const char *map)
{
	const char *dir = getenv("SSCARD_SANDBOX_DIR"), *reader = getenv("SSCARD_SANDBOX_READER2");
	char path[512], line[512];
	FILE *in, *out;

	if (!dir || !reader)
		return 0;
	snprintf(path, sizeof(path), "%s/compat-his.map", dir);
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

static void reads(void *lib)
{
	char out[1024];
	long code;

	code = call_read(lib, 2, "SSSEEF05|06|07|$SSSEEF06|08|09|$", out);
	expect("iReadCard SSSE EF05/EF06 with the PSAM", code, out, 0,
	       "SSSEEF05|20310315|A00000019|$SSSEEF06|110101198101011117|张三|$");
	setenv("SSCARD_COMPAT_PIN", "123456", 1);
	code = call_read(lib, 1, "DF04EF05|84|80|8B|$DF04EF06|90|93|$", out);
	expect("iReadCard DF04 with the PIN", code, out, 0,
	       "DF04EF05|110100|20210315|1101000000000019|$DF04EF06|1|02|$");
	code = call_read(lib, 1, "SSSEEF0D|EA|EB|$", out);
	expect("iReadCard EF0D", code, out, 0, "SSSEEF0D|110101000017|110100|$");
	unsetenv("SSCARD_COMPAT_PIN");
}

static void write_and_read_back(void *lib)
{
	write_fn fn;
	char info[] = INFO, fa[] = "SSSEEF06|09|$", data[64], out[1024];
	long code;

	*(void **)&fn = sym(lib, "iWriteCard");
	convert("GBK", "UTF-8", "王五|", data, sizeof(data));
	code = fn(1, info, fa, data, out);
	expect("iWriteCard the name with the PSAM", code, out, 0, "");
	code = call_read(lib, 2, "SSSEEF06|09|$", out);
	expect("iReadCard reads the new name back", code, out, 0, "SSSEEF06|王五|$");
}

static void pin_admin(void *lib)
{
	pin_fn verify;
	admin_fn unblock, reload;
	char info[] = INFO, out[1024];
	long code;

	*(void **)&verify = sym(lib, "iVerifyPIN");
	*(void **)&unblock = sym(lib, "iUnblockPIN");
	*(void **)&reload = sym(lib, "iReloadPIN");
	setenv("SSCARD_COMPAT_PIN", "000000", 1);
	for (int i = 0; i < 3; i++)
		verify(1, out);
	setenv("SSCARD_COMPAT_PIN", "123456", 1);
	code = verify(1, out);
	expect("iVerifyPIN after three wrong PINs", code, out, -52, "密码已锁定");
	code = unblock(1, info, out);
	expect("iUnblockPIN with the PSAM", code, out, 0, "");
	code = verify(1, out);
	expect("iVerifyPIN after the unblock", code, out, 0, "");
	setenv("SSCARD_COMPAT_NEW_PIN", "654321", 1);
	code = reload(1, info, out);
	expect("iReloadPIN with the PSAM", code, out, 0, "");
	setenv("SSCARD_COMPAT_PIN", "654321", 1);
	code = verify(1, out);
	expect("iVerifyPIN with the reloaded PIN", code, out, 0, "");
	unsetenv("SSCARD_COMPAT_PIN");
	unsetenv("SSCARD_COMPAT_NEW_PIN");
}

int main(int argc, char **argv)
{
	unsigned char type[8] = "";
	char out[1024];
	type_fn get_type;
	void *lib;
	long code;

	if (argc != 3) {
		fprintf(stderr, "usage: compat_his LIB PSAM_MAP\n");
		return 2;
	}
	if (!use_psam(argv[2])) {
		fprintf(stderr, "FAIL cannot set up the PSAM map (outside sandbox.sh?)\n");
		return 1;
	}
	lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		fprintf(stderr, "FAIL dlopen: %s\n", dlerror());
		return 1;
	}
	unsetenv("SSCARD_READER");
	unsetenv("SSCARD_COMPAT_CONTACT");
	reads(lib);
	write_and_read_back(lib);
	pin_admin(lib);
	*(void **)&get_type = sym(lib, "iGetCardType");
	code = get_type(type, out);
	expect("iGetCardType", code, out, 0, "3|3.00|");
	dlclose(lib);
	printf("%s\n", failures ? "FAILED" : "PASSED");
	return failures ? 1 : 0;
}
