#!/bin/sh
# Seeds of test/fuzz/fuzz_library.c and fuzz_tlv.c, recorded from the
# simulator: what each profile answers to `cardtool info` (read_basic),
# then the PIN tries probe and one element read.
#   vectors/fuzz/library/gen.sh [BUILD_DIR] [PROFILE...]
# fuzz_library input: per answer a 2-byte big-endian length and the bytes.
# fuzz_tlv input: the element's table index, then the record (no SW).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}; shift || true
[ $# -gt 0 ] || set -- "$here"/../../cards/*.json
for p in "$@"; do
	name=$(basename "$p" .json)
	"$build/tools/cardtool" -r "sim:$p" -vv info 2>&1 >/dev/null |
	python3 -c '
import sys
tags = [0x01,0x02,0x03,0x04,0x05,0x06,0x07,0x08,0x09,0x4E,0x0A,0x0B,0x0C,0x0D]
lib, recs = bytearray(), []
for line in sys.stdin:
    if not line.startswith("<< "):
        continue
    r = bytes.fromhex(line[3:].strip())
    lib += len(r).to_bytes(2, "big") + r
    if len(r) > 2 and r[-2:] == b"\x90\x00" and r[0] in tags:
        recs.append(bytes([tags.index(r[0])]) + r[:-2])
for extra in ("63C3", "6982"):         # PIN tries, then the SSN withheld
    r = bytes.fromhex(extra)
    lib += len(r).to_bytes(2, "big") + r
out, name = sys.argv[1], sys.argv[2]
open(f"{out}/library/{name}.bin", "wb").write(lib)
for i, rec in enumerate(recs):
    open(f"{out}/tlv/{name}-{i:02d}.bin", "wb").write(rec)
' "$here/.." "$name"
done
