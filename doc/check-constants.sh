#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# check-constants.sh HEADER PREFIX PAGE: every constant named PREFIX...
# that HEADER defines (enum member or #define) must be described in the
# manual page PAGE, so a new return code, verdict or flag cannot go
# undocumented.
set -u
header=$1 prefix=$2 page=$3
defined=$(sed -n "s/^[[:space:]]*\(#define[[:space:]]*\)\{0,1\}\($prefix[A-Z0-9_]*\).*/\2/p" "$header" | grep -v '_H$' | sort -u)
[ -n "$defined" ] || { echo "check-constants: no $prefix constants in $header" >&2; exit 1; }
status=0
for c in $defined; do
	grep -q "$c" "$page" || { echo "check-constants: $c ($header) is not described in $page" >&2; status=1; }
done
[ $status -eq 0 ] && echo "check-constants: $(echo $defined | wc -w) $prefix* constants described in $(basename "$page")"
exit $status
