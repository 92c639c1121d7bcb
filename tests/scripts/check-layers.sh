#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# check-layers.sh SOURCE_DIR [STAMP] - fail on an include that goes against
# the direction of the layers. Run by the build (target shakedown_layering,
# part of the default build) before anything is compiled.
#
#   capture/   may include only capture/ and system headers, not
#              curses or OpenSSL (it sees libpcap and libnids)
#   analyzer/  may include capture/ and analyzer/, never ui/, and never
#              libpcap, libnids or curses headers
#   ui/        may include all three; not libpcap or libnids
#
# The include path holds the source root and every system header, so the
# compiler alone cannot refuse these: this script does.
set -u
root=${1:?usage: check-layers.sh SOURCE_DIR [STAMP]}
stamp=${2:-}
bad=0

# check DIR ERE WHY: every #include line in DIR/*.c and DIR/*.h matching ERE is an error
check() {
	local dir=$1 ere=$2 why=$3 hits
	hits=$(grep -nE "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"]($ere)" "$root/$dir"/*.c "$root/$dir"/*.h 2>/dev/null)
	if [ -n "$hits" ]; then
		while IFS= read -r h; do
			echo "layering: ${h#"$root"/}: $why" >&2
		done <<<"$hits"
		bad=1
	fi
}

sys_capture='pcap\.h|pcap/|nids\.h'
sys_curses='n?curses\.h|ncursesw/|curses/|term\.h|panel\.h'
check capture '(\.\./)*(analyzer|ui)/' "capture/ must not include analyzer/ or ui/"
check capture "$sys_curses|openssl/" "capture/ must not include curses or OpenSSL"
check analyzer '(\.\./)*ui/' "analyzer/ must not include ui/"
check analyzer "$sys_capture" "analyzer/ must not see libpcap or libnids (only capture/ does)"
check analyzer "$sys_curses" "analyzer/ must not include curses"
check ui "$sys_capture" "ui/ must not see libpcap or libnids (only capture/ does)"

[ "$bad" = 0 ] || exit 1
[ -z "$stamp" ] || touch "$stamp"
exit 0
