#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# check-man.sh PAGE...: render each manual page the way man(1) does and
# fail on any warning: `man --warnings -l` (preconv, tbl, groff -ww) and a
# plain `groff -ww -z -man`. Pages carry Chinese examples, so they are
# rendered in a UTF-8 locale, as a Chinese-reading technician would.
set -u
LC_ALL=C.UTF-8 MANWIDTH=80 MAN_KEEP_FORMATTING=
export LC_ALL MANWIDTH
status=0
for page in "$@"; do
	[ -s "$page" ] || { echo "check-man: $page is missing or empty" >&2; status=1; continue; }
	out=$(man --warnings -l "$page" 2>&1 >/dev/null)
	if [ -n "$out" ]; then
		printf 'check-man: man --warnings -l %s:\n%s\n' "$page" "$out" >&2
		status=1
	fi
	out=$(preconv "$page" | groff -ww -z -man -Tutf8 2>&1)
	if [ -n "$out" ]; then
		printf 'check-man: groff -ww -z -man %s:\n%s\n' "$page" "$out" >&2
		status=1
	fi
	# A page must have NAME and SYNOPSIS (or DESCRIPTION) sections.
	grep -q '^\.SH "\{0,1\}NAME' "$page" || { echo "check-man: $page has no NAME section" >&2; status=1; }
done
exit $status
