#!/bin/sh
# Seeds of test/fuzz/fuzz_library.c, recorded from the simulator: what
# each profile answers to `cardtool info` (read_basic), then the PIN tries
# probe and one element read.
#   vectors/fuzz/library/gen.sh [BUILD_DIR] [PROFILE...]
# fuzz_library input: per answer a 2-byte big-endian length and the bytes.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}; shift || true
[ $# -gt 0 ] || set -- "$here"/../../cards/*.json
for p in "$@"; do
	name=$(basename "$p" .json)
	"$build/tools/cardtool" -r "sim:$p" -vv info 2>&1 >/dev/null |
	python3 -c '
import sys
lib = bytearray()
for line in sys.stdin:
    if not line.startswith("<< "):
        continue
    r = bytes.fromhex(line[3:].strip())
    lib += len(r).to_bytes(2, "big") + r
for extra in ("63C3", "6982"):         # PIN tries, then the SSN withheld
    r = bytes.fromhex(extra)
    lib += len(r).to_bytes(2, "big") + r
out, name = sys.argv[1], sys.argv[2]
open(f"{out}/library/{name}.bin", "wb").write(lib)
' "$here/.." "$name"
done
