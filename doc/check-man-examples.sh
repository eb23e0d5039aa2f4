#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# check-man-examples.sh INCLUDEDIR LIBDIR PAGE.scd...: the C in the EXAMPLE
# section of every section-3 page compiles against the real headers and
# links against libsscard. A block with main() is a program; any other is
# a fragment, compiled as the body of a function that has the usual
# variables in scope (ctx, card, pin), so a renamed function, a changed
# signature or a wrong type in the documentation fails here. Programs are
# linked too, except in sanitizer builds (SANITIZE set to other than none).
set -u
inc=$1 libdir=$2; shift 2
CC=${CC:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 n=0
for page in "$@"; do
	base=$(basename "$page" .scd)
	# Code blocks of the EXAMPLE section; scdoc's \\ is a backslash.
	awk -v dir="$tmp" -v base="$base" '
		/^# / { in_ex = ($0 == "# EXAMPLE") ; next }
		in_ex && /^```/ { if (out) { close(out); out = "" } else { k++; out = dir "/" base "-" k ".c.in" } ; next }
		out { gsub(/\\\\/, "\\"); print > out }
	' "$page"
	for block in "$tmp/$base"-*.c.in; do
		[ -e "$block" ] || continue
		n=$((n + 1))
		src=${block%.in}
		if grep -q 'int main(' "$block"; then
			cp "$block" "$src"
		else
			{
				printf '#include <stdio.h>\n#include <string.h>\n#include <unistd.h>\n'
				printf '#include <sscard/sscard.h>\n\n'
				printf 'int example(sscard_ctx *ctx, sscard_card *card, char *pin);\n'
				printf 'int example(sscard_ctx *ctx, sscard_card *card, char *pin)\n{\n'
				printf '\t(void)ctx; (void)card; (void)pin;\n{\n'
				cat "$block"
				printf '}\n\treturn 0;\n}\n'
			} >"$src"
		fi
		if ! $CC -std=c11 -D_DEFAULT_SOURCE -c -o "${src%.c}.o" -I"$inc" \
			-Werror=implicit-function-declaration -Werror=incompatible-pointer-types \
			-Werror=int-conversion -Werror=return-type "$src" 2>"$tmp/cc.log"; then
			echo "check-man-examples: the example of $base does not compile:" >&2
			cat "$tmp/cc.log" >&2; fail=1
		elif [ "${SANITIZE:-none}" = none ] && grep -q 'int main(' "$src" &&
			! $CC -o "${src%.c}" "${src%.c}.o" -L"$libdir" -lsscard 2>"$tmp/cc.log"; then
			echo "check-man-examples: the example program of $base does not link:" >&2
			cat "$tmp/cc.log" >&2; fail=1
		fi
		rm -f "$block"
	done
done
[ $n -gt 0 ] || { echo "check-man-examples: no examples found" >&2; exit 1; }
[ $fail -eq 0 ] && echo "check-man-examples: $n examples compile"
exit $fail
