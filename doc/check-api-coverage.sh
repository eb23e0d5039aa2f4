#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# check-api-coverage.sh [--macro M] HEADER... -- DOCUMENTED-NAME...
# Every function the headers export (declared with the macro M, default
# SSCARD_API) must be documented by a manual page, either as a page's own
# name or as one of its aliases (doc/meson.build), and every documented
# name must still exist in the headers.
set -u
macro=SSCARD_API
if [ "${1:-}" = --macro ]; then macro=$2; shift 2; fi
headers=
while [ $# -gt 0 ] && [ "$1" != -- ]; do headers="$headers $1"; shift; done
[ $# -gt 0 ] && shift
# shellcheck disable=SC2086 # a list of files
exported=$(grep -hv "^#" $headers | sed -n "s/.*$macro[^(]*[ *]\([A-Za-z_][A-Za-z0-9_]*\)(.*/\1/p" | sort -u)
[ -n "$exported" ] || { echo "check-api-coverage: no $macro functions in$headers" >&2; exit 1; }
documented=$(printf '%s\n' "$@" | sort -u)
missing=$(printf '%s\n' "$exported" | comm -23 - /dev/fd/3 3<<E
$documented
E
)
stale=$(printf '%s\n' "$documented" | comm -23 - /dev/fd/3 3<<E
$exported
E
)
status=0
if [ -n "$missing" ]; then
	echo "check-api-coverage: exported but without a manual page (add to doc/meson.build):" >&2
	printf '  %s\n' $missing >&2
	status=1
fi
if [ -n "$stale" ]; then
	echo "check-api-coverage: documented but no longer in$headers:" >&2
	printf '  %s\n' $stale >&2
	status=1
fi
[ $status -eq 0 ] && echo "check-api-coverage: $(printf '%s\n' "$exported" | wc -l) exported functions, all documented"
exit $status
