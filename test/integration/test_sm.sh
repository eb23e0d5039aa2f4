#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The secure channel through real pcscd + vpcd + cardsim (issue #6, "done
# means"): authentication succeeds with the right keys on a 3DES and an SM4
# card and fails cleanly with wrong keys; a write without a valid MAC is
# refused by the card; a torn write is detected (its repair: see below);
# the same through a PSAM in the second reader slot; a value the card's
# other data contradicts is refused before anything is sent.
#
#   test/integration/test_sm.sh [BUILD_DIR]     (as root; see sandbox.sh)
#
# Exit 0 pass, 1 fail, 77 skipped (no root / unshare / vpcd, outside CI).
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)

if [ "${1:-}" != --inner ]; then
	build=$(cd "${1:-${SSCARD_BUILD:-$src/build}}" && pwd)
	keys=$(mktemp -d /tmp/sscard-sm-it-XXXXXX)
	trap 'rm -rf "$keys"' EXIT
	for k in v2.keys healthy-v3.keys wrong.keys psam-sm4.map psam-wrong.map; do
		cp "$src/vectors/sm/$k" "$keys/$k"
		chmod 600 "$keys/$k"
	done
	status=0
	run() { # CASE PROFILE [PROFILE2: the PSAM in the second slot]
		SSCARD_BUILD="$build" "$here/sandbox.sh" --build "$build" --profile "$src/$2" \
			${3:+--profile2 "$src/$3"} -- "$0" --inner "$1" "$build" "$keys"
		rc=$?
		[ $rc = 77 ] && exit 77
		if [ $rc != 0 ]; then echo "FAIL: $1"; status=1; else echo "ok: $1"; fi
	}
	run auth-3des vectors/sm/v2-3des.json
	run auth-sm4 vectors/cards/healthy-v3.json
	run not-genuine vectors/sm/v2-forged.json
	run write-key vectors/cards/healthy-v3.json
	run torn-write vectors/sm/v2-torn.json
	run lock-unlock vectors/cards/healthy-v3.json
	run psam-sm4 vectors/cards/healthy-v3.json vectors/cards/psam.json
	run psam-3des vectors/sm/v2-3des.json vectors/cards/psam.json
	exit $status
fi

# ---- inside the sandbox --------------------------------------------------
case_name=$2 build=$3 keys=$4
ct() { "$build/tools/cardtool" -r "$SSCARD_SANDBOX_READER" "$@"; }
fail() { echo "test_sm $case_name: $*" >&2; exit 1; }
expect() { # WANT_EXIT WANT_TEXT CMD...
	local want=$1 text=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	[ "$rc" = "$want" ] || fail "'$*' exited $rc, expected $want: $out"
	case $out in *"$text"*) ;; *) fail "'$*' said '$out', expected '$text'" ;; esac
}

case $case_name in
auth-3des)
	expect 0 GENUINE ct auth -k "$keys/v2.keys"
	expect 0 GENUINE ct auth -k "$keys/v2.keys" --df DF04
	expect 1 KEYS_MISMATCH ct auth -k "$keys/healthy-v3.keys"
	;;
auth-sm4)
	expect 0 GENUINE ct auth -k "$keys/healthy-v3.keys"
	expect 0 '"verdict":"GENUINE"' ct --json auth -k "$keys/healthy-v3.keys" --df DF04
	expect 1 KEYS_MISMATCH ct auth -k "$keys/wrong.keys"
	expect 1 KEYS_MISMATCH ct auth -k "$keys/v2.keys"
	;;
not-genuine)
	expect 1 NOT_GENUINE ct auth -k "$keys/v2.keys"
	;;
write-key)
	# a plain UPDATE RECORD without the update key's EXTERNAL AUTHENTICATE,
	# and the old MAC'd form (CLA 04): both refused by the card
	expect 1 6982 ct apdu --script - <<'APDU'
00A404000F7378312E73682EC9E7BBE1B1A3D5CF = 61XX
00DC07280B07095A3030303030303031 = 9000
APDU
	expect 1 6E00 ct apdu --script - <<'APDU'
00A404000F7378312E73682EC9E7BBE1B1A3D5CF = 61XX
04DC07280F07095A303030303030303111223344 = 9000
APDU
	expect 1 "update key" ct write card_number Z00000001 -k "$keys/wrong.keys"
	expect 0 A00000019 ct read card_number
	expect 0 "written and verified" ct write card_number Z00000001 -k "$keys/healthy-v3.keys"
	expect 0 Z00000001 ct read card_number
	expect 0 "already holds" ct write card_number Z00000001 -k "$keys/healthy-v3.keys"
	# validated with the card's other data before anything is sent (#19):
	# its own check never forced, a contradiction only with --force
	expect 1 "should be 7" ct write ssn 110101198101011115 -k "$keys/healthy-v3.keys"
	expect 1 "not a real calendar date" ct write --force birth_date 1981-02-30 \
		-k "$keys/healthy-v3.keys"
	expect 1 '"code":"DATA_INVALID"' ct --json write sex 2 -k "$keys/healthy-v3.keys"
	expect 1 "not after the issue date" ct write expiry_date 2001-01-01 -k "$keys/healthy-v3.keys"
	expect 0 "2031-03-15" ct read expiry_date
	expect 0 "written and verified" ct write --force expiry_date 2001-01-01 \
		-k "$keys/healthy-v3.keys"
	;;
torn-write)
	# Detected and reported with the element named. The repair by a re-run
	# is tested in-process (test/unit/test_sm.c test_torn_write_repaired):
	# cardsim re-inserts a removed card as a fresh load of its profile, so
	# the damaged card cannot come back into this reader.
	expect 1 "interrupted" ct write name 欧阳修欧阳修欧阳修欧阳修欧阳修 -k "$keys/v2.keys"
	;;
lock-unlock)
	expect 1 "MAC" ct lock -k "$keys/wrong.keys"
	expect 0 A00000019 ct read card_number
	expect 0 "blocked (temporary)" ct lock -k "$keys/healthy-v3.keys"
	expect 1 "" ct read card_number
	expect 2 "card id is needed" ct unlock -k "$keys/healthy-v3.keys"
	expect 0 unblocked ct unlock -k "$keys/healthy-v3.keys" --card-id 110100D15600000500A1B2C3D4E5F607
	expect 0 A00000019 ct read card_number
	;;
psam-sm4)
	# keys from the PSAM in the reader's second slot, two virtual readers
	psam=(--psam "$SSCARD_SANDBOX_READER2")
	expect 0 GENUINE ct auth "${psam[@]}" -k "$keys/psam-sm4.map"
	expect 1 KEYS_MISMATCH ct auth "${psam[@]}" -k "$keys/psam-wrong.map"
	# no map: the ministry's key index table (BF DE 47 0A, 67 08, ...)
	expect 0 GENUINE ct auth "${psam[@]}"
	expect 0 "written and verified" ct write card_number Z00000002 "${psam[@]}" \
		-k "$keys/psam-sm4.map"
	expect 0 Z00000002 ct read card_number
	;;
psam-3des)
	# the same PSAM in its DES application, without a map
	expect 0 GENUINE ct auth --psam "$SSCARD_SANDBOX_READER2"
	;;
*) fail "unknown case" ;;
esac
exit 0
