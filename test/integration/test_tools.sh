#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Independent PC/SC clients against cardsim, inside sandbox.sh:
#   test_tools.sh IT_PCSC CARDTOOL PROFILE
# pcsc_scan sees both vpcd readers; scriptor (raw APDUs, its own PC/SC code)
# gets byte for byte the answers of the in-process card model; cardtool list
# and monitor show the card.
set -eu
it=$1 cardtool=$2 profile=$3
fail() { echo "FAIL: $*" >&2; exit 1; }

scan=$(timeout 10 pcsc_scan -r)
grep -q "$SSCARD_SANDBOX_READER" <<<"$scan" || fail "pcsc_scan -r: $scan"
grep -q "$SSCARD_SANDBOX_READER2" <<<"$scan" || fail "pcsc_scan -r: $scan"
echo "ok: pcsc_scan -r lists both readers"

expected=$("$it" expected "$profile")
# scriptor prints "< 90 00 : Normal processing." per answer
got=$(cut -d' ' -f1 <<<"$expected" | timeout 20 scriptor -r "$SSCARD_SANDBOX_READER" 2>&1 |
	sed -n 's/^< \(.*\) : .*$/\1/p' | tr -d ' ')
want=$(cut -d' ' -f2 <<<"$expected")
[ "$got" = "$want" ] || fail "scriptor answers differ from the in-process card:
--- scriptor
$got
--- in-process
$want"
echo "ok: scriptor gets the in-process answers ($(wc -l <<<"$want") commands)"

# opensc-tool (OpenSC's own PC/SC code) reads the card number record; the
# library reads it from the same profile in-process: same bytes.
select=00A404000F7378312E73682EC9E7BBE1B1A3D5CF
record=00B207280B
if command -v opensc-tool >/dev/null; then
	out=$(timeout 20 opensc-tool -r 0 -s "$select" -s "$record" 2>&1) || fail "opensc-tool: $out"
	osc=$(awk '/^Received/ {d=""; next} {for (i = 1; i <= NF && $i ~ /^[0-9A-F][0-9A-F]$/; i++) d = d $i} END {print d}' <<<"$out")
	lib=$("$cardtool" -r "sim:$profile" apdu "$select" "$record" | sed -n 's/^< \([0-9A-F]*\) 9000 .*/\1/p' | tail -n 1)
	if [ -z "$lib" ] || [ "$osc" != "$lib" ]; then
		fail "opensc-tool read '$osc', in-process '$lib'"
	fi
	echo "ok: opensc-tool reads the record the in-process card holds ($lib)"
else
	echo "opensc-tool not installed (package opensc): that comparison skipped"
fi

atr=$("$cardtool" --json list)
grep -q "\"name\":\"$SSCARD_SANDBOX_READER\",\"card_present\":true,\"atr\":\"3B" <<<"$atr" ||
	fail "cardtool list --json: $atr"
"$cardtool" list | grep -q "card: present" || fail "cardtool list"
# global options after the command name too (#19 item 4)
[ "$("$cardtool" list --json)" = "$atr" ] || fail "cardtool list --json: $("$cardtool" list --json)"
echo "ok: cardtool list shows the card and its ATR"

events=$(timeout 20 "$cardtool" --json monitor --count 3)
[ "$(grep -c '"event":"reader-added"' <<<"$events")" = 2 ] || fail "monitor: $events"
grep -q '"event":"card-inserted","reader":"'"$SSCARD_SANDBOX_READER"'","atr":"3B' <<<"$events" ||
	fail "monitor: $events"
grep -q '"time":"[0-9-]*T[0-9:.]*Z"' <<<"$events" || fail "monitor timestamps: $events"
events=$(timeout 20 "$cardtool" monitor --count 1 --json) || fail "monitor --json: $events"
grep -q '^{"time":' <<<"$events" || fail "monitor --count 1 --json: $events"
# SIGTERM ends it cleanly
"$cardtool" monitor >/dev/null & mon=$!
sleep 0.5
kill -TERM $mon
wait $mon || fail "cardtool monitor did not exit 0 on SIGTERM"
echo "ok: cardtool monitor: JSON Lines with ISO-8601 times, clean exit on SIGTERM"

# --reader: list and monitor show only the readers it names; case is
# ignored when nothing matches with it (#19 item 9)
lower=$(tr '[:upper:]' '[:lower:]' <<<"$SSCARD_SANDBOX_READER2")
only=$("$cardtool" --json list --reader "$lower")
[ "$(grep -o '"name":' <<<"$only" | wc -l)" = 1 ] && grep -q "\"$SSCARD_SANDBOX_READER2\"" <<<"$only" ||
	fail "list --reader $lower: $only"
out=$("$cardtool" list --reader "no such reader" 2>&1) && fail "list --reader nomatch: $out"
grep -q "matches none of" <<<"$out" || fail "list --reader nomatch: $out"
"$cardtool" --reader "${SSCARD_SANDBOX_READER,,}" read card_number >/dev/null ||
	fail "connect by a lower-case reader name"
events=$(timeout 20 "$cardtool" --json monitor --count 2 --reader "$SSCARD_SANDBOX_READER")
[ "$(grep -c "\"reader\":\"$SSCARD_SANDBOX_READER\"" <<<"$events")" = 2 ] ||
	fail "monitor --reader: $events"
echo "ok: list and monitor honour --reader; reader names match ignoring case"
