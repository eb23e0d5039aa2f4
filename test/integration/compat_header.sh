#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# compat_header.sh BUILDDIR VENDOR_C: libsscard-compat as a HIS builds
# against it, without installing anything (issue 15, issue 19 item 17):
#  1. the vendor-style declarations (VENDOR_C) link against the .so;
#  2. the same file with <sscard/sscard_compat.h> forced in first compiles
#     (a signature that differs is a "conflicting types" error);
#  3. a program that includes <sscard/sscard_compat.h> builds with nothing
#     but the uninstalled pkg-config file's flags.
set -eu
build=$1
vendor=$2
cc=${CC:-cc}
# a sanitized build's libraries need the sanitizer runtime in the program
case ${SANITIZE:-none} in
none | "") ;;
*) cc="$cc -fsanitize=$SANITIZE" ;;
esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export PKG_CONFIG_PATH="$build/meson-uninstalled"
flags=$(pkg-config --cflags sscard-compat)
libs=$(pkg-config --libs sscard-compat)
rpath="-Wl,-rpath,$build/lib/compat -Wl,-rpath,$build/lib"

# shellcheck disable=SC2086 # flag lists
$cc -std=c11 -Wall -Werror -o "$tmp/vendor" "$vendor" $libs $rpath
"$tmp/vendor"
# shellcheck disable=SC2086
$cc -std=c11 -Wall -Werror $flags -include sscard/sscard_compat.h -c -o "$tmp/vendor.o" "$vendor"

cat > "$tmp/app.c" <<'C'
#include <stdio.h>
#include <sscard/sscard_compat.h>

int main(void)
{
	char out[SSCARD_COMPAT_OUT_BUFFER];
	long rc = iReadCardBas(SSCARD_COMPAT_CONTACT, out);

	printf("iReadCardBas: %ld\n", rc);
	return rc == SSCARD_COMPAT_OK || rc < 0 ? 0 : 1;
}
C
# shellcheck disable=SC2086
$cc -std=c11 -Wall -Werror $flags -o "$tmp/app" "$tmp/app.c" $libs $rpath
SSCARD_COMPAT_CONTACT=sim:/nonexistent.json "$tmp/app"
echo "compat_header: vendor declarations link and agree; <sscard/sscard_compat.h> builds uninstalled"
