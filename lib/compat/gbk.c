/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * UTF-8 (what libsscard hands out) -> GBK (what HIS callers expect).
 * libsscard's own GBK codec is private to it, so the compat library does
 * this one conversion itself, with glibc's iconv like libsscard does.
 * One iconv descriptor per conversion: nothing shared between threads.
 */
#include <iconv.h>
#include <string.h>

#include "compat_int.h"

static long convert(const char *to, const char *from, const char *in, char *out,
                    size_t outsz)
{
	iconv_t cd;
	char *ip, *op;
	size_t inleft, outleft, r;

	if (!in || !out || outsz == 0)
		return -1;
	out[0] = '\0';
	cd = iconv_open(to, from);
	if (cd == (iconv_t)-1)
		return -1;
	ip = (char *)(uintptr_t)in;
	inleft = strlen(in);
	op = out;
	outleft = outsz - 1; /* room for the NUL */
	r = iconv(cd, &ip, &inleft, &op, &outleft);
	if (r != (size_t)-1)
		r = iconv(cd, NULL, NULL, &op, &outleft); /* flush any shift state */
	iconv_close(cd);
	if (r == (size_t)-1 || inleft != 0) {
		/* not UTF-8, not in GBK, or too long: nothing half-written */
		out[0] = '\0';
		return -1;
	}
	*op = '\0';
	return (long)(op - out);
}

long compat_utf8_to_gbk(const char *utf8, char *out, size_t outsz)
{
	return convert("GBK", "UTF-8", utf8, out, outsz);
}

long compat_gbk_to_utf8(const char *gbk, char *out, size_t outsz)
{
	return convert("UTF-8", "GBK", gbk, out, outsz);
}

bool compat_gbk_ready(void)
{
	iconv_t cd = iconv_open("GBK", "UTF-8");

	if (cd == (iconv_t)-1)
		return false;
	iconv_close(cd);
	return true;
}
