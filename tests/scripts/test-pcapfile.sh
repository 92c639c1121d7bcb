#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Plain pcap files are read by capture/pcapfile.c in 1 MiB blocks, not by
# libpcap's per-record reads. The same bytes gzip-compressed go through
# libpcap (gzsource.c), which is the reference: for every variant below the
# JSON output, the messages on stderr and the exit code must be the same.
# Variants, built from the bundled TCP captures (Ethernet, microseconds,
# little-endian) concatenated into more than 3 MiB so that records straddle
# block boundaries: big-endian, nanosecond timestamps (both orders), the
# last record's data cut, a trailing partial record header, a small
# snapshot length (libpcap cuts longer records: the reader hands over
# mid-file), a capture length above 262144 (libpcap refuses it), with a
# filter and -w, and with --threads 2. A named pipe is read like the file.
. "$(dirname "$0")/lib-common.sh"

command -v gzip >/dev/null || { echo "SKIP: gzip is needed for the libpcap reference"; exit 77; }

"$PY" - "$SRC/pcaps/tcp" "$tmp" <<'EOF' || { echo "FAIL cannot build the variants"; exit 1; }
import glob, os, struct, sys
src, out = sys.argv[1], sys.argv[2]
recs = []  # (sec, usec, data, orig_len)
shift = 0
while sum(len(r[2]) + 16 for r in recs) < 3 * 1024 * 1024:
    for f in sorted(glob.glob(os.path.join(src, '*.pcap'))):
        b = open(f, 'rb').read()
        magic, = struct.unpack('<I', b[:4])
        if magic != 0xa1b2c3d4 or struct.unpack('<I', b[20:24])[0] != 1:
            continue
        at, base = 24, None
        while at + 16 <= len(b):
            s, u, cl, ol = struct.unpack('<IIII', b[at:at + 16])
            if base is None:
                base = s
            recs.append((1700000000 + shift + (s - base), u, b[at + 16:at + 16 + cl], ol))
            at += 16 + cl
        shift += 100

def write(name, endian='<', nsec=False, snaplen=262144, tail=b'', cut=0, records=recs):
    magic = 0xa1b23c4d if nsec else 0xa1b2c3d4
    parts = [struct.pack(endian + 'IHHiIII', magic, 2, 4, 0, 0, snaplen, 1)]
    for s, u, d, ol in records:
        sub = u * 1000 + 789 if nsec else u
        parts.append(struct.pack(endian + 'IIII', s, sub, len(d), ol) + d)
    blob = b''.join(parts) + tail
    if cut:
        blob = blob[:-cut]
    open(os.path.join(out, name), 'wb').write(blob)

write('big.pcap')
write('big-be.pcap', endian='>')
write('big-ns.pcap', nsec=True)
write('big-ns-be.pcap', endian='>', nsec=True)
write('cut-data.pcap', cut=7)
write('cut-head.pcap', tail=struct.pack('<II', 1700009999, 0) + b'\x10\x00')
write('small-snap.pcap', snaplen=200)
mid = len(recs) // 2
huge = recs[:mid] + [(recs[mid][0], recs[mid][1], recs[mid][2] + bytes(300000 - len(recs[mid][2])), 300000)] + recs[mid:]
write('huge-record.pcap', records=huge)
EOF

same() { # label FILE ARGS... : the file read directly, and the same bytes
	# gzip-compressed under the same name in another directory (libpcap)
	local label=$1 f=$2 name=${2##*/}
	shift 2
	mkdir -p "$tmp/a" "$tmp/b"
	cp "$f" "$tmp/a/$name"
	gzip -c "$f" >"$tmp/b/$name"
	run -r "$tmp/a/$name" "$@"
	sed "s#$tmp/a/#$tmp/b/#g" "$tmp/out" >"$tmp/out-fast"
	sed "s#$tmp/a/#$tmp/b/#g" "$tmp/err" >"$tmp/err-fast"
	local rc_fast=$rc
	run -r "$tmp/b/$name" "$@"
	if [ "$rc" = "$rc_fast" ] && cmp -s "$tmp/out" "$tmp/out-fast" && cmp -s "$tmp/err" "$tmp/err-fast" &&
		[ -s "$tmp/out" ]; then
		pass "$label: same as libpcap (rc $rc, $(wc -l <"$tmp/out") lines)"
	else
		fail "$label: differs from libpcap (rc $rc_fast / $rc)"
		diff "$tmp/out" "$tmp/out-fast" | head -5
		diff "$tmp/err" "$tmp/err-fast" | head -5
	fi
}

for v in big big-be big-ns big-ns-be cut-data cut-head small-snap huge-record; do
	same "$v" "$tmp/$v.pcap" --json
done
same "big, -v" "$tmp/big.pcap" -v
same "big, --threads 2" "$tmp/big.pcap" --json --threads 2
same "big-ns-be, --threads 2" "$tmp/big-ns-be.pcap" --json --threads 2

# the errors libpcap words must still be there
run -r "$tmp/cut-data.pcap" --json
grep -q "truncated dump file" "$tmp/err" && pass "cut data: libpcap's message" || fail "cut data: no message ($(cat "$tmp/err"))"
run -r "$tmp/huge-record.pcap" --json
grep -q "invalid packet capture length 300000" "$tmp/err" && pass "huge record: libpcap's message" || fail "huge record: no message ($(cat "$tmp/err"))"

# a filter and -w: the same packets written
mkdir -p "$tmp/c"
gzip -c "$tmp/big-be.pcap" >"$tmp/c/big-be.pcap"
run -r "$tmp/big-be.pcap" -w "$tmp/w-fast.pcap" tcp port 22
run -r "$tmp/c/big-be.pcap" -w "$tmp/w-ref.pcap" tcp port 22
if [ -s "$tmp/w-ref.pcap" ] && cmp -s "$tmp/w-fast.pcap" "$tmp/w-ref.pcap"; then
	pass "filter and -w: the same file written ($(stat -c %s "$tmp/w-ref.pcap") bytes)"
else
	fail "filter and -w: the written files differ"
fi
same "big-ns, a filter" "$tmp/big-ns.pcap" --json tcp port 22

# and the block reader is what read it (a read(2) of about 512 KiB: its
# 256 KiB block and room for a record of up to 256 KiB past it; libpcap's
# stdio reads are 4 KiB)
if command -v strace >/dev/null; then
	strace -f -e trace=read -o "$tmp/strace" "$SD" -r "$tmp/big.pcap" >/dev/null 2>&1
	if grep -Eq 'read\([0-9]+, .*, 52[0-9]{4}\)' "$tmp/strace"; then
		pass "big.pcap read in 256 KiB blocks"
	else
		fail "big.pcap not read by the block reader"
	fi
else
	echo "SKIP strace missing: not checked that the block reader was used"
fi

# A named pipe (mkfifo) is opened once, by libpcap: none of the readers'
# probes (gzip magic, block reader, libnids' sizing) may open it, or it
# loses bytes or waits for a writer that is gone. Before, it gave no
# verdict at all in about half the runs. The writer starts before and
# after the reader.
ok=0 runs=0
small=$SRC/pcaps/ssh/ssh-banner-stall.pcap # fits in the pipe's buffer: its writer is gone at once
for f in "$tmp/big.pcap" "$small"; do
	"$SD" -r "$f" --json 2>/dev/null | grep -v '"type":"summary"' >"$tmp/ref.jsonl"
	for delay in 0 0.3 0 0.3; do
		runs=$((runs + 1))
		rm -f "$tmp/fifo" && mkfifo "$tmp/fifo"
		(sleep "$delay"; cat "$f" >"$tmp/fifo") &
		timeout 60 "$SD" -r "$tmp/fifo" --json 2>/dev/null | grep -v '"type":"summary"' |
			sed "s|\"source\":\"[^\"]*\"|\"source\":\"$f\"|" >"$tmp/fifo.jsonl"
		wait
		[ -s "$tmp/fifo.jsonl" ] && cmp -s "$tmp/fifo.jsonl" "$tmp/ref.jsonl" && ok=$((ok + 1))
	done
done
[ "$ok" = "$runs" ] && pass "a named pipe: the same verdicts as the file, $ok runs of $runs (3 MiB and 737 bytes)" ||
	fail "a named pipe: the same verdicts in $ok runs of $runs"

[ "$fails" = 0 ] || exit 1
