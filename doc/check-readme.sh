#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# check-readme.sh SRCDIR BUILDDIR SANITIZE FILE...: the commands and
# programs in the per-user README sections must work as written.
#  - every ```c block is compiled against the build's headers and
#    libsscard and run on the simulated healthy 3.0 card;
#  - every line of a ```sh block that runs build/tools/cardtool is run from
#    SRCDIR with the build's cardtool; a usage error (exit 2) or a system
#    error (exit 4 or more) fails, other exit codes are results (diagnose's
#    verdicts, an invalid card).
set -u
src=$1 build=$2 sanitize=$3; shift 3
CC=${CC:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 nc=0 nsh=0

for file in "$@"; do
	[ -f "$file" ] || continue
	# Split the fenced blocks into files: c-1.c, sh-1.sh, ...
	awk -v dir="$tmp" '
		/^```c$/  { n++; out = dir "/c-" n ".c"; next }
		/^```sh$/ { n++; out = dir "/sh-" n ".sh"; next }
		/^```/    { out = ""; next }
		out != "" { print > out }
	' "$file"
	for c in "$tmp"/c-*.c; do
		[ -e "$c" ] || continue
		nc=$((nc + 1))
		if [ "$sanitize" != none ]; then
			mv "$c" "$c.done"; continue   # needs the sanitizer runtime: checked in the plain build
		fi
		if ! $CC -std=c11 -Wall -Wextra -Werror -I"$src/include" -o "${c%.c}" "$c" \
			-L"$build/lib" -lsscard -Wl,-rpath,"$build/lib" 2>"$tmp/cc.log"; then
			echo "check-readme: $file: a C block does not compile:" >&2; cat "$tmp/cc.log" >&2; fail=1
		elif ! "${c%.c}" "sim:$src/vectors/cards/healthy-v3.json" >"$tmp/out" 2>&1; then
			echo "check-readme: $file: a C block fails on the simulated card:" >&2; cat "$tmp/out" >&2; fail=1
		fi
		mv "$c" "$c.done"
	done
	for sh in "$tmp"/sh-*.sh; do
		[ -e "$sh" ] || continue
		while IFS= read -r line; do
			case $line in build/tools/cardtool*) ;; *) continue ;; esac
			nsh=$((nsh + 1))
			# shellcheck disable=SC2086 # the line is a command line
			(cd "$src" && eval "$build/tools/cardtool${line#build/tools/cardtool}") >"$tmp/out" 2>&1
			status=$?
			if [ $status -eq 2 ] || [ $status -ge 4 ]; then
				echo "check-readme: $file: '$line' exits $status:" >&2; cat "$tmp/out" >&2; fail=1
			fi
		done <"$sh"
		mv "$sh" "$sh.done"
	done
done
[ $fail -eq 0 ] && echo "check-readme: $nc C programs and $nsh cardtool command lines work as written"
exit $fail
