#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# check-cardtool-page.sh CARDTOOL PAGE: cardtool(1) must describe what the
# built cardtool actually has: a subsection per command its --help lists,
# and every long option that `cardtool --help` and `cardtool CMD --help`
# print. A command or option added without documentation fails here.
set -u
cardtool=$1 page=$2
status=0
text=$(LC_ALL=C.UTF-8 MANWIDTH=200 man -l "$page" 2>/dev/null) || { echo "cannot render $page" >&2; exit 1; }

commands=$("$cardtool" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')
[ -n "$commands" ] || { echo "check-cardtool-page: no commands in cardtool --help" >&2; exit 1; }

options() { # the long options a --help text mentions
	grep -o -- '--[a-z][a-z0-9-]*' | sort -u
}
for opt in $("$cardtool" --help | options); do
	printf '%s\n' "$text" | grep -q -- "$opt" ||
		{ echo "check-cardtool-page: global option $opt is not in $page" >&2; status=1; }
done
n=0
for cmd in $commands; do
	n=$((n + 1))
	# scdoc's "## cmd ..." subsection renders as a line starting with 3 spaces + "cardtool cmd"
	printf '%s\n' "$text" | grep -Eq "^ {2,3}cardtool $cmd( |\$)" ||
		{ echo "check-cardtool-page: command '$cmd' has no subsection in $page" >&2; status=1; }
	for opt in $("$cardtool" "$cmd" --help 2>&1 | options); do
		printf '%s\n' "$text" | grep -q -- "$opt" ||
			{ echo "check-cardtool-page: '$cmd $opt' is not in $page" >&2; status=1; }
	done
done
# ... and nothing the tool does not have: every "cardtool X" subsection.
for cmd in $(printf '%s\n' "$text" | sed -n 's/^ \{2,3\}cardtool \([a-z][a-z-]*\).*/\1/p' | sort -u); do
	printf '%s\n' "$commands" | grep -qx "$cmd" ||
		{ echo "check-cardtool-page: $page documents 'cardtool $cmd', which cardtool does not have" >&2; status=1; }
done
[ $status -eq 0 ] && echo "check-cardtool-page: $n commands and their options documented"
exit $status
