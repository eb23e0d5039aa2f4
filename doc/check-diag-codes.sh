#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# check-diag-codes.sh LIST-PROGRAM PAGE: every reason code the library's
# diagnosis can give (sscard_diag_code_at) is in the page's table.
set -u
codes=$("$1") || { echo "check-diag-codes: $1 failed" >&2; exit 1; }
[ -n "$codes" ] || { echo "check-diag-codes: no reason codes" >&2; exit 1; }
status=0
for c in $codes; do
	grep -qw "$c" "$2" ||
		{ echo "check-diag-codes: reason $c is not documented in $2" >&2; status=1; }
done
[ $status -eq 0 ] && echo "check-diag-codes: $(echo $codes | wc -w) reason codes documented"
exit $status
