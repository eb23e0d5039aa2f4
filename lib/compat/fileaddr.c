/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pFileAddr of iReadCard / iWriteCard (design.md s.8): groups
 * "FILE|tag|tag|...|$", FILE the ministry's spelling of a file (SSSE or
 * an application DF, then the EF: "SSSEEF05", "DF04EF05"), each tag two
 * hex digits. Every tag is resolved to an element of libsscard's table
 * before the card is touched; an element the table lacks is refused with
 * -13 and the reason (below, or "not in the table"), never guessed.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "compat_int.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define ANY_TAG (-1)

/* What the library's element table leaves out on purpose, and why. */
static const struct {
	const char *file;
	int tag; /* ANY_TAG: the whole file */
	const char *why;
} refused[] = {
	{ "DF04EF06", 0x92, "脱机累计金额(92)的格式公开资料不一致(BCD或二进制),不予猜测" },
	{ "DF04EF08", ANY_TAG, "交易明细是循环记录文件,不是数据项" },
	{ "DF04EF15", ANY_TAG, "特殊结算记录是循环记录文件,不是数据项" },
	{ "SSSEEF07", ANY_TAG, "指纹是二进制文件,不是数据项" },
	{ "SSSEEF08", ANY_TAG, "照片是二进制文件,不是数据项" },
};

static const char *refusal(const char *file, int tag)
{
	for (size_t i = 0; i < COUNT(refused); i++)
		if (strcmp(refused[i].file, file) == 0 &&
		    (refused[i].tag == ANY_TAG || refused[i].tag == tag))
			return refused[i].why;
	return NULL;
}

/* "SSSEEF05" -> "SSSE/EF05", "DF04EF05" -> "SSSE/DF04/EF05" (the
 * library's names); false when the name is not of that form. */
static bool library_path(const char *name, char *path, size_t pathsz)
{
	bool ssse = strncmp(name, "SSSE", 4) == 0;
	bool df = strncmp(name, "DF", 2) == 0 && isxdigit((unsigned char)name[2]) &&
	          isxdigit((unsigned char)name[3]);

	if (strlen(name) != COMPAT_FILENAME_LEN || strncmp(name + 4, "EF", 2) != 0 ||
	    !isxdigit((unsigned char)name[6]) || !isxdigit((unsigned char)name[7]) || !(ssse || df))
		return false;
	if (ssse)
		snprintf(path, pathsz, "SSSE/%s", name + 4);
	else
		snprintf(path, pathsz, "SSSE/%.4s/%s", name, name + 4);
	return true;
}

/* The element `tag` of the library file `path`, or -1. */
static int element_in(const char *path, int tag)
{
	for (size_t i = 0; i < sscard_element_count_all(); i++)
		if (sscard_element_tag(i) == tag && strcmp(sscard_element_file(i), path) == 0)
			return (int)i;
	return -1;
}

/* Copy the token up to `stop` (at most max characters, upper-cased) and
 * return a pointer after the stop character, or NULL when it is missing
 * or the token is too long. */
static const char *token(const char *p, char stop, char *tok, size_t max)
{
	size_t n = 0;

	while (p[n] && p[n] != stop) {
		if (n == max)
			return NULL;
		tok[n] = (char)toupper((unsigned char)p[n]);
		n++;
	}
	tok[n] = '\0';
	return p[n] == stop ? p + n + 1 : NULL;
}

static long bad_addr(char *out)
{
	return compat_fail_about(out, SSCARD_COMPAT_BAD_PARAM, 0, "pFileAddr");
}

/* One tag of the group g: resolved, or refused with its reason. */
static long add_tag(compat_fileaddr *fa, const char *path, const char *tok, char *out)
{
	compat_group *g = &fa->group[fa->ngroups];
	char about[160];
	unsigned tag = 0;
	int i;

	if (strchr(tok, ':'))
		return compat_fail_about(out, SSCARD_COMPAT_UNSUPPORTED, 0,
		                         "不支持按记录号或子项寻址(如99:01)");
	if (strlen(tok) != 2 || !isxdigit((unsigned char)tok[0]) ||
	    !isxdigit((unsigned char)tok[1]) || sscanf(tok, "%2x", &tag) != 1)
		return bad_addr(out);
	if (fa->nitems == COMPAT_ITEMS_MAX)
		return compat_fail_about(out, SSCARD_COMPAT_DATA_LENGTH, 0, "pFileAddr");
	i = element_in(path, (int)tag);
	if (i < 0) {
		const char *why = refusal(g->name, (int)tag);

		snprintf(about, sizeof(about), "%s/%02X: %s", g->name, tag,
		         why ? why : "元素表中无此数据项");
		return compat_fail_about(out, SSCARD_COMPAT_UNSUPPORTED, 0, about);
	}
	fa->item[fa->nitems++] = (size_t)i;
	g->count++;
	return SSCARD_COMPAT_OK;
}

/* One group "FILE|tag|...|$" from p; *next after its '$'. */
static long add_group(compat_fileaddr *fa, const char *p, const char **next, char *out)
{
	compat_group *g = &fa->group[fa->ngroups];
	char path[32], tok[8];
	long code;

	memset(g, 0, sizeof(*g));
	p = token(p, '|', g->name, COMPAT_FILENAME_LEN);
	if (!p || !library_path(g->name, path, sizeof(path)))
		return bad_addr(out);
	memcpy(g->df, g->name, 4);
	g->df[4] = '\0';
	g->first = fa->nitems;
	while (*p != '$') {
		p = token(p, '|', tok, sizeof(tok) - 1);
		if (!p)
			return bad_addr(out);
		code = add_tag(fa, path, tok, out);
		if (code != SSCARD_COMPAT_OK)
			return code;
	}
	if (g->count == 0)
		return bad_addr(out);
	*next = p + 1;
	fa->ngroups++;
	return SSCARD_COMPAT_OK;
}

long compat_fileaddr_parse(const char *in, compat_fileaddr *fa, char *out)
{
	const char *p = in;
	long code;

	memset(fa, 0, sizeof(*fa));
	if (!in || !*in || strnlen(in, COMPAT_FILEADDR_MAX + 1) > COMPAT_FILEADDR_MAX)
		return bad_addr(out);
	while (*p) {
		if (fa->ngroups == COMPAT_GROUPS_MAX)
			return compat_fail_about(out, SSCARD_COMPAT_DATA_LENGTH, 0, "pFileAddr");
		code = add_group(fa, p, &p, out);
		if (code != SSCARD_COMPAT_OK)
			return code;
	}
	return SSCARD_COMPAT_OK;
}

/* Field maximum of element i in the output: hex of binary values is two
 * characters a byte; GBK text and dates (YYYYMMDD from 4 bytes) fit too. */
size_t compat_item_max(size_t i)
{
	int len = sscard_element_length(i);

	return len > 0 ? 2u * (size_t)len : 0;
}

size_t compat_fileaddr_output_max(const compat_fileaddr *fa)
{
	size_t n = 1; /* NUL */

	for (size_t g = 0; g < fa->ngroups; g++) {
		n += COMPAT_FILENAME_LEN + 1u + 1u; /* "FILE|" and "$" */
		for (size_t k = 0; k < fa->group[g].count; k++)
			n += compat_item_max(fa->item[fa->group[g].first + k]) + 1u;
	}
	return n;
}
