#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# check-installed.sh SRCDIR BUILDDIR SANITIZE EXAMPLE...
# Install the build into a temporary DESTDIR, then build each example with
# only what an integrator has: the installed headers, libsscard.so and
# sscard.pc (`$CC $(pkg-config --cflags --libs sscard)`), and run the ones
# that can run against the simulated card without a reader.
set -eu
src=$1 build=$2 sanitize=$3; shift 3
if [ "$sanitize" != none ]; then
	echo "check-installed: skipped in a -Db_sanitize=$sanitize build (the installed library needs the sanitizer runtime)"
	exit 77
fi
CC=${CC:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
destdir=$tmp/root

meson install -C "$build" --no-rebuild --quiet --destdir "$destdir" >/dev/null
pc=$(find "$destdir" -name sscard.pc | head -n 1)
[ -n "$pc" ] || { echo "check-installed: meson install put no sscard.pc under $destdir" >&2; exit 1; }
# PKG_CONFIG_SYSROOT_DIR maps the .pc's prefix into the DESTDIR.
PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR=$destdir
export PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
flags=$(pkg-config --cflags --libs sscard)
libdir=$(dirname "$(dirname "$pc")") # DESTDIR/prefix/libdir/pkgconfig/sscard.pc
echo "check-installed: pkg-config --cflags --libs sscard: $flags"

for name in "$@"; do
	# shellcheck disable=SC2086
	$CC -std=c11 -Wall -Wextra -Werror -o "$tmp/$name" "$src/examples/$name.c" $flags
	echo "check-installed: built $name against the installed library"
done

# Run what needs no reader against the in-process simulator, with the
# installed library (not the build tree's: no rpath).
export LD_LIBRARY_PATH=$libdir
ldd "$tmp/$1" | grep -q "libsscard.so.0 => $libdir/" ||
	{ echo "check-installed: $1 does not load the installed library:" >&2; ldd "$tmp/$1" >&2; exit 1; }
profile=$src/vectors/cards/healthy-v3.json
if [ -r "$profile" ]; then
	for name in "$@"; do
		case $name in
		read_basic|diagnose)
			"$tmp/$name" "sim:$profile" > "$tmp/$name.out" ||
				{ echo "check-installed: $name sim:$profile failed:" >&2; cat "$tmp/$name.out" >&2; exit 1; }
			echo "check-installed: ran $name against sim:$profile"
			;;
		esac
	done
	if [ -x "$tmp/diagnose" ]; then
		grep -q '^verdict: OK$' "$tmp/diagnose.out" ||
			{ echo "check-installed: diagnose of a healthy card is not OK" >&2; exit 1; }
	fi
fi
exit 0
