#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark (not a test: nothing here fails on a time). In one run it prints
# shakedown's cost as paired ratios against two references measured in the
# same invocation: a bare libpcap read loop (bare-read.c, "the floor") and
# libnids alone collecting every TCP stream (nids-alone.c). Each pair is run
# back to back and the median of the per-pair ratios is reported, which
# holds on a shared, noisy machine far better than either time alone.
#
# Sections: medium (gen-mixed 30000 3000 3), large (135000 10000 2, 2.1 GB),
# flood (1 M spoofed SYNs, default options), scale (1 k, 10 k, 100 k flows
# open at once). Peak memory is /usr/bin/time -v's maximum resident set.
#
# Usage: tests/bench/run.sh [--json] [--pairs N] [--build DIR] [--dir DIR]
#                           [--keep] [SECTION...]
# Workloads are written to --dir (default /tmp/shakedown-bench) and deleted
# at the end unless --keep (or they were there before).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=$src/build
dir=/tmp/shakedown-bench
pairs=3
json=0
keep=0
sections=()
while [ $# -gt 0 ]; do
	case $1 in
	--json) json=1 ;;
	--pairs) pairs=$2; shift ;;
	--build) build=$2; shift ;;
	--dir) dir=$2; shift ;;
	--keep) keep=1 ;;
	medium|large|flood|scale) sections+=("$1") ;;
	-h|--help) sed -n '3,20p' "$0"; exit 0 ;;
	*) echo "bench: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done
[ ${#sections[@]} -gt 0 ] || sections=(medium large flood scale)
shared=$src/../shared/bench
if [ ! -f "$shared/gen-mixed.c" ]; then
	echo "bench: $shared/gen-mixed.c not found" >&2
	exit 77
fi
sd=$build/shakedown
[ -x "$sd" ] || { echo "bench: $sd not built" >&2; exit 2; }
mkdir -p "$dir"
made=()
cc -O2 -o "$dir/gen-mixed" "$shared/gen-mixed.c"
cc -O2 -o "$dir/bare-read" "$here/bare-read.c" -lpcap
cc -O2 -o "$dir/nids-alone" "$here/nids-alone.c" -lnids -lpcap
threads=0
# the whole help first: grep -q may leave before it ends, and a SIGPIPE
# under pipefail would read as "no --threads"
case $("$sd" --help 2>&1) in *--threads*) threads=1 ;; esac

cleanup() {
	[ "$keep" = 1 ] && return
	for f in "${made[@]}"; do rm -f "$f"; done
}
trap cleanup EXIT

log() { [ "$json" = 1 ] || echo "$@"; }

# workload NAME GEN-ARGS...: sets $wl to the path (generated unless there)
workload() {
	local name=$1 f=$dir/$1.pcap
	shift
	if [ ! -s "$f" ]; then
		local need_kb=$(( $1 * 18 ))   # ~16 KB per generated flow, with margin
		local avail_kb
		avail_kb=$(df -Pk "$dir" | awk 'NR==2 {print $4}')
		if [ "$avail_kb" -lt "$need_kb" ]; then
			echo "bench: not enough space in $dir for $name" >&2
			exit 1
		fi
		"$dir/gen-mixed" "$@" "$f" 2>/dev/null
		made+=("$f")
	fi
	cat "$f" >/dev/null # warm the page cache
	wl=$f
}

# measure CMD... -> "seconds peak_kib wall_seconds" (stdout of CMD to
# $dir/last.out). Seconds are CPU time (user + system) unless BENCH_WALL=1:
# on a shared machine other jobs stretch wall time far more than they
# stretch CPU time. --threads 2 is judged on wall time (the third field):
# it spends more CPU time to take less wall time.
measure() {
	/usr/bin/time -v -o "$dir/time.txt" "$@" >"$dir/last.out" 2>/dev/null || true
	awk -F': ' -v wall="${BENCH_WALL:-0}" '
		/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; w = s }
		/User time/ { u = $2 }
		/System time/ { y = $2 }
		/Maximum resident set size/ { m = $2 }
		END { printf "%.3f %d %.3f\n", wall == 1 ? w : u + y, m, w }' "$dir/time.txt"
}

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f\n", a / b; else print "nan" }'; }

results=() # JSON fragments

# paired NAME FILE [shakedown options...]: every pair is bare, bare -b,
# nids, text, json (and --threads 2 when built in), back to back.
paired() {
	local name=$1 f=$2
	shift 2
	local -a rt rj rn rth rbb nt bt mt=0 mj=0 mn=0 mb=0 mth=0
	local i out w m x bw
	for ((i = 0; i < pairs; i++)); do
		read -r w m bw < <(measure "$dir/bare-read" "$f"); local b=$w; bt+=("$w"); mb=$m
		read -r w m x < <(measure "$dir/bare-read" -b "$f"); local bb=$w
		read -r w m x < <(measure "$dir/nids-alone" "$f"); local n=$w; nt+=("$w"); mn=$m
		read -r w m x < <(measure "$sd" -r "$f" "$@"); rt+=("$(ratio "$w" "$b") $(ratio "$w" "$n")"); rbb+=("$(ratio "$w" "$bb")"); [ "$m" -gt "$mt" ] && mt=$m
		if [ "$threads" = 1 ]; then
			read -r w m x < <(measure "$sd" -r "$f" --threads 2 "$@"); rth+=("$(ratio "$x" "$bw")"); [ "$m" -gt "$mth" ] && mth=$m
		fi
		read -r w m x < <(measure "$sd" -r "$f" --json "$@"); rj+=("$(ratio "$w" "$b") $(ratio "$w" "$n")"); [ "$m" -gt "$mj" ] && mj=$m
	done
	local tb tn tnids jb jn thb fp tbb
	tb=$(printf '%s\n' "${rt[@]}" | awk '{print $1}' | median)
	tn=$(printf '%s\n' "${rt[@]}" | awk '{print $2}' | median)
	tbb=$(printf '%s\n' "${rbb[@]}" | median)
	jb=$(printf '%s\n' "${rj[@]}" | awk '{print $1}' | median)
	jn=$(printf '%s\n' "${rj[@]}" | awk '{print $2}' | median)
	thb=nan
	[ "$threads" = 1 ] && thb=$(printf '%s\n' "${rth[@]}" | median)
	tnids=$(printf '%s\n' "${nt[@]}" | median)
	local bmed
	bmed=$(printf '%s\n' "${bt[@]}" | median)
	# the last run's JSON summary (or text summary line): packets, peak flows
	fp=$(tail -n 1 "$dir/last.out" | grep -o '"flows_peak":[0-9]*' | cut -d: -f2 || true)
	local pkts
	pkts=$(tail -n 1 "$dir/last.out" | grep -o '"packets":[0-9]*' | cut -d: -f2 || true)
	log "$(printf '%-10s %9s pkts  bare %6.2fs  nids %6.2fs | text %5sx floor (%5sx floor -b) %5sx nids | json %5sx floor %5sx nids | threads2 wall %5sx floor wall | peak MiB text %4d json %4d threads2 %4d (bare %d, nids %d) | flows peak %s' \
		"$name" "${pkts:-?}" "$bmed" "$tnids" "$tb" "$tbb" "$tn" "$jb" "$jn" "$thb" $((mt / 1024)) $((mj / 1024)) $((mth / 1024)) $((mb / 1024)) $((mn / 1024)) "${fp:-?}")"
	results+=("\"$name\":{\"packets\":${pkts:-null},\"bare_s\":$bmed,\"nids_s\":$tnids,\"text_vs_floor\":$tb,\"text_vs_floor_b\":$tbb,\"text_vs_nids\":$tn,\"json_vs_floor\":$jb,\"json_vs_nids\":$jn,\"threads2_wall_vs_floor_wall\":$( [ "$thb" = nan ] && echo null || echo "$thb"),\"peak_kib_text\":$mt,\"peak_kib_json\":$mj,\"peak_kib_threads2\":$mth,\"peak_kib_bare\":$mb,\"peak_kib_nids\":$mn,\"flows_peak\":${fp:-null},\"pairs\":$pairs}")
}

log "shakedown benchmark: $(uname -m), $(nproc) cores, $(date -u +%FT%TZ), build $build"
log "ratios: median over $pairs back-to-back pairs of $([ "${BENCH_WALL:-0}" = 1 ] && echo wall || echo 'CPU (user+sys)') time (shakedown / reference)"
for s in "${sections[@]}"; do
	case $s in
	medium) workload medium 30000 3000 3; paired medium "$wl" ;;
	large)
		p=$pairs; [ "$pairs" -gt 2 ] && pairs=2   # 2.1 GB: two pairs are enough
		workload large 135000 10000 2
		paired large "$wl"
		pairs=$p ;;
	flood)
		f=$dir/flood.pcap
		if [ ! -s "$f" ]; then
			python3 "$src/tests/gen/gen-synflood.py" 1000000 "$f"
			made+=("$f")
		fi
		cat "$f" >/dev/null
		read -r bw bm x < <(measure "$dir/bare-read" "$f")
		read -r w m x < <(measure "$sd" -r "$f" --json)
		att=$(grep '"aggregate":true' "$dir/last.out" | grep -o '"attempts":[0-9]*' | cut -d: -f2 | sort -n | tail -1 || true)
		r=$(ratio "$w" "$bw")
		log "$(printf '%-10s 1000000 SYNs: %5sx floor (%.2fs vs %.2fs), peak %d MiB, aggregate attempts %s' flood "$r" "$w" "$bw" $((m / 1024)) "${att:-none}")"
		results+=("\"flood\":{\"syns\":1000000,\"vs_floor\":$r,\"seconds\":$w,\"bare_s\":$bw,\"peak_kib\":$m,\"aggregate_attempts\":${att:-null}}")
		;;
	scale)
		log "scaling (text vs floor by flows open at once):"
		old=$pairs; pairs=1
		for c in 1000 10000 100000; do
			nflows=$(( c < 30000 ? 30000 : c ))
			workload "scale$c" "$nflows" "$c" 5
			paired "open$c" "$wl"
		done
		pairs=$old ;;
	esac
done
if [ "$json" = 1 ]; then
	(IFS=,; echo "{\"machine\":\"$(uname -m) $(nproc) cores\",\"date\":\"$(date -u +%FT%TZ)\",${results[*]}}")
fi
