#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Turn pcap files into fuzz seeds for fuzz_frames.c: link type byte, then
(2-byte length, 1-byte time step, frame) records. Usage: make-seeds.py OUTDIR PCAP..."""
import os
import struct
import sys

LINKS = [1, 12, 228, 229, 0, 108, 109, 117, 239, 113, 276]


def frames(path):
    with open(path, "rb") as f:
        hdr = f.read(24)
        if len(hdr) < 24:
            return None, []
        magic = struct.unpack("<I", hdr[:4])[0]
        if magic in (0xA1B2C3D4, 0xA1B23C4D):
            end = "<"
        elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
            end = ">"
        else:
            return None, []
        link = struct.unpack(end + "I", hdr[20:24])[0] & 0xFFFF
        if link == 101:
            link = 12
        out = []
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                break
            _, _, incl, _ = struct.unpack(end + "IIII", rec)
            data = f.read(min(incl, 65535))
            if len(data) < incl:
                break
            out.append(data)
        return link, out


def main():
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    for path in sys.argv[2:]:
        link, fr = frames(path)
        if link not in LINKS or not fr:
            continue
        blob = bytes([LINKS.index(link)])
        for d in fr[:400]:
            blob += struct.pack(">HB", len(d), 10) + d
        name = os.path.basename(path).replace(".", "_")
        with open(os.path.join(outdir, name), "wb") as o:
            o.write(blob)


main()
