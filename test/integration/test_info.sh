#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# cardtool info / read / pin through real pcscd + vpcd + cardsim, inside
# sandbox.sh:   test_info.sh CARDTOOL PROFILE
# What the card answers through PC/SC must give exactly what the same
# profile gives in-process (sim:PROFILE): the same JSON, the same exit code.
# Then the PIN counter through pcscd: asking spends no try, a wrong PIN one.
set -eu
cardtool=$1 profile=$2
fail() { echo "FAIL: $*" >&2; exit 1; }
pcsc=(-r "$SSCARD_SANDBOX_READER")
sim=(-r "sim:$profile")

same() { # same output and exit code through pcscd and in-process
	local a b ca=0 cb=0
	a=$("$cardtool" "${pcsc[@]}" --json "$@") || ca=$?
	b=$("$cardtool" "${sim[@]}" --json "$@") || cb=$?
	[ "$a" = "$b" ] && [ $ca = $cb ] || fail "cardtool $* differs:
--- pcscd (exit $ca)
$a
--- in-process (exit $cb)
$b"
	echo "ok: cardtool $* through pcscd = in-process (exit $ca)"
}

same info
same read --all
same read card_number
same pin tries

tries() { "$cardtool" "${pcsc[@]}" --json pin tries | sed -n 's/.*"tries_left":\([0-9]*\).*/\1/p'; }
before=$(tries)
[ -n "$before" ] || { echo "pin: the card does not report tries (already verified?): skipped"; exit 0; }
[ "$(tries)" = "$before" ] || fail "asking for the tries spent one"
if [ "$before" -gt 1 ]; then
	code=0
	echo 000000 | "$cardtool" "${pcsc[@]}" pin verify --pin-stdin 2>/dev/null || code=$?
	[ $code = 1 ] || fail "wrong PIN: exit $code"
	[ "$(tries)" = $((before - 1)) ] || fail "a wrong PIN did not spend exactly one try"
	echo "ok: pin tries $before, a wrong PIN through pcscd leaves $((before - 1))"
fi
