#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Independent ISO 7816-3 ATR checker: writes the expected verdicts that
test/unit/test_atr.c compares lib/atr.c against.

This is a second implementation on purpose: it shares no code with
lib/atr.c, so a misreading of the standard has to be made twice, in two
languages, to go unnoticed.  Standard library only.

Usage:
  gen_expected.py extract [SMARTCARD_LIST]   concrete ATRs of pcsc-tools'
                                              list, sorted, one per line
  gen_expected.py [CORPUS...]                 expected.tsv on stdout
                                              (default: pcsc_tools.txt
                                              handmade.txt beside this file)

Corpus files: one ATR in hex per line (spaces allowed), '#' starts a
comment.  Output columns (tab separated):
  atr        upper-case hex, no spaces
  verdict    valid | invalid
  error      OK, EMPTY, BAD_TS, TRUNCATED_INTERFACE, TRUNCATED_HISTORICAL,
             TCK_MISSING, OVERLONG, TRAILING, BAD_TD1, TCK_WRONG
  protocols  T values indicated, comma separated ("-" if none)
  tck        absent | ok | wrong
  historical the historical bytes present in the input (hex, "-" if none)
  format     NONE, CTLV (category 80), CTLV_STATUS (00), DIR_REF (10),
             RFU (81..8F), PROPRIETARY, SSC (social security card layout)
  ctlv       compact-TLV objects "tag/len" comma separated ("none" when
             there are none, "-" when the format is not compact-TLV), "!"
             appended when malformed, ";status=XXXXXX" for category 00
"""

import os
import re
import sys

MAX_LEN = 33        # ISO 7816-3: TS plus at most 32 characters
MAX_LEVELS = 32     # more levels cannot fit in 33 bytes

# Checks, in the order they decide the verdict (same order as lib/atr.c).
#   EMPTY, BAD_TS, TRUNCATED_INTERFACE (T0 or an announced interface
#   byte missing; also OVERLONG when a 33rd level would start),
#   TRUNCATED_HISTORICAL, TCK_MISSING, OVERLONG (structure > 33 bytes),
#   TRAILING (bytes after the structure), BAD_TD1 (T=15 in TD1),
#   TCK_WRONG.

SSC_PREFIX = bytes.fromhex("3B6D0000")
SSC_LEN = 4 + 13


class Verdict:
    def __init__(self):
        self.error = "OK"
        self.protocols = set()
        self.tck = "absent"
        self.hist = b""
        self.fmt = "NONE"
        self.ctlv = "-"


def parse(atr):
    v = Verdict()
    if len(atr) == 0:
        v.error = "EMPTY"
        return v
    if atr[0] not in (0x3B, 0x3F):
        v.error = "BAD_TS"
        return v
    if len(atr) < 2:
        v.error = "TRUNCATED_INTERFACE"
        return v

    t0 = atr[1]
    k = t0 & 0x0F
    y = t0 >> 4
    pos = 2
    level = 1
    td1 = None
    while True:
        # each of TA, TB, TC, TD (bits 5..8 of the Y nibble's byte)
        for bit in (1, 2, 4):
            if y & bit:
                if pos >= len(atr):
                    v.error = "TRUNCATED_INTERFACE"
                    return v
                pos += 1
        if not y & 8:
            break
        if pos >= len(atr):
            v.error = "TRUNCATED_INTERFACE"
            return v
        td = atr[pos]
        pos += 1
        if level == 1:
            td1 = td
        v.protocols.add(td & 0x0F)
        y = td >> 4
        level += 1
        if level > MAX_LEVELS:
            v.error = "OVERLONG"
            return v
    if td1 is None:
        v.protocols.add(0)

    v.hist = atr[pos:pos + k]
    if pos + k > len(atr):
        v.error = "TRUNCATED_HISTORICAL"
        return v
    decode_historical(v, atr, pos + k)

    need_tck = bool(v.protocols - {0})
    total = pos + k + (1 if need_tck else 0)
    if need_tck and total > len(atr):
        v.error = "TCK_MISSING"
        return v
    if need_tck:
        x = 0
        for b in atr[1:total]:
            x ^= b
        v.tck = "ok" if x == 0 else "wrong"
    if total > MAX_LEN:
        v.error = "OVERLONG"
    elif len(atr) > total:
        v.error = "TRAILING"
    elif td1 is not None and td1 & 0x0F == 0x0F:
        v.error = "BAD_TD1"
    elif v.tck == "wrong":
        v.error = "TCK_WRONG"
    return v


def decode_historical(v, atr, hist_end):
    h = v.hist
    if len(h) == 0:
        v.fmt = "NONE"
        return
    if atr[:4] == SSC_PREFIX and hist_end == SSC_LEN:
        v.fmt = "SSC"
        return
    cat = h[0]
    if cat == 0x80:
        v.fmt = "CTLV"
        v.ctlv = ctlv_objects(h[1:])
    elif cat == 0x00:
        v.fmt = "CTLV_STATUS"
        if len(h) < 4:
            v.ctlv = "none!"
        else:
            v.ctlv = ctlv_objects(h[1:-3]) + ";status=" + h[-3:].hex().upper()
    elif cat == 0x10:
        v.fmt = "DIR_REF"
    elif 0x81 <= cat <= 0x8F:
        v.fmt = "RFU"
    else:
        v.fmt = "PROPRIETARY"


def ctlv_objects(data):
    objs = []
    i = 0
    while i < len(data):
        tag, ln = data[i] >> 4, data[i] & 0x0F
        if i + 1 + ln > len(data):
            return (",".join(objs) or "none") + "!"
        objs.append("%X/%d" % (tag, ln))
        i += 1 + ln
    return ",".join(objs) or "none"


def row(atr):
    v = parse(atr)
    return "\t".join([
        atr.hex().upper(),
        "valid" if v.error == "OK" else "invalid",
        v.error,
        ",".join(str(t) for t in sorted(v.protocols)) or "-",
        v.tck,
        v.hist.hex().upper() or "-",
        v.fmt,
        v.ctlv,
    ])


def read_corpus(path):
    with open(path, encoding="ascii") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                yield bytes.fromhex(line.replace(":", " "))


def extract(path):
    concrete = re.compile(r"[0-9A-F]{2}( [0-9A-F]{2})*")
    seen = set()
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if concrete.fullmatch(line):
                seen.add(line)
    print("# Every concrete ATR (no wildcards) of pcsc-tools'")
    print("# /usr/share/pcsc/smartcard_list.txt (Ludovic Rousseau), sorted.")
    print("# Regenerate: gen_expected.py extract > pcsc_tools.txt")
    for a in sorted(seen):
        print(a)


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    if argv[:1] == ["extract"]:
        extract(argv[1] if len(argv) > 1 else "/usr/share/pcsc/smartcard_list.txt")
        return 0
    paths = argv or [os.path.join(here, "pcsc_tools.txt"),
                     os.path.join(here, "handmade.txt")]
    print("# Generated by vectors/atr/gen_expected.py from: " +
          " ".join(os.path.basename(p) for p in paths))
    print("# atr\tverdict\terror\tprotocols\ttck\thistorical\tformat\tctlv")
    for p in paths:
        for atr in read_corpus(p):
            print(row(atr))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
