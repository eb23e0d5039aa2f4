#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# check-unit.sh UNIT SSCARDD: the systemd unit of sscardd is valid for
# systemd-analyze (not a single warning), runs sscardd as an unprivileged
# user, and keeps it on loopback; its ExecStart works with its config path.
set -u
unit=$1 sscardd=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "check-unit: $*" >&2; exit 1; }
sed "s|/usr/sbin/sscardd|$sscardd|" "$unit" >"$tmp/sscardd.service"
out=$(systemd-analyze verify --man=no "$tmp/sscardd.service" 2>&1) || fail "systemd-analyze: $out"
[ -z "$out" ] || fail "systemd-analyze warns: $out"
user=$(sed -n 's/^User=//p' "$unit")
[ -n "$user" ] && [ "$user" != root ] && [ "$user" != 0 ] || fail "User= is '$user'"
grep -qx 'IPAddressAllow=localhost' "$unit" && grep -qx 'IPAddressDeny=any' "$unit" || fail "not confined to loopback"
grep -qx 'NoNewPrivileges=yes' "$unit" || fail "NoNewPrivileges missing"
grep -q '^ExecStart=/usr/sbin/sscardd -c /etc/sscard/sscardd.conf$' "$unit" || fail "ExecStart"
echo "check-unit: $unit runs sscardd as $user, loopback only"
