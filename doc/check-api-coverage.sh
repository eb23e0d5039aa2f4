#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# check-api-coverage.sh INCLUDEDIR DOCUMENTED-NAME...: every function the
# public headers export (SSCARD_API) must be documented by a manual page,
# either as a page's own name or as one of its aliases (doc/meson.build),
# and every documented name must still exist in the headers.
set -u
incdir=$1; shift
exported=$(sed -n 's/.*SSCARD_API[^(]*[ *]\(sscard_[a-z0-9_]*\)(.*/\1/p' "$incdir"/sscard/*.h | sort -u)
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
	echo "check-api-coverage: documented but no longer in include/sscard/*.h:" >&2
	printf '  %s\n' $stale >&2
	status=1
fi
[ $status -eq 0 ] && echo "check-api-coverage: $(printf '%s\n' "$exported" | wc -l) exported functions, all documented"
exit $status
