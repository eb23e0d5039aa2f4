#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# diag_matrix.sh: `cardtool diagnose` against every card profile.
#
#   test/integration/diag_matrix.sh SANDBOX CARDTOOL CARDS_DIR [PROFILE...]
#
# SANDBOX is test/integration/sandbox.sh: every profile is served by
# cardsim through a real pcscd + vpcd, one private sandbox per profile,
# and the APDUs are taken from cardsim's trace. SANDBOX "sim" runs
# cardtool on the in-process "sim:PROFILE" reader instead (no pcscd, no
# root) and takes the APDUs from cardtool's own trace (-vv).
#
# For each profile it checks: the verdict and the exact set of reason codes
# below, the exit code that goes with the verdict, that the JSON has the
# documented shape, and that the probe sent only SELECT, READ RECORD,
# GET RESPONSE and VERIFY without data (it never writes, never presents a
# PIN). It prints one line per profile with the time to verdict (wall time
# of cardtool, and the library's own figure). With SANDBOX and no PROFILE
# arguments it also checks `diagnose --watch` (see check_watch).
#
# Expiry is judged as of DIAG_DATE (default 2026-11-24) so the profiles'
# fixed dates give the same verdicts next year.
#
# A fourth column pcscd=VERDICT/CODES says what pcscd shows instead where
# vpcd cannot express the fault: a card with no ATR (mute.json) is an empty
# reader to vpcd (see cardsim --help), so pcscd and the diagnosis see no
# card; the in-process "sim" matrix and test_diag see the mute card.
set -u

[ $# -ge 3 ] || { echo "usage: $0 SANDBOX CARDTOOL CARDS_DIR [PROFILE...]" >&2; exit 2; }
sandbox=$1 cardtool=$2 cards=$3
shift 3
date=${DIAG_DATE:-2026-11-24}

# profile  verdict  codes (comma-separated; - for none)  [pcscd=VERDICT/CODES]
expectations='
healthy-v2.json       OK         -
healthy-v2-t1.json    OK         -
healthy-v3.json       OK         HOLDER_DATA_PROTECTED
torn-write.json       OK         -
app-blocked.json      ATTENTION  APP_BLOCKED
app-locked.json       REPLACE    APP_LOCKED
pin-blocked.json      ATTENTION  PIN_BLOCKED
temporary.json        ATTENTION  TEMPORARY_CARD
flaky.json            ATTENTION  FLAKY
slow.json             ATTENTION  SLOW
bad-atr.json          REPLACE    BAD_ATR
bad-date.json         REPLACE    DATA_CORRUPT
bad-ssn.json          REPLACE    DATA_CORRUPT
chip-error.json       REPLACE    CHIP_ERROR
corrupt-record.json   REPLACE    DATA_CORRUPT
expired.json          REPLACE    EXPIRED
mute-after.json       REPLACE    MUTE
removed.json          NO_CARD    CARD_REMOVED
mute.json             REPLACE    MUTE        pcscd=NO_CARD/NO_CARD
'

exit_of() {
	case $1 in
	OK) echo 0 ;; ATTENTION) echo 1 ;; REPLACE) echo 2 ;; NOT_SSC|NO_CARD) echo 3 ;; *) echo 4 ;;
	esac
}

# Run cardtool on one profile; leaves $out.json, .err, .rc, .ms and .trace
# (one C-APDU in hex per line). In the sandbox the script below runs
# inside it, with cardsim tracing.
# shellcheck disable=SC2016 # expanded by the inner shell
inner='
out=$1 cardtool=$2 date=$3 reader=${4:-$SSCARD_SANDBOX_READER}
start=$(date +%s%N)
"$cardtool" -vv --reader "$reader" --json diagnose --date "$date" >"$out.json" 2>"$out.err"
echo $? >"$out.rc"
end=$(date +%s%N)
echo $(( (end - start) / 1000000 )) >"$out.ms"
if [ -n "${SSCARD_SANDBOX_DIR:-}" ]; then
	sed -n "s/^cardsim: C: //p" "$SSCARD_SANDBOX_DIR/cardsim.log" >"$out.trace"
else
	sed -n "s/^>> //p" "$out.err" >"$out.trace"
fi
'

run_profile() { # PROFILE OUT [empty: the reader shows no card]
	if [ "$sandbox" = sim ]; then
		sh -c "$inner" sh "$2" "$cardtool" "$date" "sim:$cards/$1"
		return
	fi
	# a card without ATR is an empty reader: do not wait for a card
	SSCARD_SANDBOX_WAIT_CARDS=$([ "$3" = empty ] && echo 0 || echo 1) \
		"$sandbox" --profile "$cards/$1" --cardsim-args "--trace" -- \
		sh -c "$inner" sh "$2" "$cardtool" "$date" >"$2.sandbox" 2>&1
	case $? in
	0) ;;
	77) cat "$2.sandbox"; exit 77 ;; # no root/unshare here: skipped
	*) echo "FAIL $1: the sandbox failed"; cat "$2.sandbox"; return 1 ;;
	esac
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0 ran=0

check_one() { # PROFILE VERDICT CODES READER-STATE
	local name=$1 want=$2 codes=$3 reader_state=$4 out=$work/${1%.json} got problems
	run_profile "$name" "$out" "$reader_state" || return 1
	problems=$(python3 - "$out" "$want" "$codes" "$(exit_of "$want")" <<'EOF'
import json, re, sys
out, want, codes, want_rc = sys.argv[1:]
want_codes = [] if codes == "-" else codes.split(",")
bad = []
try:
    o = json.load(open(out + ".json"))
except ValueError as e:
    print("not one JSON object: %s" % e); sys.exit()
got = sorted(r.get("code") for r in o.get("reasons", []))
if o.get("verdict") != want:
    bad.append("verdict %s, expected %s" % (o.get("verdict"), want))
if got != sorted(want_codes):
    bad.append("reasons %s, expected %s" % (got, sorted(want_codes)))
for r in o.get("reasons", []):
    for k in ("code", "detail", "detail_zh", "action", "action_zh"):
        if not isinstance(r.get(k), str) or not r[k]:
            bad.append("reason without %s" % k)
ev = o.get("evidence", {})
for k in ("atr", "apdus", "retries", "errors", "elapsed_ms", "steps"):
    if k not in ev:
        bad.append("evidence without %s" % k)
rc = open(out + ".rc").read().strip()
if rc != want_rc:
    bad.append("exit %s, expected %s" % (rc, want_rc))
allowed = re.compile(r"^(00A4|00B2|00C0)[0-9A-F]*$|^00200000$")
sent = [l.strip() for l in open(out + ".trace", errors="replace") if l.strip()]
for c in sent:
    if not allowed.match(c):
        bad.append("the probe sent %s" % c)
if len(sent) != ev.get("apdus", -1):
    bad.append("%d APDUs traced, the evidence says %s" % (len(sent), ev.get("apdus")))
print("; ".join(bad))
EOF
)
	got=$(python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); print(o.get("verdict","?"), o.get("evidence",{}).get("elapsed_ms","?"), o.get("evidence",{}).get("apdus","?"))' "$out.json" 2>/dev/null)
	read -r verdict lib_ms apdus <<<"${got:-? ? ?}"
	printf '%-22s %-9s %5s ms to verdict (library %s ms, %s APDUs)\n' \
		"$name" "$verdict" "$(cat "$out.ms")" "$lib_ms" "$apdus"
	if [ -n "$problems" ]; then
		echo "FAIL $name: $problems"
		sed 's/^/  stderr: /' "$out.err"
		return 1
	fi
}

while read -r name want codes only; do
	[ -n "$name" ] || continue
	reader_state=card
	if [ -n "${only:-}" ] && [ "$sandbox" != sim ]; then # pcscd=VERDICT/CODES
		only=${only#pcscd=}
		want=${only%%/*} codes=${only#*/}
		[ "$want" = NO_CARD ] && reader_state=empty
	fi
	if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qx "$name"; then continue; fi
	if [ ! -r "$cards/$name" ]; then
		echo "FAIL $name: profile missing from $cards"; failures=$((failures + 1)); continue
	fi
	ran=$((ran + 1))
	check_one "$name" "$want" "$codes" "$reader_state" || failures=$((failures + 1))
done <<<"$expectations"

# --watch: a card present at start is diagnosed, an empty reader is NO_CARD
# (exit 3) for a one-shot diagnose, a card inserted later is diagnosed
# again, and SIGINT ends the watch with exit 0. The card is taken out and
# put back with cardsim's SIGUSR1.
# shellcheck disable=SC2016 # expanded by the inner shell
watch_inner='
out=$1 cardtool=$2 date=$3
: >"$out.lines" # exists before the watch starts writing: wait_lines reads it
"$cardtool" --reader "$SSCARD_SANDBOX_READER" --json diagnose --watch --date "$date" \
	>>"$out.lines" 2>"$out.err" &
watch=$!
wait_lines() { # N: until the watch has printed N lines (10 s at most)
	i=0
	while [ "$(wc -l <"$out.lines")" -lt "$1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
}
wait_lines 1
kill -USR1 "$SSCARD_SANDBOX_CARDSIM_PID"
sleep 0.5
"$cardtool" --reader "$SSCARD_SANDBOX_READER" --json diagnose >"$out.empty" 2>>"$out.err"
echo $? >"$out.empty_rc"
kill -USR1 "$SSCARD_SANDBOX_CARDSIM_PID"
wait_lines 2
kill -INT $watch
wait $watch
echo $? >"$out.rc"
'

check_watch() {
	local out=$work/watch problems
	"$sandbox" --profile "$cards/healthy-v2.json" -- \
		sh -c "$watch_inner" sh "$out" "$cardtool" "$date" >"$out.sandbox" 2>&1 ||
		{ echo "FAIL watch: the sandbox failed"; cat "$out.sandbox"; return 1; }
	problems=$(python3 - "$out" <<'EOF2'
import json, sys
out = sys.argv[1]
bad = []
lines = [json.loads(l) for l in open(out + ".lines") if l.strip()]
if len(lines) != 2:
    bad.append("%d diagnoses, expected 2 (at start, after re-insertion)" % len(lines))
for o in lines:
    if o.get("verdict") != "OK" or not o.get("reader"):
        bad.append("watch line %s" % json.dumps(o)[:120])
if json.load(open(out + ".empty")).get("verdict") != "NO_CARD":
    bad.append("empty reader not NO_CARD")
if open(out + ".empty_rc").read().strip() != "3":
    bad.append("empty reader exit %s, expected 3" % open(out + ".empty_rc").read().strip())
if open(out + ".rc").read().strip() != "0":
    bad.append("watch exit %s after SIGINT, expected 0" % open(out + ".rc").read().strip())
print("; ".join(bad))
EOF2
)
	if [ -n "$problems" ]; then
		echo "FAIL watch: $problems"; sed 's/^/  stderr: /' "$out.err"; return 1
	fi
	echo "watch                  OK: diagnosed at start and after re-insertion; empty reader NO_CARD"
}

if [ $# -eq 0 ] && [ "$sandbox" != sim ]; then
	ran=$((ran + 1))
	check_watch || failures=$((failures + 1))
fi

echo "diag matrix: $ran cases, $failures failed"
[ "$ran" -gt 0 ] && [ "$failures" -eq 0 ]
