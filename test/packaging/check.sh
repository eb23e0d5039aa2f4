#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# check.sh: build the Debian packages, check them with lintian, install
# them, and run the installed cardtool against the installed cardsim
# through a private pcscd (test/integration/sandbox.sh).
#
#   test/packaging/check.sh [--dpkg] [--keep DIR]
#
#   (default)  install by unpacking every .deb into a throwaway root
#              (dpkg -x) and run the tools from there, with the
#              packaged libsscard.so.0 (LD_LIBRARY_PATH), nothing else
#   --dpkg     install them for real with dpkg -i (apt-get for missing
#              dependencies), run /usr/bin/cardtool, then purge them again
#   --keep DIR leave the source copy, the .debs and the logs in DIR
#
# Needs root (dpkg-buildpackage is fine without, the sandbox is not) and
# the build dependencies of debian/control plus dpkg-dev, debhelper and
# lintian: apt-get install dpkg-dev debhelper lintian fakeroot.
# Exit status 0 when every step passed.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
mode=root keep=
while [ $# -gt 0 ]; do
	case $1 in
	--dpkg) mode=dpkg; shift ;;
	--keep) keep=$2; shift 2 ;;
	-h|--help) sed -n '3,20p' "$0"; exit 0 ;;
	*) echo "check.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
done
step() { printf '\n== %s ==\n' "$*"; }

work=${keep:-$(mktemp -d)}
mkdir -p "$work"
[ -n "$keep" ] || trap 'rm -rf "$work"' EXIT

step "copy the source tree (tracked and new files, not build directories)"
rm -rf "$work/sscard"
mkdir -p "$work/sscard"
(cd "$src" && git ls-files -z --cached --others --exclude-standard |
	grep -zv -e '^build' -e '^obj-' | xargs -0 tar -cf - --no-recursion) |
	tar -xf - -C "$work/sscard"

step "dpkg-buildpackage -us -uc -b"
(cd "$work/sscard" && dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1 ||
	{ tail -n 60 "$work/build.log" >&2; echo "check.sh: dpkg-buildpackage failed (log: $work/build.log)" >&2; exit 1; }
changes=$(ls "$work"/sscard_*.changes)
debs=$(ls "$work"/*.deb)
printf '%s\n' $debs

step "lintian (errors fail)"
lintian --fail-on error --display-info "$changes" | tee "$work/lintian.log"

multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
if [ "$mode" = dpkg ]; then
	step "install with dpkg"
	pkgs=$(for d in $debs; do dpkg-deb -f "$d" Package; done)
	trap 'dpkg --purge $pkgs >/dev/null || true; [ -n "$keep" ] || rm -rf "$work"' EXIT
	dpkg -i $debs || apt-get install -f -y
	root=
	unset LD_LIBRARY_PATH
else
	step "install into a throwaway root (dpkg -x)"
	root=$work/root
	rm -rf "$root"
	for d in $debs; do dpkg -x "$d" "$root"; done
	export LD_LIBRARY_PATH=$root/usr/lib/$multiarch
fi
cardtool=$root/usr/bin/cardtool cardsim=$root/usr/bin/cardsim
cards=$root/usr/share/sscard/cards
ldd "$cardtool" | grep libsscard
loaded=$(ldd "$cardtool" | sed -n 's/^[[:space:]]*libsscard.so.0 => \([^ ]*\) .*/\1/p')
[ -n "$loaded" ] && [ "$(readlink -f "$loaded")" = "$(readlink -f "$root/usr/lib/$multiarch/libsscard.so.0")" ] ||
	{ echo "check.sh: cardtool does not use the packaged libsscard.so.0 ($loaded)" >&2; exit 1; }
"$cardtool" --version
man -l "$root/usr/share/man/man1/cardtool.1.gz" >/dev/null
[ -f "$root/usr/share/bash-completion/completions/cardtool" ]
[ -f "$root/usr/lib/$multiarch/pkgconfig/sscard.pc" ]

step "the packaged cardtool against the packaged cardsim, through a private pcscd"
# The sandbox's helper that waits for pcscd to show the card: built here
# from the sources, straight on pcsc-lite (it is not part of any package).
pcsc_wait=$work/pcsc_wait
# shellcheck disable=SC2046
cc -o "$pcsc_wait" "$src/test/integration/pcsc_wait.c" $(pkg-config --cflags --libs libpcsclite)
export CARDTOOL=$cardtool
CARDSIM=$cardsim PCSC_WAIT=$pcsc_wait "$src/test/integration/sandbox.sh" \
	--profile "$cards/healthy-v3.json" -- bash -euc '
		"$CARDTOOL" list
		"$CARDTOOL" --reader "$SSCARD_SANDBOX_READER" info
		"$CARDTOOL" --reader "$SSCARD_SANDBOX_READER" --json info | tee /dev/stderr |
			grep -q "\"card_number\": *\"A00000019\""
		"$CARDTOOL" --reader "$SSCARD_SANDBOX_READER" diagnose'

compat_lib=$root/usr/lib/$multiarch/libsscard-compat.so.0
if [ -e "$compat_lib" ]; then
	step "a hospital system dlopen()s the packaged libsscard-compat.so.0 and reads the card"
	# shellcheck disable=SC2046
	cc -o "$work/compat_dlopen" "$src/test/integration/compat_dlopen.c" -ldl -lpthread
	expected='630100|630102197503150025|X00000019|630100D1560000050087CF2001864961|李四|0087CF20018649618C009773F5|2.00|20180620|20280620|||'
	CARDSIM=$cardsim PCSC_WAIT=$pcsc_wait "$src/test/integration/sandbox.sh" \
		--profile "$cards/healthy-v2.json" -- "$work/compat_dlopen" "$compat_lib" "$expected"
fi
sscardd=$root/usr/sbin/sscardd
if [ -e "$sscardd" ]; then
	step "sscard-daemon: the unit, the user, the packaged sscardd answering through a private pcscd"
	unit=$(ls "$root"/lib/systemd/system/sscardd.service "$root"/usr/lib/systemd/system/sscardd.service 2>/dev/null | head -n 1)
	grep -qx 'User=sscardd' "$unit"
	[ -f "$root/usr/share/polkit-1/rules.d/sscardd.rules" ] && [ -f "$root/etc/sscard/sscardd.conf" ]
	[ -f "$root/usr/share/sscard/ui/index.html" ] && man -l "$root/usr/share/man/man8/sscardd.8.gz" >/dev/null
	daemon_deb=$(ls "$work"/sscard-daemon_*.deb)
	dpkg-deb -e "$daemon_deb" "$work/daemon-control"
	grep -q 'adduser --system' "$work/daemon-control/postinst"
	"$sscardd" -c "$root/etc/sscard/sscardd.conf" --check-config
	export SSCARDD=$sscardd SSCARDD_UI=$root/usr/share/sscard/ui
	CARDSIM=$cardsim PCSC_WAIT=$pcsc_wait "$src/test/integration/sandbox.sh" \
		--profile "$cards/healthy-v3.json" -- bash -euc '
			printf "port = 28621\nui_dir = %s\n" "$SSCARDD_UI" >/tmp/sscardd-pkg.conf
			"$SSCARDD" -c /tmp/sscardd-pkg.conf & pid=$!
			for _ in $(seq 1 100); do
				python3 -c "import urllib.request as u; print(u.urlopen(\"http://127.0.0.1:28621/v1/status\").read().decode())" && break
				sleep 0.1
			done
			kill $pid; wait $pid'
fi
echo
echo "check.sh: packages built, lintian clean of errors, installed ($mode), cardtool read cardsim's card"
