#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# browser.sh SANDBOX_ARGS...: the sscardd browser tests in their sandbox,
# skipped (77) at once under the 'valgrindintegration' setup: memcheck runs
# the service's same paths through test_protocol.py, and a browser adds
# minutes there and nothing memcheck would see.
if [ -n "${SSCARD_VALGRIND:-}" ]; then
	echo "sscardd browser tests: skipped under valgrind (see test_protocol.py)"
	exit 77
fi
exec "$(dirname "$0")/../integration/sandbox.sh" "$@"
