/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libsscard-compat (the ministry-style iReadCardBas interface) against
 * the in-process simulator: exact output strings (GBK, converted back
 * here), customary codes for faulty cards, PIN handling, reader
 * selection by iType, and the documented output maxima.
 */
#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <sscard/atr.h>

#include "compat_int.h"
#include "elements.h"

#include "hsm_backend.h"
#include "session.h"

#define CANARY 0x5A

/* ---- helpers ---------------------------------------------------------------- */

static char tmpdir[64];

static int make_tmpdir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_compat.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static void remove_path(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	unlink(path);
}

static int remove_tmpdir(void **state)
{
	(void)state;
	remove_path("profile.json");
	remove_path("keystore");
	return rmdir(tmpdir);
}

/* A clean environment before each test: no reader, PIN or keystore
 * chosen by an earlier test or by the developer's shell. */
static int clean_env(void **state)
{
	(void)state;
	unsetenv("SSCARD_READER");
	unsetenv(SSCARD_COMPAT_ENV_CONTACT);
	unsetenv(SSCARD_COMPAT_ENV_CONTACTLESS);
	unsetenv(SSCARD_COMPAT_ENV_PIN);
	unsetenv(SSCARD_COMPAT_ENV_NEW_PIN);
	unsetenv(SSCARD_COMPAT_ENV_KEYSTORE);
	unsetenv(SSCARD_COMPAT_ENV_PSAM);
	return 0;
}

static void shipped(const char *profile, char *out, size_t outsz)
{
	const char *dir = getenv("SSCARD_VECTORS");

	assert_non_null(dir);
	snprintf(out, outsz, "sim:%s/cards/%s.json", dir, profile);
}

static void use_contact(const char *profile)
{
	char reader[512];

	shipped(profile, reader, sizeof(reader));
	setenv(SSCARD_COMPAT_ENV_CONTACT, reader, 1);
}

static void gbk_to_utf8(const char *gbk, char *out, size_t outsz)
{
	iconv_t cd = iconv_open("UTF-8", "GBK");
	char *ip = (char *)(uintptr_t)gbk, *op = out;
	size_t inleft = strlen(gbk), outleft = outsz - 1;

	assert_true(cd != (iconv_t)-1);
	assert_true(iconv(cd, &ip, &inleft, &op, &outleft) != (size_t)-1);
	iconv_close(cd);
	*op = '\0';
}

/*
 * Call fn into a customary 1024-byte buffer full of canaries; check that
 * it wrote a string no longer than `max` (NUL included) and nothing
 * past it; return the code with the text as UTF-8 in out.
 */
static long call_checked(long (*fn)(int, char *), int iType, size_t max, char *out,
                         size_t outsz)
{
	char buf[SSCARD_COMPAT_OUT_BUFFER];
	long code;

	memset(buf, CANARY, sizeof(buf));
	code = fn(iType, buf);
	assert_non_null(memchr(buf, '\0', max));
	/* nothing past the documented maximum; before it, after the text,
	 * only NULs (a failed read leaves no half-built fields behind) */
	for (size_t i = strlen(buf) + 1; i < sizeof(buf); i++)
		assert_true((unsigned char)buf[i] == CANARY || (i < max && buf[i] == '\0'));
	gbk_to_utf8(buf, out, outsz);
	return code;
}

static long read_bas(int iType, char *out, size_t outsz)
{
	long code = call_checked(iReadCardBas, iType, SSCARD_COMPAT_READCARDBAS_MAX, out, outsz);

	if (code != 0) /* a message, and messages have their own maximum */
		assert_true(strlen(out) < 3 * SSCARD_COMPAT_MESSAGE_MAX);
	return code;
}

static long verify_pin(int iType, char *out, size_t outsz)
{
	return call_checked(iVerifyPIN, iType, SSCARD_COMPAT_MESSAGE_MAX, out, outsz);
}

static long change_pin(int iType, char *out, size_t outsz)
{
	return call_checked(iChangePIN, iType, SSCARD_COMPAT_MESSAGE_MAX, out, outsz);
}

/* Write a profile into the temporary directory; returns "sim:PATH". */
static const char *write_profile(const char *json)
{
	static char reader[128];
	char path[96];
	FILE *f;

	snprintf(path, sizeof(path), "%s/profile.json", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_true(fputs(json, f) >= 0);
	assert_int_equal(fclose(f), 0);
	snprintf(reader, sizeof(reader), "sim:%s", path);
	return reader;
}

/* ---- reading the shipped profiles ------------------------------------------------ */

static void test_read_healthy_v2(void **state)
{
	char buf[SSCARD_COMPAT_OUT_BUFFER], out[1024];

	(void)state;
	use_contact("healthy-v2");
	assert_int_equal(read_bas(SSCARD_COMPAT_CONTACT, out, sizeof(out)), 0);
	assert_string_equal(out, "630100|630102197503150025|X00000019|"
	                         "630100D1560000050087CF2001864961|李四|"
	                         "0087CF20018649618C009773F5|2.00|20180620|20280620|||");
	/* and the name really is GBK on the way out: 李 C0EE, 四 CBC4 */
	assert_int_equal(iReadCardBas(SSCARD_COMPAT_CONTACT, buf), 0);
	assert_non_null(strstr(buf, "|\xC0\xEE\xCB\xC4|"));
}

/* A 3.0 card read without the RKSSSE key: EF06 is withheld (6982) and
 * the holder fields stay empty, as the customary interface has it. */
static void test_read_healthy_v3_without_key(void **state)
{
	char out[1024];

	(void)state;
	use_contact("healthy-v3");
	assert_int_equal(read_bas(SSCARD_COMPAT_CONTACT, out, sizeof(out)), 0);
	assert_string_equal(out, "110100||A00000019|110100D15600000500A1B2C3D4E5F607||"
	                         "00905431168660130425001C4E|3.00|20210315|20310315|||");
}

/* SSCARD_READER (libsscard's own variable) serves as the contact reader. */
static void test_read_via_sscard_reader(void **state)
{
	char reader[512], out[1024];

	(void)state;
	shipped("healthy-v2", reader, sizeof(reader));
	setenv("SSCARD_READER", reader, 1);
	assert_int_equal(read_bas(SSCARD_COMPAT_CONTACT, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "|李四|"));
}

/* The customary codes and messages for faulty cards. */
static void test_read_faulty_profiles(void **state)
{
	static const struct {
		const char *profile;
		long code;
		const char *message; /* UTF-8; NULL: success */
	} cases[] = {
		{ "mute", SSCARD_COMPAT_NO_RESPONSE, "卡片无应答" },
		{ "mute-after", SSCARD_COMPAT_NO_RESPONSE, "卡片无应答" },
		{ "removed", SSCARD_COMPAT_NO_CARD, "无卡" },
		{ "chip-error", -0x6581, "卡片返回状态字6581: 存储器故障(社会保障号码)" },
		{ "corrupt-record", SSCARD_COMPAT_DATA_INVALID, "数据无效(卡号)" },
		{ "bad-ssn", SSCARD_COMPAT_DATA_MISMATCH, "数据不一致(社会保障号码)" },
		{ "bad-date", SSCARD_COMPAT_DATA_MISMATCH, "数据不一致(发卡日期)" },
		{ "app-locked", -37635, "卡片返回状态字9303: 应用已永久锁定" },
		{ "app-blocked", -0x6283, "卡片返回状态字6283: 所选应用已临时锁定" },
		/* expiry is the HIS's business: the data are read */
		{ "expired", 0, NULL },
		{ "temporary", 0, NULL },
		{ "pin-blocked", 0, NULL },
	};
	char out[1024];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long code;

		use_contact(cases[i].profile);
		code = read_bas(SSCARD_COMPAT_CONTACT, out, sizeof(out));
		if (code != cases[i].code)
			fail_msg("%s: %ld \"%s\", expected %ld", cases[i].profile, code, out,
			         cases[i].code);
		if (cases[i].message)
			assert_string_equal(out, cases[i].message);
		else
			assert_non_null(strstr(out, "|李四|"));
	}
}

/* Several threads calling at once, as JNA / P/Invoke callers do: each
 * call has its own context and card, so every answer is whole and right. */
#define THREADS 4
#define READS_PER_THREAD 3

static void *reader_thread(void *arg)
{
	int *ok = arg;

	for (int i = 0; i < READS_PER_THREAD; i++) {
		char buf[SSCARD_COMPAT_OUT_BUFFER];

		*ok = *ok && iReadCardBas(SSCARD_COMPAT_CONTACT, buf) == 0 &&
		      strstr(buf, "|\xC0\xEE\xCB\xC4|") != NULL;
	}
	return NULL;
}

static void test_read_from_threads(void **state)
{
	pthread_t t[THREADS];
	int ok[THREADS];

	(void)state;
	use_contact("healthy-v2");
	for (int i = 0; i < THREADS; i++) {
		ok[i] = 1;
		assert_int_equal(pthread_create(&t[i], NULL, reader_thread, &ok[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_true(ok[i]);
	}
}

/* ---- profiles made here: maximum lengths and hostile values -------------------- */

/* A 3.0 card whose EF06 is free to read, so the holder fields come out
 * without keys; %s are the ATR, the name and the name extension. */
static const char *const v3_open_profile =
	"{ \"description\": \"test_compat: longest fields\", \"version\": 3,"
	"  \"algorithm\": \"sm4\", \"atr\": \"%s\", \"protocol\": 0,"
	"  \"elements\": { \"card_id\": \"110100D15600000500A1B2C3D4E5F607\","
	"    \"card_type\": \"3\", \"spec_version\": \"3.00\", \"issuer\": \"110100000001\","
	"    \"issue_date\": \"2021-03-15\", \"expiry_date\": \"2031-03-15\","
	"    \"card_number\": \"A00000019\", \"ssn\": \"110101198101011117\","
	"    \"name\": \"%s\", \"name_ext\": \"%s\", \"sex\": \"1\", \"ethnicity\": \"01\","
	"    \"birthplace\": \"110101\", \"birth_date\": \"1981-01-01\" },"
	"  \"files\": { \"SSSE/EF06\": { \"read\": \"free\" } },"
	"  \"pin\": { \"value\": \"123456\", \"tries\": 3, \"max\": 3 }, \"keys\": [] }";

static long read_open_v3(const char *atr, const char *name, const char *ext, char *out,
                         size_t outsz)
{
	char json[2048];

	snprintf(json, sizeof(json), v3_open_profile, atr, name, ext);
	setenv(SSCARD_COMPAT_ENV_CONTACT, write_profile(json), 1);
	return read_bas(SSCARD_COMPAT_CONTACT, out, outsz);
}

/* Every field at its longest: 15 + 10 Chinese characters of name (30 + 20
 * GBK bytes), 15 historical bytes. Nothing is cut, nothing passes the
 * documented maximum (call_checked checks the bytes after it). */
static void test_read_longest_fields(void **state)
{
	static const char name[] = "测试姓名最长十五个汉字的名字啊";
	static const char ext[] = "扩展部分也有十个汉字";
	static const char atr[] = "3B6F0000" "009054311686601304250011223344";
	char gbk[SSCARD_COMPAT_OUT_BUFFER], out[1024], want[1024];

	(void)state;
	assert_int_equal(read_open_v3(atr, name, ext, out, sizeof(out)), 0);
	snprintf(want, sizeof(want), "110100|110101198101011117|A00000019|"
	         "110100D15600000500A1B2C3D4E5F607|%s%s|009054311686601304250011223344|"
	         "3.00|20210315|20310315|||", name, ext);
	assert_string_equal(out, want);
	/* 6+18+9+32+50+30+4+8+8 field bytes, 11 separators */
	assert_int_equal(iReadCardBas(SSCARD_COMPAT_CONTACT, gbk), 0);
	assert_int_equal(strlen(gbk), 165 + 11);
	assert_true(strlen(gbk) + 1 <= SSCARD_COMPAT_READCARDBAS_MAX);
}

/* A '|' inside a field would shift every field after it: refused. */
static void test_read_pipe_in_name(void **state)
{
	char out[1024];

	(void)state;
	assert_int_equal(read_open_v3("3B6D000000905431168660130425001C4E", "A|B", "", out,
	                              sizeof(out)),
	                 SSCARD_COMPAT_DATA_INVALID);
	assert_string_equal(out, "数据无效");
}

/* ---- with a keystore: 3.0 holder fields ---------------------------------------- */

/* Copy $SSCARD_VECTORS/sm/NAME into the temporary directory with `mode`
 * (git checks keystores out 644; the library wants 600) and name it in
 * SSCARD_COMPAT_KEYSTORE. */
static void use_keystore(const char *name, mode_t mode)
{
	char src[512], dst[128], line[256];
	FILE *in, *out;

	snprintf(src, sizeof(src), "%s/sm/%s", getenv("SSCARD_VECTORS"), name);
	snprintf(dst, sizeof(dst), "%s/keystore", tmpdir);
	in = fopen(src, "r");
	assert_non_null(in);
	unlink(dst);
	out = fopen(dst, "w");
	assert_non_null(out);
	while (fgets(line, sizeof(line), in))
		assert_true(fputs(line, out) >= 0);
	fclose(in);
	assert_int_equal(fclose(out), 0);
	assert_int_equal(chmod(dst, mode), 0);
	setenv(SSCARD_COMPAT_ENV_KEYSTORE, dst, 1);
}

static void test_read_v3_with_keystore(void **state)
{
	char out[1024];

	(void)state;
	use_contact("healthy-v3");
	use_keystore("healthy-v3.keys", 0600);
	assert_int_equal(read_bas(SSCARD_COMPAT_CONTACT, out, sizeof(out)), 0);
	assert_string_equal(out, "110100|110101198101011117|A00000019|"
	                         "110100D15600000500A1B2C3D4E5F607|张三|"
	                         "00905431168660130425001C4E|3.00|20210315|20310315|||");
	/* other issuers' keys: the card refuses them */
	use_keystore("wrong.keys", 0600);
	assert_int_equal(read_bas(SSCARD_COMPAT_CONTACT, out, sizeof(out)),
	                 SSCARD_COMPAT_KEY_LEVEL);
	assert_string_equal(out, "密钥权限不足或认证失败");
	/* a keystore others may read is refused like ssh refuses a key */
	use_keystore("healthy-v3.keys", 0644);
	assert_int_equal(read_bas(SSCARD_COMPAT_CONTACT, out, sizeof(out)),
	                 SSCARD_COMPAT_NO_RKSSSE);
	assert_string_equal(out, "无RKSSSE密钥");
	setenv(SSCARD_COMPAT_ENV_KEYSTORE, "/nonexistent/keystore", 1);
	assert_int_equal(read_bas(SSCARD_COMPAT_CONTACT, out, sizeof(out)),
	                 SSCARD_COMPAT_NO_RKSSSE);
}

/* A card that accepts the terminal's key but cannot prove its own. */
static void test_read_forged_card(void **state)
{
	char reader[512], out[1024];

	(void)state;
	snprintf(reader, sizeof(reader), "sim:%s/sm/v2-forged.json", getenv("SSCARD_VECTORS"));
	setenv(SSCARD_COMPAT_ENV_CONTACT, reader, 1);
	use_keystore("v2.keys", 0600);
	assert_int_equal(read_bas(SSCARD_COMPAT_CONTACT, out, sizeof(out)),
	                 SSCARD_COMPAT_NOT_GENUINE);
	assert_string_equal(out, "内部认证失败(卡片非法)");
}

/* The terminal's PSAM (its own simulated card, as in a reader's second
 * slot) does the cryptography; the map names its keys. */
static void test_read_v3_with_psam(void **state)
{
	char reader[512], out[1024];

	(void)state;
	use_contact("healthy-v3");
	shipped("psam", reader, sizeof(reader));
	setenv(SSCARD_COMPAT_ENV_PSAM, reader, 1);
	use_keystore("psam-sm4.map", 0600);
	assert_int_equal(read_bas(SSCARD_COMPAT_CONTACT, out, sizeof(out)), 0);
	/* and the terminal number is the PSAM's (EF16) */
	assert_string_equal(out, "110100|110101198101011117|A00000019|"
	                         "110100D15600000500A1B2C3D4E5F607|张三|"
	                         "00905431168660130425001C4E|3.00|20210315|20310315|"
	                         "410100813475||");
	/* a PSAM slot whose card does not answer: no PSAM */
	shipped("mute", reader, sizeof(reader));
	setenv(SSCARD_COMPAT_ENV_PSAM, reader, 1);
	assert_int_equal(read_bas(SSCARD_COMPAT_CONTACT, out, sizeof(out)),
	                 SSCARD_COMPAT_NO_PSAM);
	assert_string_equal(out, "无PSAM卡");
	/* a social security card in the PSAM slot: -2201, not "wrong card" */
	shipped("healthy-v2", reader, sizeof(reader));
	setenv(SSCARD_COMPAT_ENV_PSAM, reader, 1);
	assert_int_equal(read_bas(SSCARD_COMPAT_CONTACT, out, sizeof(out)),
	                 SSCARD_COMPAT_NO_PSAM);
	assert_non_null(strstr(out, "无PSAM卡"));
	/* a map with key lines is not a PSAM map: refused before any PSAM */
	use_keystore("healthy-v3.keys", 0600);
	assert_int_equal(read_bas(SSCARD_COMPAT_CONTACT, out, sizeof(out)),
	                 SSCARD_COMPAT_NO_RKSSSE);
}

static void test_get_reader_info(void **state)
{
	char sn[SSCARD_COMPAT_OUT_BUFFER], term[SSCARD_COMPAT_OUT_BUFFER], out[1024], reader[512];

	(void)state;
	memset(sn, CANARY, sizeof(sn));
	assert_int_equal(iGetReaderInfo(sn, term), SSCARD_COMPAT_NO_PSAM);
	assert_string_equal(sn, "");
	gbk_to_utf8(term, out, sizeof(out));
	assert_string_equal(out, "无PSAM卡(SSCARD_COMPAT_PSAM)");
	shipped("psam", reader, sizeof(reader));
	setenv(SSCARD_COMPAT_ENV_PSAM, reader, 1);
	memset(term, CANARY, sizeof(term));
	assert_int_equal(iGetReaderInfo(sn, term), 0);
	assert_string_equal(term, "410100813475");
	assert_int_equal((unsigned char)term[SSCARD_COMPAT_TERMNO_LEN + 1], CANARY);
	/* a social security card is no PSAM (it has no EF16): -2201, saying so */
	shipped("healthy-v2", reader, sizeof(reader));
	setenv(SSCARD_COMPAT_ENV_PSAM, reader, 1);
	assert_int_equal(iGetReaderInfo(sn, term), SSCARD_COMPAT_NO_PSAM);
	gbk_to_utf8(term, out, sizeof(out));
	assert_string_equal(out, "无PSAM卡(PSAM卡座中的卡不是PSAM卡)");
	shipped("mute", reader, sizeof(reader));
	setenv(SSCARD_COMPAT_ENV_PSAM, reader, 1);
	assert_int_equal(iGetReaderInfo(sn, term), SSCARD_COMPAT_NO_PSAM);
	assert_int_equal(iGetReaderInfo(NULL, term), SSCARD_COMPAT_BAD_PARAM);
	assert_int_equal(iGetReaderInfo(sn, NULL), SSCARD_COMPAT_BAD_PARAM);
}

/* ---- PIN ------------------------------------------------------------------------ */

static void test_verify_pin(void **state)
{
	char out[1024];

	(void)state;
	use_contact("healthy-v2");
	/* no PIN pad and no PIN in the environment: unsupported */
	assert_int_equal(verify_pin(SSCARD_COMPAT_CONTACT, out, sizeof(out)),
	                 SSCARD_COMPAT_UNSUPPORTED);
	assert_string_equal(out, "不支持该操作(SSCARD_COMPAT_PIN)");
	setenv(SSCARD_COMPAT_ENV_PIN, "123456", 1);
	assert_int_equal(verify_pin(SSCARD_COMPAT_CONTACT, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	/* one VERIFY per call: the simulated card counts 3 -> 2 */
	setenv(SSCARD_COMPAT_ENV_PIN, "000000", 1);
	assert_int_equal(verify_pin(SSCARD_COMPAT_CONTACT, out, sizeof(out)),
	                 SSCARD_COMPAT_PIN_CHECK_FAILED);
	assert_string_equal(out, "密码校验失败,还可尝试2次");
	/* malformed PINs never reach the card */
	setenv(SSCARD_COMPAT_ENV_PIN, "12345", 1);
	assert_int_equal(verify_pin(SSCARD_COMPAT_CONTACT, out, sizeof(out)),
	                 SSCARD_COMPAT_BAD_PARAM);
	setenv(SSCARD_COMPAT_ENV_PIN, "1234567", 1);
	assert_int_equal(verify_pin(SSCARD_COMPAT_CONTACT, out, sizeof(out)),
	                 SSCARD_COMPAT_BAD_PARAM);
	assert_string_equal(out, "参数错误(SSCARD_COMPAT_PIN)");
	use_contact("pin-blocked");
	setenv(SSCARD_COMPAT_ENV_PIN, "123456", 1);
	assert_int_equal(verify_pin(SSCARD_COMPAT_CONTACT, out, sizeof(out)),
	                 SSCARD_COMPAT_PIN_LOCKED);
	assert_string_equal(out, "密码已锁定");
}

static void test_change_pin(void **state)
{
	char out[1024];

	(void)state;
	use_contact("healthy-v2");
	setenv(SSCARD_COMPAT_ENV_PIN, "123456", 1);
	assert_int_equal(change_pin(SSCARD_COMPAT_CONTACT, out, sizeof(out)),
	                 SSCARD_COMPAT_UNSUPPORTED);
	assert_string_equal(out, "不支持该操作(SSCARD_COMPAT_NEW_PIN)");
	setenv(SSCARD_COMPAT_ENV_NEW_PIN, "654321", 1);
	assert_int_equal(change_pin(SSCARD_COMPAT_CONTACT, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	setenv(SSCARD_COMPAT_ENV_PIN, "111111", 1);
	assert_int_equal(change_pin(SSCARD_COMPAT_CONTACT, out, sizeof(out)),
	                 SSCARD_COMPAT_PIN_CHECK_FAILED);
	assert_string_equal(out, "密码校验失败,还可尝试2次");
}

/* ---- iType and parameters ------------------------------------------------------- */

static void test_itype(void **state)
{
	char reader[512], out[1024];

	(void)state;
	shipped("healthy-v2", reader, sizeof(reader));
	/* contactless only where one is configured (or found by name) */
	setenv(SSCARD_COMPAT_ENV_CONTACTLESS, reader, 1);
	assert_int_equal(read_bas(SSCARD_COMPAT_CONTACTLESS, out, sizeof(out)), 0);
	assert_int_equal(read_bas(SSCARD_COMPAT_AUTO_CONTACTLESS, out, sizeof(out)), 0);
	assert_int_equal(read_bas(SSCARD_COMPAT_AUTO_CONTACT, out, sizeof(out)), 0);
	unsetenv(SSCARD_COMPAT_ENV_CONTACTLESS);
	/* auto, contactless first: no contactless reader here, so contact */
	setenv(SSCARD_COMPAT_ENV_CONTACT, reader, 1);
	assert_int_equal(read_bas(SSCARD_COMPAT_AUTO_CONTACTLESS, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "|李四|"));
	/* a configured reader that fails for another reason is not skipped */
	setenv(SSCARD_COMPAT_ENV_CONTACT, "sim:/nonexistent/profile.json", 1);
	assert_int_equal(read_bas(SSCARD_COMPAT_AUTO_CONTACT, out, sizeof(out)),
	                 SSCARD_COMPAT_READER_ERROR);
	assert_string_equal(out, "连接读卡器失败");
	for (int bad = -1; bad <= 5; bad += 6) {
		assert_int_equal(read_bas(bad, out, sizeof(out)), SSCARD_COMPAT_BAD_PARAM);
		assert_string_equal(out, "参数错误");
	}
	assert_int_equal(read_bas(0, out, sizeof(out)), SSCARD_COMPAT_BAD_PARAM);
	assert_int_equal(iReadCardBas(SSCARD_COMPAT_CONTACT, NULL), SSCARD_COMPAT_BAD_PARAM);
	assert_int_equal(iVerifyPIN(SSCARD_COMPAT_CONTACT, NULL), SSCARD_COMPAT_BAD_PARAM);
	assert_int_equal(iChangePIN(SSCARD_COMPAT_CONTACT, NULL), SSCARD_COMPAT_BAD_PARAM);
}

static void test_contactless_names(void **state)
{
	(void)state;
	assert_true(compat_name_contactless("ACS ACR1281 1S Dual Reader PICC 00 00"));
	assert_true(compat_name_contactless("OMNIKEY CardMan 5x21-CL 0"));
	assert_true(compat_name_contactless("Identiv uTrust 3700 F CL Reader 00 00"));
	assert_true(compat_name_contactless("ACS ACR122U NFC Reader"));
	assert_false(compat_name_contactless("ACS ACR1281 1S Dual Reader ICC 00 01"));
	assert_false(compat_name_contactless("Virtual PCD 00 00"));
	assert_false(compat_name_contactless("Gemalto PC Twin Reader 00 00"));
}

/* ---- the security-module two-step read ------------------------------------------- */

/* Step1 into a checked buffer; its 8 fields (UTF-8) split into f[]. */
static long hsm_step1(char out[1024], char f[8][80])
{
	long code = call_checked(iReadCardBas_HSM_Step1, SSCARD_COMPAT_CONTACT,
	                         SSCARD_COMPAT_HSM_STEP1_MAX, out, 1024);
	const char *p = out;

	memset(f, 0, 8 * 80);
	if (code != 0)
		return code;
	for (int i = 0; i < 8; i++) {
		const char *bar = strchr(p, '|');

		assert_non_null(bar);
		assert_true((size_t)(bar - p) < 80);
		memcpy(f[i], p, (size_t)(bar - p));
		p = bar + 1;
	}
	assert_string_equal(p, ""); /* exactly 8 fields */
	return code;
}

static void hex_to(const char *hex, uint8_t *out, size_t want)
{
	size_t n = 0;

	assert_int_equal(sscard_hex_decode(hex, out, 16, &n), SSCARD_OK);
	assert_int_equal(n, want);
}

/*
 * The back end: from Step1's fields alone (region, historical bytes whose
 * last 8 bytes are the card factor, algorithm flag, card id, internal
 * process factor, internal original, external process factor, external
 * original) and the issuer's test master keys, the pKey Step2 takes:
 * "<internal result><internal original>|<external cryptogram><external
 * original>|" (design.md s.8); the second part "|" alone when Step1 gave
 * no external values.
 */
static void hsm_backend(const char *keysfile, char f[8][80], int flip, char *pkey,
                        size_t pkeysz)
{
	sscard_keystore *ks = backend_load(keysfile);
	uint8_t v[4][8], hist[16], expected[8], cryptogram[8];
	char h[2][17];
	sscard_div_factors df;
	size_t n = 0;

	memset(&df, 0, sizeof(df));
	assert_int_equal(sscard_hex_decode(f[1], hist, sizeof(hist), &n), SSCARD_OK);
	assert_true(n >= 8);
	memcpy(df.card, hist + n - 8, 8); /* the ATR's last 8 bytes */
	memcpy(df.city, f[0], 6);
	memcpy(df.city + 6, "sx", 2);
	memcpy(df.province, f[0], 2);
	memcpy(df.province + 2, "0000sh", 6);
	df.have_card = df.have_region = 1;
	for (int i = 0; i < 2; i++)
		hex_to(f[4 + i], v[i], 8);
	backend_cryptogram(ks, SSCARD_KEY_INTERNAL, &df, v[0], v[1], expected);
	sscard_hex_encode(expected, 8, h[0], sizeof(h[0]));
	if (f[6][0] == '\0') {
		snprintf(pkey, pkeysz, "%s%s||", h[0], f[5]);
		sscard_keystore_free(ks);
		return;
	}
	for (int i = 2; i < 4; i++)
		hex_to(f[4 + i], v[i], 8);
	backend_cryptogram(ks, SSCARD_KEY_EXTERNAL, &df, v[2], v[3], cryptogram);
	cryptogram[0] ^= (uint8_t)flip;
	sscard_hex_encode(cryptogram, 8, h[1], sizeof(h[1]));
	snprintf(pkey, pkeysz, "%s%s|%s%s|", h[0], f[5], h[1], f[7]);
	sscard_keystore_free(ks);
}

/* Step2 into a customary buffer full of canaries: nothing past the
 * documented maximum; the text as UTF-8 into out. */
static long hsm_step2(const char *pkey, char *out, size_t outsz)
{
	char buf[SSCARD_COMPAT_OUT_BUFFER], key[1100];
	long code;

	snprintf(key, sizeof(key), "%s", pkey);
	memset(buf, CANARY, sizeof(buf));
	code = iReadCardBas_HSM_Step2(key, buf);
	assert_non_null(memchr(buf, '\0', SSCARD_COMPAT_READCARDBAS_MAX));
	for (size_t i = strlen(buf) + 1; i < sizeof(buf); i++)
		assert_true((unsigned char)buf[i] == CANARY ||
		            (i < SSCARD_COMPAT_READCARDBAS_MAX && buf[i] == '\0'));
	gbk_to_utf8(buf, out, outsz);
	return code;
}

/* Step1, the back end, Step2: the code of Step2, its text in out. */
static long hsm_read(const char *keysfile, int flip, char *out, size_t outsz)
{
	char f[8][80], pkey[200], s1[1024];

	assert_int_equal(hsm_step1(s1, f), 0);
	hsm_backend(keysfile, f, flip, pkey, sizeof(pkey));
	return hsm_step2(pkey, out, outsz);
}

/* A 3.0 (SM4) card: the holder's fields are there after the back end's
 * answers, exactly as iReadCardBas gives them with the RKSSSE key. */
static void test_hsm_two_step_v3(void **state)
{
	char out[1024], f[8][80], pkey[200];

	(void)state;
	use_contact("healthy-v3");
	assert_int_equal(hsm_step1(out, f), 0);
	assert_string_equal(f[0], "110100");
	assert_string_equal(f[1], "00905431168660130425001C4E");
	assert_string_equal(f[2], "03"); /* SM4, from the FCI's 86 01 03 */
	assert_string_equal(f[3], "110100D15600000500A1B2C3D4E5F607");
	/* internal process factor, internal original, external process
	 * factor (the card's challenge) and original: 16 hex digits each */
	for (int i = 4; i < 8; i++)
		assert_int_equal(strlen(f[i]), 16);
	assert_string_not_equal(f[4], f[5]);
	assert_string_equal(f[6], f[7]); /* the challenge is the original */
	hsm_backend("healthy-v3.keys", f, 0, pkey, sizeof(pkey));
	assert_int_equal(hsm_step2(pkey, out, sizeof(out)), 0);
	assert_string_equal(out, "110100|110101198101011117|A00000019|"
	                         "110100D15600000500A1B2C3D4E5F607|张三|"
	                         "00905431168660130425001C4E|3.00|20210315|20310315|||");
	/* the answers were for that Step1 only */
	assert_int_equal(hsm_step2(pkey, out, sizeof(out)), SSCARD_COMPAT_NOT_CONNECTED);
	assert_string_equal(out, "未建立连接(卡被其他程序占用)(本线程未调用iReadCardBas_HSM_Step1)");
}

/* A 2.0 (DES) card: flag 01, no external values (EF06 is free to read):
 * Step2 only checks the card's internal authentication. */
static void test_hsm_two_step_v2(void **state)
{
	char out[1024], f[8][80], pkey[200];

	(void)state;
	use_contact("healthy-v2");
	assert_int_equal(hsm_step1(out, f), 0);
	assert_string_equal(f[2], "01");
	assert_int_equal(strlen(f[4]), 16);
	assert_int_equal(strlen(f[5]), 16);
	assert_string_equal(f[6], "");
	assert_string_equal(f[7], "");
	hsm_backend("v2.keys", f, 0, pkey, sizeof(pkey));
	assert_int_equal(strlen(pkey), 34); /* "<32 hex>||" */
	for (char *c = pkey; *c; c++) /* hex in either case */
		*c = (char)tolower((unsigned char)*c);
	assert_int_equal(hsm_step2(pkey, out, sizeof(out)), 0);
	assert_string_equal(out, "630100|630102197503150025|X00000019|"
	                         "630100D1560000050087CF2001864961|李四|"
	                         "0087CF20018649618C009773F5|2.00|20180620|20280620|||");
}

/* Verdicts: a wrong cryptogram, a card that cannot prove its keys. */
static void test_hsm_verdicts(void **state)
{
	char reader[512], out[1024];

	(void)state;
	use_contact("healthy-v3");
	assert_int_equal(hsm_read("healthy-v3.keys", 0x01, out, sizeof(out)),
	                 SSCARD_COMPAT_KEY_LEVEL);
	assert_string_equal(out, "密钥权限不足或认证失败");
	assert_int_equal(hsm_read("wrong.keys", 0, out, sizeof(out)), SSCARD_COMPAT_KEY_LEVEL);
	snprintf(reader, sizeof(reader), "sim:%s/sm/v2-forged.json", getenv("SSCARD_VECTORS"));
	setenv(SSCARD_COMPAT_ENV_CONTACT, reader, 1);
	/* the security module's result differs from the card's: -25 */
	assert_int_equal(hsm_read("v2.keys", 0, out, sizeof(out)), SSCARD_COMPAT_HSM_MISMATCH);
	assert_string_equal(out, "内部认证结果与加密机不一致");
}

/* Step2 with one malformed pKey after a fresh Step1: -14, never a crash;
 * the two-step read is over afterwards. */
static void expect_bad_key(const char *pkey, long want)
{
	char out[1024], f[8][80];

	assert_int_equal(hsm_step1(out, f), 0);
	assert_int_equal(hsm_step2(pkey, out, sizeof(out)), want);
	if (want == SSCARD_COMPAT_BAD_PARAM)
		assert_string_equal(out, "参数错误(pKey)");
	assert_int_equal(hsm_step2(pkey, out, sizeof(out)), SSCARD_COMPAT_NOT_CONNECTED);
}

static void test_hsm_bad_key(void **state)
{
	char out[1024], f[8][80], good[200], bad[1100];
	size_t n;

	(void)state;
	use_contact("healthy-v3");
	expect_bad_key("", SSCARD_COMPAT_BAD_PARAM);
	expect_bad_key("|", SSCARD_COMPAT_BAD_PARAM);
	expect_bad_key("||", SSCARD_COMPAT_BAD_PARAM);
	expect_bad_key("00|00|", SSCARD_COMPAT_BAD_PARAM);
	/* well-formed answers for this Step1, then spoilt one way each */
	assert_int_equal(hsm_step1(out, f), 0);
	hsm_backend("healthy-v3.keys", f, 0, good, sizeof(good));
	assert_int_equal(hsm_step2(good, out, sizeof(out)), 0);
	n = strlen(good);
	assert_int_equal(n, 66);
	/* answers computed for an earlier Step1: the originals differ (-14) */
	expect_bad_key(good, SSCARD_COMPAT_BAD_PARAM);
	memcpy(bad, good, n - 1); /* no final '|' */
	bad[n - 1] = '\0';
	expect_bad_key(bad, SSCARD_COMPAT_BAD_PARAM);
	snprintf(bad, sizeof(bad), "%s|", good); /* a third, empty field */
	expect_bad_key(bad, SSCARD_COMPAT_BAD_PARAM);
	snprintf(bad, sizeof(bad), "%sX", good); /* trailing garbage */
	expect_bad_key(bad, SSCARD_COMPAT_BAD_PARAM);
	snprintf(bad, sizeof(bad), "%s", good);
	bad[5] = 'G'; /* not hex */
	expect_bad_key(bad, SSCARD_COMPAT_BAD_PARAM);
	snprintf(bad, sizeof(bad), "%s", good);
	bad[32] = ' '; /* '|' where it does not belong, a blank */
	bad[33] = '|';
	expect_bad_key(bad, SSCARD_COMPAT_BAD_PARAM);
	snprintf(bad, sizeof(bad), "%s", good + 2); /* one byte short */
	expect_bad_key(bad, SSCARD_COMPAT_BAD_PARAM);
	memset(bad, 'A', sizeof(bad) - 1); /* far too long */
	bad[sizeof(bad) - 1] = '\0';
	expect_bad_key(bad, SSCARD_COMPAT_BAD_PARAM);
	/* 16-byte values (the old SM4 form): every value is 8 bytes now */
	snprintf(bad, sizeof(bad), "%.64s|%.64s|",
	         "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF",
	         "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF");
	expect_bad_key(bad, SSCARD_COMPAT_BAD_PARAM);
	/* NULL pKey after a Step1: -14, and the read is over */
	assert_int_equal(hsm_step1(out, f), 0);
	assert_int_equal(iReadCardBas_HSM_Step2(NULL, bad), SSCARD_COMPAT_BAD_PARAM);
	assert_int_equal(hsm_step2(good, out, sizeof(out)), SSCARD_COMPAT_NOT_CONNECTED);
}

/* Another thread's Step2 finds no Step1 of its own. */
static void *step2_thread(void *arg)
{
	char out[1024];

	*(long *)arg = hsm_step2("00|00|", out, sizeof(out));
	return NULL;
}

static void *read_thread(void *arg)
{
	char out[1024];

	*(long *)arg = read_bas(SSCARD_COMPAT_CONTACT, out, sizeof(out));
	return NULL;
}

static void *step1_and_exit(void *arg)
{
	char out[1024], f[8][80];

	*(long *)arg = hsm_step1(out, f); /* the thread ends holding it */
	return NULL;
}

static void test_hsm_threads_and_order(void **state)
{
	char out[1024], f[8][80], first[200], buf[SSCARD_COMPAT_OUT_BUFFER];
	pthread_t t;
	long code = 1;

	(void)state;
	use_contact("healthy-v3");
	assert_int_equal(hsm_step2("00|00|", out, sizeof(out)), SSCARD_COMPAT_NOT_CONNECTED);
	assert_int_equal(hsm_step1(out, f), 0);
	assert_int_equal(pthread_create(&t, NULL, step2_thread, &code), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(code, SSCARD_COMPAT_NOT_CONNECTED);
	/* ours is still waiting; a second Step1 replaces it */
	hsm_backend("healthy-v3.keys", f, 0, first, sizeof(first));
	assert_int_equal(hsm_step1(out, f), 0);
	assert_int_equal(hsm_step2(first, out, sizeof(out)), SSCARD_COMPAT_BAD_PARAM);
	assert_int_equal(hsm_read("healthy-v3.keys", 0, out, sizeof(out)), 0);
	/* between the steps nothing else from this library reaches the card:
	 * another call on that reader, from this thread or another, is -12
	 * before it connects; the two-step read goes on, and afterwards the
	 * reader is free again */
	assert_int_equal(hsm_step1(out, f), 0);
	hsm_backend("healthy-v3.keys", f, 0, first, sizeof(first));
	assert_int_equal(read_bas(SSCARD_COMPAT_CONTACT, out, sizeof(out)),
	                 SSCARD_COMPAT_NOT_CONNECTED);
	assert_string_equal(out, "未建立连接(卡被其他程序占用)(该读卡器上有未完成的加密机认证)");
	code = 1;
	assert_int_equal(pthread_create(&t, NULL, read_thread, &code), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(code, SSCARD_COMPAT_NOT_CONNECTED);
	assert_int_equal(hsm_step2(first, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "|张三|"));
	assert_int_equal(read_bas(SSCARD_COMPAT_CONTACT, out, sizeof(out)), 0);
	/* a thread that ends between the steps leaves nothing behind (the
	 * sanitizers and valgrind check the key's destructor) */
	code = 1;
	assert_int_equal(pthread_create(&t, NULL, step1_and_exit, &code), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(code, 0);
	/* ... and its reader is free again */
	assert_int_equal(read_bas(SSCARD_COMPAT_CONTACT, out, sizeof(out)), 0);
	/* arguments */
	assert_int_equal(iReadCardBas_HSM_Step1(7, buf), SSCARD_COMPAT_BAD_PARAM);
	assert_int_equal(iReadCardBas_HSM_Step1(1, NULL), SSCARD_COMPAT_BAD_PARAM);
	assert_int_equal(iReadCardBas_HSM_Step2((char *)"00|00|", NULL), SSCARD_COMPAT_BAD_PARAM);
	/* no card: Step1 says so and nothing waits */
	setenv(SSCARD_COMPAT_ENV_CONTACT, "sim:/nonexistent/profile.json", 1);
	assert_int_not_equal(hsm_step1(out, f), 0);
	assert_int_equal(hsm_step2("00|00|", out, sizeof(out)), SSCARD_COMPAT_NOT_CONNECTED);
}

/* ---- iReadCard / iWriteCard / iGetCardType / iReloadPIN / iUnblockPIN ---------- */

#define V2_INFO "630100D1560000050087CF2001864961|X00000019|"
#define V3_INFO "110100D15600000500A1B2C3D4E5F607|A00000019|"
#define DF04_ALL "DF04EF05|81|84|87|8C|80|8B|8A|83|86|89|7D|7E|7F|8D|8E|8F|$DF04EF06|90|93|$"

/* The output as check_out() sees it: the text (UTF-8), the buffer
 * checked against `max` with canaries behind it. */
static void check_out(char *buf, size_t max, char *out, size_t outsz)
{
	assert_non_null(memchr(buf, '\0', max));
	for (size_t i = strlen(buf) + 1; i < SSCARD_COMPAT_OUT_BUFFER; i++)
		assert_true((unsigned char)buf[i] == CANARY || (i < max && buf[i] == '\0'));
	gbk_to_utf8(buf, out, outsz);
}

static long read_card(int auth, const char *info, const char *addr, char *out, size_t outsz)
{
	char buf[SSCARD_COMPAT_OUT_BUFFER], ci[128], fa[2048];
	long code;

	snprintf(ci, sizeof(ci), "%s", info);
	snprintf(fa, sizeof(fa), "%s", addr);
	memset(buf, CANARY, sizeof(buf));
	code = iReadCard(SSCARD_COMPAT_CONTACT, auth, ci, fa, buf);
	check_out(buf, code == 0 ? SSCARD_COMPAT_READCARD_MAX : SSCARD_COMPAT_MESSAGE_MAX, out,
	          outsz);
	return code;
}

/* UTF-8 test text -> the GBK a HIS passes in. */
static void to_gbk(const char *utf8, char *out, size_t outsz)
{
	assert_true(compat_utf8_to_gbk(utf8, out, outsz) >= 0);
}

static long write_card(const char *info, const char *addr, const char *data_utf8, char *out,
                       size_t outsz)
{
	char buf[SSCARD_COMPAT_OUT_BUFFER], ci[128], fa[256], data[512];
	long code;

	snprintf(ci, sizeof(ci), "%s", info);
	snprintf(fa, sizeof(fa), "%s", addr);
	to_gbk(data_utf8, data, sizeof(data));
	memset(buf, CANARY, sizeof(buf));
	code = iWriteCard(SSCARD_COMPAT_CONTACT, ci, fa, data, buf);
	check_out(buf, SSCARD_COMPAT_MESSAGE_MAX, out, outsz);
	return code;
}

/* The design.md s.8 example, and the same file twice, with the PIN. */
static void test_read_card_ssse(void **state)
{
	char out[1024];

	(void)state;
	use_contact("healthy-v2");
	setenv(SSCARD_COMPAT_ENV_PIN, "123456", 1);
	assert_int_equal(read_card(1, V2_INFO, "SSSEEF05|06|07|$SSSEEF06|08|09|$", out, sizeof(out)),
	                 0);
	assert_string_equal(out, "SSSEEF05|20280620|X00000019|$SSSEEF06|630102197503150025|李四|$");
	assert_int_equal(read_card(1, V2_INFO,
	                           "ssseef05|01|02|03|04|05|06|07|$SSSEEF06|08|09|0A|0B|0C|0D|$",
	                           out, sizeof(out)), 0);
	assert_string_equal(out, "SSSEEF05|630100D1560000050087CF2001864961|3|2.00|630100000002|"
	                         "20180620|20280620|X00000019|$SSSEEF06|630102197503150025|李四|"
	                         "2|01|630102|19750315|$");
	/* the card id of pCardInfo in lower case is the same card */
	assert_int_equal(read_card(1, "630100d1560000050087cf2001864961|X00000019|",
	                           "SSSEEF05|07|$", out, sizeof(out)), 0);
	assert_string_equal(out, "SSSEEF05|X00000019|$");
}

/* DF04: EF05 and EF06 (the PIN opens EF06), every element the table has. */
static void test_read_card_df04(void **state)
{
	char out[1024];

	(void)state;
	use_contact("healthy-v2");
	setenv(SSCARD_COMPAT_ENV_PIN, "123456", 1);
	assert_int_equal(read_card(1, V2_INFO, DF04_ALL, out, sizeof(out)), 0);
	assert_string_equal(out, "DF04EF05|11000000|630100|63010020180620001|11|20180620|"
	                         "6301000000000019|YB6301000000019|H63010001||||||||1|$"
	                         "DF04EF06|1|02|$");
	/* without the PIN (iAuthType 2, keys for SSSE and DF04): EF06 refuses */
	use_keystore("v2.keys", 0600);
	assert_int_equal(read_card(2, V2_INFO, "DF04EF05|84|$DF04EF06|90|$", out, sizeof(out)),
	                 -0x6982);
	assert_string_equal(out, "卡片返回状态字6982: 安全状态不满足(脱机标识)");
}

/* iAuthType 2: the keys open a 3.0 card's EF06. */
static void test_read_card_with_key(void **state)
{
	char out[1024];

	(void)state;
	use_contact("healthy-v3");
	assert_int_equal(read_card(2, V3_INFO, "SSSEEF06|08|09|$", out, sizeof(out)),
	                 SSCARD_COMPAT_NO_PSAM);
	assert_string_equal(out, "无PSAM卡(未设置SSCARD_COMPAT_PSAM或SSCARD_COMPAT_KEYSTORE)");
	use_keystore("healthy-v3.keys", 0600);
	assert_int_equal(read_card(2, V3_INFO, "SSSEEF06|08|09|$SSSEEF05|03|$", out, sizeof(out)),
	                 0);
	assert_string_equal(out, "SSSEEF06|110101198101011117|张三|$SSSEEF05|3.00|$");
	/* the PIN does not open a 3.0 card's EF06 */
	setenv(SSCARD_COMPAT_ENV_PIN, "123456", 1);
	assert_int_equal(read_card(1, V3_INFO, "SSSEEF06|08|$", out, sizeof(out)), -0x6982);
	use_keystore("wrong.keys", 0600);
	assert_int_equal(read_card(2, V3_INFO, "SSSEEF06|08|$", out, sizeof(out)),
	                 SSCARD_COMPAT_KEY_LEVEL);
}

static void test_read_card_errors(void **state)
{
	static const struct {
		const char *info, *addr;
		long code;
		const char *msg; /* a part of the message */
	} cases[] = {
		{ "", "SSSEEF05|07|$", SSCARD_COMPAT_BAD_PARAM, "pCardInfo" },
		{ "630100D1560000050087CF2001864961|X00000019", "SSSEEF05|07|$", -14, "pCardInfo" },
		{ "630100D1560000050087CF200186496|X00000019|", "SSSEEF05|07|$", -14, "pCardInfo" },
		{ "630100D1560000050087CF2001864961||", "SSSEEF05|07|$", -14, "pCardInfo" },
		{ "630100D1560000050087CF2001864961|X00000019|x", "SSSEEF05|07|$", -14, "pCardInfo" },
		{ V2_INFO, "", -14, "pFileAddr" },
		{ V2_INFO, "SSSEEF05|07|", -14, "pFileAddr" },
		{ V2_INFO, "SSSEEF05|$", -14, "pFileAddr" },
		{ V2_INFO, "SSSEEF05|7|$", -14, "pFileAddr" },
		{ V2_INFO, "SSSEEF05|07|$x", -14, "pFileAddr" },
		{ V2_INFO, "XXXXEF05|07|$", -14, "pFileAddr" },
		{ V2_INFO, "SSSEEF5|07|$", -14, "pFileAddr" },
		{ V2_INFO, "SSSEEF05|99|$", SSCARD_COMPAT_UNSUPPORTED, "SSSEEF05/99: 元素表中无此数据项" },
		{ V2_INFO, "SSSEEF06|07|$", -13, "SSSEEF06/07: 元素表中无此数据项" },
		{ V2_INFO, "DF04EF06|90|92|$", -13, "格式公开资料不一致" },
		{ V2_INFO, "DF04EF08|01|$", -13, "循环记录文件" },
		{ V2_INFO, "SSSEEF08|01|$", -13, "照片是二进制文件" },
		{ V2_INFO, "DF02EF05|42|$", -13, "DF02EF05/42" },
		{ V2_INFO, "DF02EF15|99:01|$", -13, "不支持按记录号或子项寻址" },
		/* the card in the reader is another one */
		{ V3_INFO, "SSSEEF05|07|$", SSCARD_COMPAT_DATA_MISMATCH, "卡识别码与卡片不符" },
		{ "630100D1560000050087CF2001864961|X00000018|", "SSSEEF05|07|$", -22,
		  "卡号与卡片不符" },
	};
	char out[1024], addr[1200], buf[SSCARD_COMPAT_OUT_BUFFER];

	(void)state;
	use_contact("healthy-v2");
	setenv(SSCARD_COMPAT_ENV_PIN, "123456", 1);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long code = read_card(1, cases[i].info, cases[i].addr, out, sizeof(out));

		if (code != cases[i].code || !strstr(out, cases[i].msg))
			fail_msg("case %zu: %ld \"%s\"", i, code, out);
	}
	/* more than the documented maximum could need: -42 before the card */
	strcpy(addr, "DF04EF05|");
	for (int i = 0; i < 18; i++)
		strcat(addr, "8B|");
	strcat(addr, "$");
	/* 10 + 18 * (2 * 29 + 1) + 1 > 1024 */
	assert_int_equal(read_card(1, V2_INFO, addr, out, sizeof(out)), SSCARD_COMPAT_DATA_LENGTH);
	/* 17 of them fit (and are read) */
	addr[strlen("DF04EF05|") + 17 * 3] = '$';
	addr[strlen("DF04EF05|") + 17 * 3 + 1] = '\0';
	assert_int_equal(read_card(1, V2_INFO, addr, out, sizeof(out)), 0);
	/* more files than the interface allows */
	addr[0] = '\0';
	for (int i = 0; i < 17; i++)
		strcat(addr, "SSSEEF05|07|$");
	assert_int_equal(read_card(1, V2_INFO, addr, out, sizeof(out)), SSCARD_COMPAT_DATA_LENGTH);
	/* iAuthType, NULL arguments */
	assert_int_equal(read_card(3, V2_INFO, "SSSEEF05|07|$", out, sizeof(out)), -14);
	assert_string_equal(out, "参数错误(iAuthType)");
	assert_int_equal(iReadCard(1, 1, NULL, addr, buf), -14);
	assert_int_equal(iReadCard(1, 1, buf, NULL, buf), -14);
	assert_int_equal(iReadCard(1, 1, addr, addr, NULL), -14);
	/* the PIN: wrong (once, tries in the message), missing */
	setenv(SSCARD_COMPAT_ENV_PIN, "000000", 1);
	assert_int_equal(read_card(1, V2_INFO, "SSSEEF05|07|$", out, sizeof(out)),
	                 SSCARD_COMPAT_PIN_CHECK_FAILED);
	assert_string_equal(out, "密码校验失败,还可尝试2次");
	unsetenv(SSCARD_COMPAT_ENV_PIN);
	assert_int_equal(read_card(1, V2_INFO, "SSSEEF05|07|$", out, sizeof(out)),
	                 SSCARD_COMPAT_UNSUPPORTED);
	/* no card */
	setenv(SSCARD_COMPAT_ENV_CONTACT, "sim:/nonexistent/profile.json", 1);
	assert_true(read_card(2, V2_INFO, "SSSEEF05|07|$", out, sizeof(out)) < 0);
}

static void test_write_card(void **state)
{
	char out[1024];

	(void)state;
	use_contact("healthy-v2");
	/* no keys: the HIS turns to the security-module form */
	assert_int_equal(write_card(V2_INFO, "SSSEEF06|09|$", "王五|", out, sizeof(out)),
	                 SSCARD_COMPAT_NO_PSAM);
	use_keystore("v2.keys", 0600);
	/* written with the update key and read back by the library */
	assert_int_equal(write_card(V2_INFO, "SSSEEF06|09|0A|$", "王五|1|", out, sizeof(out)), 0);
	assert_string_equal(out, "");
	/* framed as iReadCard shows it; only the first file is written */
	assert_int_equal(write_card(V2_INFO, "SSSEEF06|09|$SSSEEF05|07|$", "SSSEEF06|王五|$", out,
	                            sizeof(out)), 0);
	/* errors: values, card, DF04 */
	assert_int_equal(write_card(V2_INFO, "SSSEEF06|09|0A|$", "王五|", out, sizeof(out)), -14);
	assert_string_equal(out, "参数错误(pWriteData)");
	assert_int_equal(write_card(V2_INFO, "SSSEEF06|09|$", "王五|1|", out, sizeof(out)), -14);
	assert_int_equal(write_card(V2_INFO, "SSSEEF06|0A|$", "12|", out, sizeof(out)),
	                 SSCARD_COMPAT_BAD_PARAM);
	assert_string_equal(out, "参数错误(性别)");
	assert_int_equal(write_card(V3_INFO, "SSSEEF06|09|$", "王五|", out, sizeof(out)),
	                 SSCARD_COMPAT_DATA_MISMATCH);
	assert_int_equal(write_card(V2_INFO, "DF04EF05|8F|$", "2|", out, sizeof(out)),
	                 SSCARD_COMPAT_UNSUPPORTED);
	assert_non_null(strstr(out, "DF04"));
	use_keystore("wrong.keys", 0600);
	assert_true(write_card(V2_INFO, "SSSEEF06|09|$", "王五|", out, sizeof(out)) < 0);
}

/* Bytes that are not GBK are -41, nothing sent. */
static void test_write_card_not_gbk(void **state)
{
	char buf[SSCARD_COMPAT_OUT_BUFFER], ci[] = V2_INFO, fa[] = "SSSEEF06|09|$",
	                                      data[] = "\x81\x20|";

	(void)state;
	use_contact("healthy-v2");
	use_keystore("v2.keys", 0600);
	assert_int_equal(iWriteCard(1, ci, fa, data, buf), SSCARD_COMPAT_ILLEGAL_CHARS);
	assert_int_equal(iWriteCard(1, ci, fa, NULL, buf), SSCARD_COMPAT_BAD_PARAM);
	assert_int_equal(iWriteCard(1, ci, fa, data, NULL), SSCARD_COMPAT_BAD_PARAM);
}

static long pin_admin(long (*fn)(int, char *, char *), const char *info, char *out,
                      size_t outsz)
{
	char buf[SSCARD_COMPAT_OUT_BUFFER], ci[128];
	long code;

	snprintf(ci, sizeof(ci), "%s", info);
	memset(buf, CANARY, sizeof(buf));
	code = fn(SSCARD_COMPAT_CONTACT, ci, buf);
	check_out(buf, SSCARD_COMPAT_MESSAGE_MAX, out, outsz);
	return code;
}

static void test_unblock_and_reload_pin(void **state)
{
	char out[1024];

	(void)state;
	use_contact("pin-blocked");
	assert_int_equal(pin_admin(iUnblockPIN, V2_INFO, out, sizeof(out)), SSCARD_COMPAT_NO_PSAM);
	use_keystore("v2.keys", 0600);
	assert_int_equal(pin_admin(iUnblockPIN, V2_INFO, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	/* reload: the new PIN from the environment */
	assert_int_equal(pin_admin(iReloadPIN, V2_INFO, out, sizeof(out)),
	                 SSCARD_COMPAT_UNSUPPORTED);
	assert_string_equal(out, "不支持该操作(SSCARD_COMPAT_NEW_PIN)");
	setenv(SSCARD_COMPAT_ENV_NEW_PIN, "654321", 1);
	assert_int_equal(pin_admin(iReloadPIN, V2_INFO, out, sizeof(out)), 0);
	setenv(SSCARD_COMPAT_ENV_NEW_PIN, "12a", 1);
	assert_int_equal(pin_admin(iReloadPIN, V2_INFO, out, sizeof(out)), SSCARD_COMPAT_BAD_PARAM);
	setenv(SSCARD_COMPAT_ENV_NEW_PIN, "1234567", 1);
	assert_int_equal(pin_admin(iReloadPIN, V2_INFO, out, sizeof(out)), SSCARD_COMPAT_BAD_PARAM);
	/* another card, a malformed pCardInfo, other keys */
	assert_int_equal(pin_admin(iUnblockPIN, V3_INFO, out, sizeof(out)),
	                 SSCARD_COMPAT_DATA_MISMATCH);
	assert_int_equal(pin_admin(iUnblockPIN, "X|Y|", out, sizeof(out)), SSCARD_COMPAT_BAD_PARAM);
	use_keystore("wrong.keys", 0600);
	assert_true(pin_admin(iUnblockPIN, V2_INFO, out, sizeof(out)) < 0);
	assert_int_equal(iUnblockPIN(1, NULL, out), SSCARD_COMPAT_BAD_PARAM);
	assert_int_equal(iReloadPIN(1, out, NULL), SSCARD_COMPAT_BAD_PARAM);
}

static void test_get_card_type(void **state)
{
	unsigned char type[8];
	char buf[SSCARD_COMPAT_OUT_BUFFER], out[1024];

	(void)state;
	use_contact("healthy-v2");
	memset(type, CANARY, sizeof(type));
	memset(buf, CANARY, sizeof(buf));
	assert_int_equal(iGetCardType(type, buf), 0);
	assert_string_equal((char *)type, "3");
	for (size_t i = SSCARD_COMPAT_CARDTYPE_MAX; i < sizeof(type); i++)
		assert_int_equal(type[i], CANARY);
	check_out(buf, SSCARD_COMPAT_MESSAGE_MAX, out, sizeof(out));
	assert_string_equal(out, "3|2.00|");
	setenv(SSCARD_COMPAT_ENV_CONTACT, "sim:/nonexistent/profile.json", 1);
	assert_true(iGetCardType(type, buf) < 0);
	assert_string_equal((char *)type, "");
	assert_int_equal(iGetCardType(NULL, buf), SSCARD_COMPAT_BAD_PARAM);
	assert_int_equal(iGetCardType(type, NULL), SSCARD_COMPAT_BAD_PARAM);
}

/* ---- the security-module forms of iReadCard, iWriteCard and the PIN --------------- */

/* A HIS's back end knows the card from an earlier iReadCardBas (its
 * region and ATR historical bytes, whose last 8 are the card factor); it
 * computes with the issuer's test master keys and the convention of
 * lib/session.h, from the Step outputs' text. */
static void card_factors(const char *profile, sscard_div_factors *df)
{
	char out[1024], hist[64] = "";
	uint8_t h[16];
	size_t n = 0;
	const char *p = out;

	use_contact(profile);
	assert_int_equal(read_bas(SSCARD_COMPAT_CONTACT, out, sizeof(out)), 0);
	for (int i = 0; i < 5; i++)
		p = strchr(p, '|') + 1;
	memcpy(hist, p, (size_t)(strchr(p, '|') - p));
	assert_int_equal(sscard_hex_decode(hist, h, sizeof(h), &n), SSCARD_OK);
	memset(df, 0, sizeof(*df));
	memcpy(df->card, h + n - 8, 8);
	memcpy(df->city, out, 6);
	memcpy(df->city + 6, "sx", 2);
	memcpy(df->province, out, 2);
	memcpy(df->province + 2, "0000sh", 6);
	df->have_card = df->have_region = 1;
}

/* The card key of (usage, df) from a keystore file of vectors/sm. */
static sscard_alg backend_key(const char *keysfile, sscard_key_usage usage, const char *df,
                              const sscard_div_factors *f, uint8_t key[SSCARD_KEY_LEN])
{
	sscard_keystore *ks = backend_load(keysfile);
	const sscard_ks_entry *e = sscard_keystore_find(ks, usage, df);
	sscard_alg alg;

	assert_non_null(e);
	alg = e->alg;
	assert_int_equal(sscard_card_key(e->alg, e->key, e->levels, e->nlevels, f, key), SSCARD_OK);
	sscard_keystore_free(ks);
	return alg;
}

/* Split "a|b|c|...|" into fields (at most 6). */
static int split(const char *text, char f[6][64])
{
	int n = 0;

	memset(f, 0, 6 * 64);
	while (*text && n < 6) {
		const char *bar = strchr(text, '|');

		assert_non_null(bar);
		assert_true((size_t)(bar - text) < 64);
		memcpy(f[n++], text, (size_t)(bar - text));
		text = bar + 1;
	}
	assert_string_equal(text, "");
	return n;
}

/* From "flag|key address|factor|original|": pKey "<cryptogram><original>". */
static void backend_external(const char *keysfile, sscard_key_usage usage, const char *df,
                             const sscard_div_factors *f, const char *step1, int flip,
                             char pkey[40])
{
	uint8_t key[SSCARD_KEY_LEN], factor[8], original[8], cg[8];
	char v[6][64], hex[17];
	sscard_alg alg = backend_key(keysfile, usage, df, f, key);

	assert_int_equal(split(step1, v), 4);
	assert_int_equal(strtol(v[0], NULL, 16), (long)alg);
	hex_to(v[2], factor, 8);
	hex_to(v[3], original, 8);
	assert_int_equal(sscard_session_cryptogram(alg, key, factor, original, cg), SSCARD_OK);
	cg[0] ^= (uint8_t)flip;
	sscard_hex_encode(cg, 8, hex, sizeof(hex));
	assert_int_equal(strlen(v[3]), 16);
	memcpy(pkey, hex, 16);
	memcpy(pkey + 16, v[3], 17);
	OPENSSL_cleanse(key, sizeof(key));
}

/* Call a Step into a canaried buffer: at most `max` bytes written. */
static long step_checked(long code, char *buf, size_t max, char *out, size_t outsz)
{
	check_out(buf, code == 0 ? max : SSCARD_COMPAT_MESSAGE_MAX, out, outsz);
	return code;
}

static long read_step1(const char *info, const char *addr, char *out)
{
	char buf[SSCARD_COMPAT_OUT_BUFFER], ci[128], fa[256];

	snprintf(ci, sizeof(ci), "%s", info);
	snprintf(fa, sizeof(fa), "%s", addr);
	memset(buf, CANARY, sizeof(buf));
	return step_checked(iReadCard_HSM_Step1(1, ci, fa, buf), buf, SSCARD_COMPAT_HSM_STEP_MAX,
	                    out, 1024);
}

static long read_step2(const char *pkey, char *out)
{
	char buf[SSCARD_COMPAT_OUT_BUFFER], key[128];

	snprintf(key, sizeof(key), "%s", pkey);
	memset(buf, CANARY, sizeof(buf));
	return step_checked(iReadCard_HSM_Step2(key, buf), buf, SSCARD_COMPAT_READCARD_MAX, out,
	                    1024);
}

static void test_hsm_read_card(void **state)
{
	sscard_div_factors f;
	char out[1024], pkey[40];

	(void)state;
	card_factors("healthy-v3", &f);
	/* RKSSSE (PSAM 47/0A) opens EF06 of a 3.0 card */
	assert_int_equal(read_step1(V3_INFO, "SSSEEF06|08|09|$", out), 0);
	assert_memory_equal(out, "03|470A|", 8);
	backend_external("healthy-v3.keys", SSCARD_KEY_EXTERNAL, "SSSE", &f, out, 0, pkey);
	assert_int_equal(read_step2(pkey, out), 0);
	assert_string_equal(out, "SSSEEF06|110101198101011117|张三|$");
	/* RK1DF04 (PSAM 67/2D) for DF04 */
	assert_int_equal(read_step1(V3_INFO, "DF04EF05|84|8B|$", out), 0);
	assert_memory_equal(out, "03|672D|", 8);
	backend_external("healthy-v3.keys", SSCARD_KEY_EXTERNAL, "DF04", &f, out, 0, pkey);
	assert_int_equal(read_step2(pkey, out), 0);
	assert_string_equal(out, "DF04EF05|110100|1101000000000019|$");
	/* a wrong cryptogram: the card refuses it */
	assert_int_equal(read_step1(V3_INFO, "SSSEEF06|08|$", out), 0);
	backend_external("healthy-v3.keys", SSCARD_KEY_EXTERNAL, "SSSE", &f, out, 1, pkey);
	assert_int_equal(read_step2(pkey, out), SSCARD_COMPAT_KEY_LEVEL);
	/* the answer to another Step1 (its original differs): -14, nothing sent */
	assert_int_equal(read_step1(V3_INFO, "SSSEEF06|08|$", out), 0);
	assert_int_equal(read_step1(V3_INFO, "SSSEEF06|08|$", out), 0);
	assert_int_equal(read_step2(pkey, out), SSCARD_COMPAT_BAD_PARAM);
	assert_string_equal(out, "参数错误(pKey)");
	/* a Step2 without its Step1 */
	assert_int_equal(read_step2(pkey, out), SSCARD_COMPAT_NOT_CONNECTED);
	assert_string_equal(out, "未建立连接(卡被其他程序占用)(本线程未调用iReadCard_HSM_Step1)");
	/* files free to read need no security module: -2204 */
	assert_int_equal(read_step1(V3_INFO, "SSSEEF05|07|$", out), SSCARD_COMPAT_NO_HSM_NEEDED);
	assert_string_equal(out, "无需加密机认证");
	use_contact("healthy-v2");
	assert_int_equal(read_step1(V2_INFO, "SSSEEF05|07|$SSSEEF06|08|$", out),
	                 SSCARD_COMPAT_NO_HSM_NEEDED);
	/* parameters, another card, one DF per read */
	assert_int_equal(read_step1(V3_INFO, "SSSEEF06|08|$", out), SSCARD_COMPAT_DATA_MISMATCH);
	assert_int_equal(read_step1(V2_INFO, "SSSEEF06|$", out), SSCARD_COMPAT_BAD_PARAM);
	assert_int_equal(read_step1("x", "SSSEEF06|08|$", out), SSCARD_COMPAT_BAD_PARAM);
	assert_int_equal(read_step1(V2_INFO, "DF04EF05|84|$SSSEEF06|08|$", out),
	                 SSCARD_COMPAT_UNSUPPORTED);
	assert_int_equal(iReadCard_HSM_Step1(1, out, out, NULL), SSCARD_COMPAT_BAD_PARAM);
	assert_int_equal(iReadCard_HSM_Step2(out, NULL), SSCARD_COMPAT_BAD_PARAM);
}

/* A step of another form does not end (or touch) this thread's operation. */
static void test_hsm_forms_do_not_mix(void **state)
{
	sscard_div_factors f;
	char out[1024], pkey[40], s1[1024];

	(void)state;
	card_factors("healthy-v3", &f);
	assert_int_equal(read_step1(V3_INFO, "SSSEEF06|09|$", s1), 0);
	assert_int_equal(hsm_step2("00|00|", out, sizeof(out)), SSCARD_COMPAT_NOT_CONNECTED);
	assert_string_equal(out, "未建立连接(卡被其他程序占用)(本线程未调用iReadCardBas_HSM_Step1)");
	assert_int_equal(iUnblockPIN_HSM_Step3(pkey, out), SSCARD_COMPAT_NOT_CONNECTED);
	/* and nothing else of this library reaches the card meanwhile */
	assert_int_equal(read_bas(SSCARD_COMPAT_CONTACT, out, sizeof(out)),
	                 SSCARD_COMPAT_NOT_CONNECTED);
	backend_external("healthy-v3.keys", SSCARD_KEY_EXTERNAL, "SSSE", &f, s1, 0, pkey);
	assert_int_equal(read_step2(pkey, out), 0);
	assert_string_equal(out, "SSSEEF06|张三|$");
}

static long write_step1(const char *addr, char *out)
{
	char buf[SSCARD_COMPAT_OUT_BUFFER], ci[] = V3_INFO, fa[256];

	snprintf(fa, sizeof(fa), "%s", addr);
	memset(buf, CANARY, sizeof(buf));
	return step_checked(iWriteCard_HSM_Step1(1, ci, fa, buf), buf, SSCARD_COMPAT_HSM_STEP_MAX,
	                    out, 1024);
}

static long write_step2(const char *pkey, const char *data_utf8, char *out)
{
	char buf[SSCARD_COMPAT_OUT_BUFFER], key[128], data[256];

	snprintf(key, sizeof(key), "%s", pkey);
	to_gbk(data_utf8, data, sizeof(data));
	memset(buf, CANARY, sizeof(buf));
	return step_checked(iWriteCard_HSM_Step2(key, data, buf), buf, SSCARD_COMPAT_MESSAGE_MAX,
	                    out, 1024);
}

static void test_hsm_write_card(void **state)
{
	sscard_div_factors f;
	char out[1024], pkey[40];

	(void)state;
	card_factors("healthy-v3", &f);
	/* UKSSSE (04; PSAM 48/12), then the plain write, read back */
	assert_int_equal(write_step1("SSSEEF06|09|0A|$", out), 0);
	assert_memory_equal(out, "03|4812|", 8);
	backend_external("healthy-v3.keys", SSCARD_KEY_UPDATE, "SSSE", &f, out, 0, pkey);
	assert_int_equal(write_step2(pkey, "王五|1|", out), 0);
	assert_string_equal(out, "");
	/* EF0D with its own key (0D; 48/13) */
	assert_int_equal(write_step1("SSSEEF0D|EB|$", out), 0);
	assert_memory_equal(out, "03|4813|", 8);
	backend_external("healthy-v3.keys", SSCARD_KEY_UPDATE_EF0D, "SSSE", &f, out, 0, pkey);
	assert_int_equal(write_step2(pkey, "110102|", out), 0);
	/* the read key is not the update key: the card refuses the write */
	assert_int_equal(write_step1("SSSEEF06|09|$", out), 0);
	backend_external("healthy-v3.keys", SSCARD_KEY_EXTERNAL, "SSSE", &f, out, 0, pkey);
	assert_true(write_step2(pkey, "王五|", out) < 0);
	/* bad values are refused before anything reaches the card, and end
	 * the operation */
	assert_int_equal(write_step1("SSSEEF06|09|$", out), 0);
	backend_external("healthy-v3.keys", SSCARD_KEY_UPDATE, "SSSE", &f, out, 0, pkey);
	assert_int_equal(write_step2(pkey, "王五|李四|", out), SSCARD_COMPAT_BAD_PARAM);
	assert_int_equal(write_step2(pkey, "王五|", out), SSCARD_COMPAT_NOT_CONNECTED);
	/* DF04 has no two-step write here */
	assert_int_equal(write_step1("DF04EF05|8F|$", out), SSCARD_COMPAT_UNSUPPORTED);
	assert_int_equal(iWriteCard_HSM_Step1(1, out, out, NULL), SSCARD_COMPAT_BAD_PARAM);
	assert_int_equal(iWriteCard_HSM_Step2(out, out, NULL), SSCARD_COMPAT_BAD_PARAM);
}

/* The protected PIN command as the back end builds it from Step2's text:
 * "flag|key address|challenge|header|PIN|" -> the whole APDU in hex. */
static void backend_pin_apdu(const sscard_div_factors *f, const char *step2, int flip,
                             char *apdu_hex, size_t hexsz)
{
	uint8_t key[SSCARD_KEY_LEN], pk[SSCARD_KEY_LEN], chal[8], apdu[5 + 16 + 4], block[16];
	char v[6][64];
	sscard_alg alg = backend_key("healthy-v3.keys", SSCARD_KEY_LINE, "SSSE", f, key);
	size_t n = 0, data = 0;

	assert_int_equal(split(step2, v), 5);
	assert_string_equal(v[1], "4609"); /* STK */
	hex_to(v[2], chal, 8);
	assert_int_equal(sscard_hex_decode(v[3], apdu, 5, &n), SSCARD_OK);
	assert_int_equal(n, 5);
	assert_int_equal(sscard_session_key(alg, key, chal, pk), SSCARD_OK);
	if (v[4][0]) { /* reload: <count> <BCD, F-padded> 80 00.. encrypted */
		size_t digits = strlen(v[4]);

		memset(block, 0, sizeof(block));
		block[0] = (uint8_t)digits;
		memset(block + 1, 0xFF, (digits + 1) / 2);
		for (size_t i = 0; i < digits; i++)
			block[1 + i / 2] = (uint8_t)(i % 2 == 0
			                                     ? ((v[4][i] - '0') << 4) | 0x0F
			                                     : (block[1 + i / 2] & 0xF0) | (v[4][i] - '0'));
		block[1 + (digits + 1) / 2] = 0x80;
		data = alg == SSCARD_ALG_SM4 ? 16 : 8;
		assert_int_equal(sscard_session_encrypt(alg, pk, block, data, apdu + 5), SSCARD_OK);
	}
	assert_int_equal(apdu[4], data + 4);
	assert_int_equal(sscard_session_mac(alg, pk, apdu, 5 + data, apdu + 5 + data), SSCARD_OK);
	apdu[5 + data] ^= (uint8_t)flip;
	sscard_hex_encode(apdu, 5 + data + 4, apdu_hex, hexsz);
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(pk, sizeof(pk));
	OPENSSL_cleanse(block, sizeof(block));
}

typedef struct pin_form {
	long (*step1)(int, char *, char *);
	long (*step2)(char *, char *);
	long (*step3)(char *, char *);
} pin_form;

/* Step1, the back end, Step2, the back end, Step3: Step3's code. */
static long pin_hsm(const pin_form *form, const sscard_div_factors *f, int flip, char *step2_out)
{
	char buf[SSCARD_COMPAT_OUT_BUFFER], out[1024], pkey[80], ci[] = V3_INFO;
	long code;

	memset(buf, CANARY, sizeof(buf));
	code = step_checked(form->step1(1, ci, buf), buf, SSCARD_COMPAT_HSM_STEP_MAX, out,
	                    sizeof(out));
	if (code != 0)
		return code;
	assert_memory_equal(out, "03|4810|", 8); /* PUK */
	backend_external("healthy-v3.keys", SSCARD_KEY_UNBLOCK, "SSSE", f, out, 0, pkey);
	memset(buf, CANARY, sizeof(buf));
	code = step_checked(form->step2(pkey, buf), buf, SSCARD_COMPAT_HSM_STEP_MAX, step2_out,
	                    1024);
	if (code != 0)
		return code;
	backend_pin_apdu(f, step2_out, flip, pkey, sizeof(pkey));
	memset(buf, CANARY, sizeof(buf));
	return step_checked(form->step3(pkey, buf), buf, SSCARD_COMPAT_MESSAGE_MAX, out,
	                    sizeof(out));
}

static void test_hsm_pin_forms(void **state)
{
	static const pin_form reload = { iReloadPIN_HSM_Step1, iReloadPIN_HSM_Step2,
		                         iReloadPIN_HSM_Step3 };
	static const pin_form unblock = { iUnblockPIN_HSM_Step1, iUnblockPIN_HSM_Step2,
		                          iUnblockPIN_HSM_Step3 };
	sscard_div_factors f;
	char s2[1024], v[6][64], out[1024];

	(void)state;
	card_factors("healthy-v3", &f);
	/* unblock: 8424000004 + MAC (18 hex digits) */
	assert_int_equal(pin_hsm(&unblock, &f, 0, s2), 0);
	assert_int_equal(split(s2, v), 5);
	assert_string_equal(v[3], "8424000004");
	assert_string_equal(v[4], "");
	/* reload: the new PIN from the environment, 8424000114 + 16 + MAC */
	assert_int_equal(pin_hsm(&reload, &f, 0, s2), SSCARD_COMPAT_UNSUPPORTED);
	setenv(SSCARD_COMPAT_ENV_NEW_PIN, "654321", 1);
	assert_int_equal(pin_hsm(&reload, &f, 0, s2), 0);
	assert_int_equal(split(s2, v), 5);
	assert_string_equal(v[3], "8424000114");
	assert_string_equal(v[4], "654321");
	/* a wrong MAC: the card's word (6988), after which the form is over */
	assert_int_equal(pin_hsm(&unblock, &f, 1, s2), -0x6988);
	assert_int_equal(iUnblockPIN_HSM_Step3(s2, out), SSCARD_COMPAT_NOT_CONNECTED);
	/* Step3 with another command than Step2 announced: -14, nothing sent */
	assert_int_equal(iUnblockPIN_HSM_Step2(s2, out), SSCARD_COMPAT_NOT_CONNECTED);
	assert_int_equal(pin_hsm(&unblock, &f, 0, s2), 0);
	/* every operation over, the reader is free again */
	assert_int_equal(read_bas(SSCARD_COMPAT_CONTACT, out, sizeof(out)), 0);
	assert_int_equal(iReloadPIN_HSM_Step1(1, NULL, out), SSCARD_COMPAT_BAD_PARAM);
	assert_int_equal(iReloadPIN_HSM_Step2(out, NULL), SSCARD_COMPAT_BAD_PARAM);
	assert_int_equal(iUnblockPIN_HSM_Step3(out, NULL), SSCARD_COMPAT_BAD_PARAM);
}

/* Step3's pKey must be exactly the command Step2 announced. */
static void test_hsm_pin_bad_step3(void **state)
{
	static const char *const bad[] = {
		"", "8424000004", "8424000004001122", "842400000400112233FF",
		"8424000104AABBCCDD", "0024000004AABBCCDD", "8424000004AABBCCDG",
	};
	sscard_div_factors f;
	char buf[SSCARD_COMPAT_OUT_BUFFER], out[1024], pkey[80], ci[] = V3_INFO, key[64];

	(void)state;
	card_factors("healthy-v3", &f);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(iUnblockPIN_HSM_Step1(1, ci, buf), 0);
		gbk_to_utf8(buf, out, sizeof(out));
		backend_external("healthy-v3.keys", SSCARD_KEY_UNBLOCK, "SSSE", &f, out, 0, pkey);
		assert_int_equal(iUnblockPIN_HSM_Step2(pkey, buf), 0);
		snprintf(key, sizeof(key), "%s", bad[i]);
		assert_int_equal(iUnblockPIN_HSM_Step3(key, buf), SSCARD_COMPAT_BAD_PARAM);
		assert_int_equal(iUnblockPIN_HSM_Step3(key, buf), SSCARD_COMPAT_NOT_CONNECTED);
	}
}

/* ---- the code table and the messages ---------------------------------------------- */

static void test_code_table(void **state)
{
	(void)state;
	assert_int_equal(compat_code_of(SSCARD_OK, 0x9000), 0);
	assert_int_equal(compat_code_of(SSCARD_E_NO_CARD, 0), SSCARD_COMPAT_NO_CARD);
	assert_int_equal(compat_code_of(SSCARD_E_CARD_REMOVED, 0), SSCARD_COMPAT_NO_CARD);
	assert_int_equal(compat_code_of(SSCARD_E_MUTE, 0), SSCARD_COMPAT_NO_RESPONSE);
	assert_int_equal(compat_code_of(SSCARD_E_NO_SERVICE, 0), SSCARD_COMPAT_READER_ERROR);
	assert_int_equal(compat_code_of(SSCARD_E_BAD_ATR, 0), SSCARD_COMPAT_NOT_POWERED);
	assert_int_equal(compat_code_of(SSCARD_E_KEYSTORE, 0), SSCARD_COMPAT_NO_RKSSSE);
	assert_int_equal(compat_code_of(SSCARD_E_NOT_GENUINE, 0), SSCARD_COMPAT_NOT_GENUINE);
	assert_int_equal(compat_code_of(SSCARD_E_FILE_NOT_FOUND, 0x6A82), SSCARD_COMPAT_WRONG_CARD);
	/* the PIN outcomes by name, not by status word */
	assert_int_equal(compat_code_of(SSCARD_E_WRONG_PIN, 0x63C1), SSCARD_COMPAT_PIN_CHECK_FAILED);
	assert_int_equal(compat_code_of(SSCARD_E_PIN_BLOCKED, 0x6983), SSCARD_COMPAT_PIN_LOCKED);
	/* status words: minus their decimal value (design.md s.8 examples) */
	assert_int_equal(compat_code_of(SSCARD_E_APP_LOCKED, 0x9303), -37635);
	assert_int_equal(compat_code_of(SSCARD_E_CARD_ERROR, 0x6400), -0x6400);
	/* the card's last word does not mean this rc: the row's word */
	assert_int_equal(compat_code_of(SSCARD_E_MEMORY_FAILURE, 0x9000), -0x6581);
	assert_int_equal(compat_code_of(SSCARD_E_MEMORY_FAILURE, 0), -0x6581);
	assert_int_equal(compat_code_of(SSCARD_E_SECURITY, 0x6A83), -0x6982);
	/* "not supported": the card's 6A81, or the library's verdict on an
	 * SSF33 card (no such word from the card): -2202 */
	assert_int_equal(compat_code_of(SSCARD_E_NOT_SUPPORTED, 0x6A81), -0x6A81);
	assert_int_equal(compat_code_of(SSCARD_E_NOT_SUPPORTED, 0x9000),
	                 SSCARD_COMPAT_ALG_UNSUPPORTED);
	/* every rc libsscard names maps to an error, never to success */
	for (int rc = -200; rc < 0; rc++)
		if (strcmp(sscard_rc_name(rc), "UNKNOWN") != 0)
			assert_true(compat_code_of((sscard_rc)rc, 0) < 0);
	assert_int_equal(compat_code_of((sscard_rc)-199, 0), SSCARD_COMPAT_READER_ERROR);
}

/* The customary numbers themselves (design.md s.8): a HIS compares them
 * as integers, so a swap is a bug even when the names agree. */
static void test_code_numbers(void **state)
{
	static const struct {
		long code;
		long value;
		const char *zh;
	} rows[] = {
		{ SSCARD_COMPAT_WRONG_CARD, -1, "卡类型不对(不是社会保障卡)" },
		{ SSCARD_COMPAT_LOAD_FAILED, -5, "加载动态库失败(GBK字符转换模块)" },
		{ SSCARD_COMPAT_NOT_GENUINE, -21, "内部认证失败(卡片非法)" },
		{ SSCARD_COMPAT_HSM_MISMATCH, -25, "内部认证结果与加密机不一致" },
		{ SSCARD_COMPAT_PINPAD_LENGTH, -33, "密码长度错误" },
		{ SSCARD_COMPAT_PINPAD_MISMATCH, -34, "两次输入的密码不一致" },
		{ SSCARD_COMPAT_PIN_INITIAL, -35, "初始密码不能进行交易" },
		{ SSCARD_COMPAT_PIN_BACK_TO_INITIAL, -36, "不能修改为初始密码" },
		{ SSCARD_COMPAT_ILLEGAL_CHARS, -41, "数据含有非法字符" },
		{ SSCARD_COMPAT_DATA_LENGTH, -42, "数据长度错误" },
		{ SSCARD_COMPAT_NO_PSAM, -2201, "无PSAM卡" },
		{ SSCARD_COMPAT_NO_HSM_NEEDED, -2204, "无需加密机认证" },
	};
	char buf[SSCARD_COMPAT_OUT_BUFFER], out[1024];

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		assert_int_equal(rows[i].code, rows[i].value);
		assert_int_equal(compat_fail(buf, rows[i].code, 0), rows[i].value);
		gbk_to_utf8(buf, out, sizeof(out));
		assert_string_equal(out, rows[i].zh);
	}
	/* the -1 message claims nothing about locked applications: a
	 * locked or blocked one is its own status word */
	assert_null(strstr(compat_message_utf8(SSCARD_COMPAT_WRONG_CARD), "锁"));
	assert_int_equal(compat_code_of(SSCARD_E_APP_BLOCKED, 0x6283), -0x6283);
	assert_int_equal(compat_code_of(SSCARD_E_APP_LOCKED, 0x9303), -0x9303);
}

/* The PIN pad's own answers (PC/SC part 10) are the customary -31..-34. */
static void test_pinpad_codes(void **state)
{
	(void)state;
	assert_int_equal(compat_pinpad_code(SSCARD_E_CARD_ERROR, 0x6400), SSCARD_COMPAT_PINPAD_TIMEOUT);
	assert_int_equal(compat_pinpad_code(SSCARD_E_CARD_ERROR, 0x6401),
	                 SSCARD_COMPAT_PINPAD_CANCELLED);
	assert_int_equal(compat_pinpad_code(SSCARD_E_CARD_ERROR, 0x6402), -34);
	assert_int_equal(compat_pinpad_code(SSCARD_E_CARD_ERROR, 0x6403), -33);
	assert_int_equal(compat_pinpad_code(SSCARD_E_TIMEOUT, 0), SSCARD_COMPAT_PINPAD_TIMEOUT);
	/* the card's answers keep their meaning */
	assert_int_equal(compat_pinpad_code(SSCARD_E_WRONG_PIN, 0x63C2), 0);
	assert_int_equal(compat_pinpad_code(SSCARD_E_PIN_BLOCKED, 0x6983), 0);
}

static void test_messages_fit(void **state)
{
	char buf[SSCARD_COMPAT_OUT_BUFFER], out[1024], about[400];

	(void)state;
	/* every message of the table converts to GBK and fits */
	for (size_t i = 0; i < compat_message_count(); i++) {
		long code = compat_message_code(i);

		memset(buf, CANARY, sizeof(buf));
		assert_int_equal(compat_fail(buf, code, 0), code);
		assert_true(buf[0] != '\0');
		assert_true(strlen(buf) < SSCARD_COMPAT_MESSAGE_MAX);
	}
	/* every status word's message fits */
	for (unsigned sw = 0x6000; sw <= 0x9FFF; sw++) {
		assert_int_equal(compat_fail(buf, -(long)sw, (uint16_t)sw), -(long)sw);
		assert_true(buf[0] != '\0' && strlen(buf) < SSCARD_COMPAT_MESSAGE_MAX);
	}
	/* a detail too long for the message is left out, never cut */
	memset(about, 'x', sizeof(about) - 1);
	about[sizeof(about) - 1] = '\0';
	compat_fail_about(buf, SSCARD_COMPAT_DATA_INVALID, 0, about);
	gbk_to_utf8(buf, out, sizeof(out));
	assert_string_equal(out, "数据无效");
	compat_fail(buf, SSCARD_COMPAT_PIN_CHECK_FAILED, 0x63C0);
	gbk_to_utf8(buf, out, sizeof(out));
	assert_string_equal(out, "密码校验失败,还可尝试0次");
	compat_fail(buf, -0x6A82, 0x6A82);
	gbk_to_utf8(buf, out, sizeof(out));
	assert_non_null(strstr(out, "卡片返回状态字6A82"));
}

/* The header's maxima are the data element table's lengths. */
static void test_maxima_match_element_table(void **state)
{
	(void)state;
	assert_int_equal(SSCARD_COMPAT_CARDID_LEN, 2u * sscard_elem_by_key("card_id")->len);
	assert_int_equal(SSCARD_COMPAT_SSN_LEN, sscard_elem_by_key("ssn")->len);
	assert_int_equal(SSCARD_COMPAT_CARDNO_LEN, sscard_elem_by_key("card_number")->len);
	assert_int_equal(SSCARD_COMPAT_VERSION_LEN, sscard_elem_by_key("spec_version")->len);
	assert_int_equal(SSCARD_COMPAT_DATE_LEN, 2u * sscard_elem_by_key("issue_date")->len);
	assert_int_equal(SSCARD_COMPAT_DATE_LEN, 2u * sscard_elem_by_key("expiry_date")->len);
	assert_int_equal(SSCARD_COMPAT_NAME_LEN,
	                 sscard_elem_by_key("name")->len + sscard_elem_by_key("name_ext")->len);
	assert_int_equal(SSCARD_COMPAT_HIST_LEN, 2u * SSCARD_ATR_MAX_HIST);
	assert_true(SSCARD_COMPAT_READCARDBAS_MAX <= SSCARD_COMPAT_OUT_BUFFER);
	assert_true(SSCARD_COMPAT_HSM_STEP1_MAX <= SSCARD_COMPAT_OUT_BUFFER);
}

/* ---- the output builder, dates, region ------------------------------------------- */

static void test_out_builder(void **state)
{
	char buf[16];
	compat_out o;

	(void)state;
	compat_out_init(&o, buf, sizeof(buf));
	compat_out_field(&o, "abc", 3);
	compat_out_field(&o, "", 5);
	assert_false(o.failed);
	assert_string_equal(buf, "abc||");
	/* over its own maximum: refused, buffer as it was */
	compat_out_field(&o, "abcd", 3);
	assert_true(o.failed);
	assert_string_equal(buf, "abc||");
	/* exactly filling the buffer: 5 + "12345678|" + NUL = 15 bytes; then
	 * one more byte does not fit */
	compat_out_init(&o, buf, sizeof(buf));
	compat_out_field(&o, "abc", 3);
	compat_out_field(&o, "", 0);
	compat_out_field(&o, "123456789", 20);
	assert_false(o.failed);
	assert_string_equal(buf, "abc||123456789|");
	compat_out_field(&o, "", 0);
	assert_true(o.failed);
	assert_string_equal(buf, "abc||123456789|");
	/* GBK: two bytes per character count against the maximum */
	compat_out_init(&o, buf, sizeof(buf));
	compat_out_field(&o, "张三", 3);
	assert_true(o.failed);
	compat_out_init(&o, buf, sizeof(buf));
	compat_out_field(&o, "张三", 4);
	assert_false(o.failed);
	assert_string_equal(buf, "\xD5\xC5\xC8\xFD|");
	/* not in GBK (U+4DAE), not UTF-8, or holding the separator */
	compat_out_init(&o, buf, sizeof(buf));
	compat_out_field(&o, "\xE4\xB6\xAE", 10);
	assert_true(o.failed);
	compat_out_init(&o, buf, sizeof(buf));
	compat_out_field(&o, "\xFF\xFE", 10);
	assert_true(o.failed);
	compat_out_init(&o, buf, sizeof(buf));
	compat_out_field(&o, "a|b", 10);
	assert_true(o.failed);
	assert_string_equal(buf, "");
}

static void test_dates_and_region(void **state)
{
	char d[SSCARD_COMPAT_DATE_LEN + 1], r[SSCARD_COMPAT_REGION_LEN + 1];

	(void)state;
	assert_int_equal(compat_date("2021-03-15", d), 0);
	assert_string_equal(d, "20210315");
	assert_int_equal(compat_date("20210315", d), 0);
	assert_string_equal(d, "20210315");
	assert_int_equal(compat_date("", d), 0);
	assert_string_equal(d, "");
	assert_int_equal(compat_date("2021-3-15", d), -1);
	assert_int_equal(compat_date("202103150", d), -1);
	assert_int_equal(compat_date("2021/03/15", d), -1);
	assert_int_equal(compat_date("2021-03-1x", d), -1);
	assert_string_equal(d, "");
	assert_int_equal(compat_region("110100D15600000500A1B2C3D4E5F607", r), 0);
	assert_string_equal(r, "110100");
	assert_int_equal(compat_region("11010AD15600000500A1B2C3D4E5F607", r),
	                 SSCARD_COMPAT_BAD_CARD_ID);
	assert_int_equal(compat_region("", r), SSCARD_COMPAT_BAD_CARD_ID);
	assert_int_equal(compat_region("110100D156", r), SSCARD_COMPAT_BAD_CARD_ID);
	assert_string_equal(r, "");
}

/* A formatted card with a blank identification code: -20. */
static void test_format_bad_card_id(void **state)
{
	compat_basic b;
	char buf[SSCARD_COMPAT_OUT_BUFFER], out[1024];

	(void)state;
	memset(&b, 0, sizeof(b));
	assert_int_equal(compat_format_basic(&b, buf), SSCARD_COMPAT_BAD_CARD_ID);
	gbk_to_utf8(buf, out, sizeof(out));
	assert_string_equal(out, "卡识别码错误");
	snprintf(b.card_id, sizeof(b.card_id), "110100D15600000500A1B2C3D4E5F607");
	snprintf(b.issue_date, sizeof(b.issue_date), "2021-02-30x");
	assert_int_equal(compat_format_basic(&b, buf), SSCARD_COMPAT_DATA_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_read_healthy_v2, clean_env),
		cmocka_unit_test_setup(test_read_healthy_v3_without_key, clean_env),
		cmocka_unit_test_setup(test_read_via_sscard_reader, clean_env),
		cmocka_unit_test_setup(test_read_faulty_profiles, clean_env),
		cmocka_unit_test_setup(test_read_from_threads, clean_env),
		cmocka_unit_test_setup(test_read_longest_fields, clean_env),
		cmocka_unit_test_setup(test_read_pipe_in_name, clean_env),
		cmocka_unit_test_setup(test_read_v3_with_keystore, clean_env),
		cmocka_unit_test_setup(test_read_forged_card, clean_env),
		cmocka_unit_test_setup(test_read_v3_with_psam, clean_env),
		cmocka_unit_test_setup(test_get_reader_info, clean_env),
		cmocka_unit_test_setup(test_verify_pin, clean_env),
		cmocka_unit_test_setup(test_change_pin, clean_env),
		cmocka_unit_test_setup(test_itype, clean_env),
		cmocka_unit_test(test_contactless_names),
		cmocka_unit_test_setup(test_hsm_two_step_v3, clean_env),
		cmocka_unit_test_setup(test_hsm_two_step_v2, clean_env),
		cmocka_unit_test_setup(test_hsm_verdicts, clean_env),
		cmocka_unit_test_setup(test_hsm_bad_key, clean_env),
		cmocka_unit_test_setup(test_hsm_threads_and_order, clean_env),
		cmocka_unit_test_setup(test_read_card_ssse, clean_env),
		cmocka_unit_test_setup(test_read_card_df04, clean_env),
		cmocka_unit_test_setup(test_read_card_with_key, clean_env),
		cmocka_unit_test_setup(test_read_card_errors, clean_env),
		cmocka_unit_test_setup(test_write_card, clean_env),
		cmocka_unit_test_setup(test_write_card_not_gbk, clean_env),
		cmocka_unit_test_setup(test_unblock_and_reload_pin, clean_env),
		cmocka_unit_test_setup(test_get_card_type, clean_env),
		cmocka_unit_test_setup(test_hsm_read_card, clean_env),
		cmocka_unit_test_setup(test_hsm_forms_do_not_mix, clean_env),
		cmocka_unit_test_setup(test_hsm_write_card, clean_env),
		cmocka_unit_test_setup(test_hsm_pin_forms, clean_env),
		cmocka_unit_test_setup(test_hsm_pin_bad_step3, clean_env),
		cmocka_unit_test(test_code_table),
		cmocka_unit_test(test_code_numbers),
		cmocka_unit_test(test_pinpad_codes),
		cmocka_unit_test(test_messages_fit),
		cmocka_unit_test(test_maxima_match_element_table),
		cmocka_unit_test(test_out_builder),
		cmocka_unit_test(test_dates_and_region),
		cmocka_unit_test(test_format_bad_card_id),
	};

	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
