#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# fresh-machine.sh - proves the README's two commands work on a machine that
# has nothing but a minimal Debian 12: builds a clean root with debootstrap
# (minbase), copies the committed checkout (git archive HEAD) into it, and
# runs, as root inside it,
#   1. tests/install-deps.sh && cmake -S . -B build && cmake --build build -j2
#      && build/shakedown -r pcaps/ssh/ssh-banner-stall.pcap
#   2. tests/run-all.sh
# then reports pass or fail for each. Run it as root on a Debian/Ubuntu host.
#
#   tests/fresh-machine.sh               both commands (the live labs run in
#                                        a private network namespace)
#   tests/fresh-machine.sh --quick       command 1, then ctest -E lab
#   tests/fresh-machine.sh --deb F.deb   apt-get install ./F.deb (no Recommends) in a clean
#                                        root and run shakedown --version
#   tests/fresh-machine.sh --package     the Dockerfile's way: build without
#                                        cmocka (BUILD_TESTING=OFF), cmake
#                                        --install --prefix, cpack -G DEB, then
#                                        --deb with that package
#   --keep                               leave the root in place afterwards
#
# The debootstrapped root is cached as a tarball in $SHAKEDOWN_FRESH_CACHE
# (default /var/cache/shakedown-fresh); delete it to start from a new one.
# Mounts (/proc, /sys, /dev, /dev/pts and / itself) are undone on exit,
# whatever happened.
set -uo pipefail

cache=${SHAKEDOWN_FRESH_CACHE:-/var/cache/shakedown-fresh}
mirror=${SHAKEDOWN_FRESH_MIRROR:-http://deb.debian.org/debian}
suite=bookworm
mode=full
deb=
keep=0
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) mode=quick ;;
	--deb) mode=deb; deb=$(realpath "${2:?--deb needs a file}"); shift ;;
	--keep) keep=1 ;;
	--package) mode=package ;;
	-h | --help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "fresh-machine: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done

say() { echo "fresh-machine: $*" >&2; }
die() { say "$*"; exit 2; }

[ "$(id -u)" -eq 0 ] || die "run as root (debootstrap, chroot and mounts need it)"
src=$(cd "$(dirname "$0")/.." && pwd)
git -C "$src" rev-parse HEAD >/dev/null 2>&1 || die "$src is not a git checkout"

if ! command -v debootstrap >/dev/null; then
	say "installing debootstrap"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null ||
		die "apt-get install debootstrap failed"
fi

# ------------------------------------------------------------ the cached root
tarball=$cache/$suite-minbase.tar.gz
mkdir -p "$cache" || die "cannot create $cache"
if [ ! -s "$tarball" ]; then
	say "debootstrap --variant=minbase $suite (cached in $tarball afterwards)"
	tmp=$(mktemp -d /var/tmp/shakedown-debootstrap.XXXXXX)
	if ! debootstrap --variant=minbase "$suite" "$tmp" "$mirror" >"$cache/debootstrap.log" 2>&1; then
		rm -rf "$tmp"
		die "debootstrap failed (see $cache/debootstrap.log)"
	fi
	tar --numeric-owner -C "$tmp" -czf "$tarball.part" . && mv "$tarball.part" "$tarball"
	rm -rf "$tmp"
fi

root=$(mktemp -d /var/tmp/shakedown-fresh.XXXXXX)
chmod 755 "$root" # it becomes /: daemons' users (_apt, sshd) must traverse it
cleanup() {
	local m
	trap '' INT TERM # a second signal must not cut the unmounting short
	# innermost first; lazy as a last resort so a stuck daemon cannot block us
	for m in dev/pts dev sys proc; do
		mountpoint -q "$root/$m" && { umount -R "$root/$m" 2>/dev/null || umount -lR "$root/$m"; }
	done
	mountpoint -q "$root" && { umount -R "$root" 2>/dev/null || umount -lR "$root"; }
	if [ "$keep" -eq 1 ]; then
		say "root kept in $root"
	elif ! grep -q " $root" /proc/mounts; then
		rm -rf "$root"
	else
		say "mounts still under $root; not removing it"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

tar --numeric-owner -C "$root" -xzf "$tarball" || die "cannot unpack $tarball"
# the tarball's "." carries the mode of debootstrap's mktemp folder (0700):
# set it again, or no unprivileged user (nobody, _apt, sshd) can reach /usr
chmod 755 "$root"
# / must be a mount point inside the root: ip netns remounts it
mount --bind "$root" "$root"
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --rbind /dev "$root/dev"
mount --make-rslave "$root/dev"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# the host's apt settings for a sandbox (no date checks etc.) but not its lists
cp /etc/apt/apt.conf.d/99* "$root/etc/apt/apt.conf.d/" 2>/dev/null || true

# a fresh root runs no daemons: keep package scripts from trying to start any
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"

in_root() { chroot "$root" /usr/bin/env -i HOME=/root TERM="${TERM:-dumb}" \
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }
# apt has no lists in a debootstrapped root until the first update
in_root apt-get update -qq || die "apt-get update failed inside the root"

if [ "$mode" = deb ]; then
	cp "$deb" "$root/tmp/"
	name=$(basename "$deb")
	if in_root bash -c "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends /tmp/$name >/tmp/apt.log 2>&1 || { cat /tmp/apt.log; exit 1; }
		dpkg -s shakedown | sed -n 's/^\(Version\|Depends\): /  &/p'
		shakedown --version && ls /usr/share/man/man1/shakedown.1* >/dev/null && test -f /lib/systemd/system/shakedown@.service"; then
		say "PASS: $name installs in a clean Debian 12 root and shakedown --version runs"
		exit 0
	fi
	say "FAIL: $name"
	exit 1
fi


mkdir -p "$root/src/shakedown"
git -C "$src" archive HEAD | tar -C "$root/src/shakedown" -x
say "checkout $(git -C "$src" rev-parse --short HEAD) copied to /src/shakedown in $root"

if [ "$mode" = package ]; then
	# the build stage of the Dockerfile: no cmocka, no test tools
	build_deps='build-essential cmake pkg-config libpcap-dev libnids-dev libssl-dev libncurses-dev dpkg-dev file'
	log=$cache/package.log
	if in_root bash -c "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $build_deps &&
		! dpkg -s libcmocka-dev >/dev/null 2>&1 && cd /src/shakedown &&
		cmake -S . -B b -DBUILD_TESTING=OFF && cmake --build b -j2 && cmake --install b --prefix /tmp/x &&
		/tmp/x/bin/shakedown --version && find /tmp/x -type f && cd b && cpack -G DEB -B /tmp/pkg" >"$log" 2>&1; then
		say "PASS: builds without cmocka (BUILD_TESTING=OFF), cmake --install --prefix /tmp/x, --version runs:"
		sed -n '/^shakedown [0-9]/,/^ncurses/p; /^\/tmp\/x\//p' "$log" | sed 's/^/    /' >&2
	else
		say "FAIL: build, install or cpack without cmocka; last lines of $log:"
		tail -n 30 "$log" >&2
		exit 1
	fi
	out=$(mktemp -d /var/tmp/shakedown-deb.XXXXXX)
	cp "$root"/tmp/pkg/*.deb "$out/"
	"$0" --deb "$out"/*.deb
	r=$?
	rm -rf "$out"
	exit $r
fi

cmd1='tests/install-deps.sh && cmake -S . -B build && cmake --build build -j2 && build/shakedown -r pcaps/ssh/ssh-banner-stall.pcap'
cmd2='tests/run-all.sh'
log=$cache/run-$mode.log
: >"$log"
run_step() {
	local label=$1; shift
	say "running $label (log: $log)"
	local start=$SECONDS
	if "$@" >>"$log" 2>&1; then
		say "PASS: $label ($((SECONDS - start)) s)"
		return 0
	fi
	say "FAIL: $label ($((SECONDS - start)) s); last lines of $log:"
	tail -n 30 "$log" >&2
	return 1
}

rc=0
# command 1 ends in an analysis whose verdict is a fail, so shakedown exits 1
# by design (--fail-on fail): it passes when the report's last line is there
# and the exit status is 0 or 1
run_step "command 1: $cmd1" in_root bash -c "cd /src/shakedown && { $cmd1; } >/tmp/cmd1.out 2>&1
	r=\$?; cat /tmp/cmd1.out; [ \$r -le 1 ] && grep -q '^shakedown: pcaps/ssh/ssh-banner-stall.pcap: 8 packets' /tmp/cmd1.out" || rc=1

if [ "$mode" = quick ]; then
	[ $rc -eq 0 ] && { run_step "ctest -E lab" in_root bash -c \
		"cd /src/shakedown && ctest --test-dir build -j2 -E lab --output-on-failure" || rc=1; }
else
	# The live labs install their own daemons with apt (which needs the
	# network), then build namespaces and veth pairs. So that they cannot
	# collide with anything on the host, command 2 runs in a private network
	# and mount namespace without a route out: install beforehand, with the
	# network, exactly what the lab scripts would install (their lists).
	lab_pkgs='openssh-server openssh-client nftables ethtool iputils-ping strongswan-pki'
	lab_pkgs+=' strongswan-swanctl strongswan-charon libcharon-extra-plugins libstrongswan-standard-plugins'
	run_step "lab packages (what tests/lab/*.sh install themselves)" in_root bash -c \
		"DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $lab_pkgs" || rc=1
	run_step "command 2: $cmd2" unshare --net --mount --fork chroot "$root" /usr/bin/env -i \
		HOME=/root TERM=dumb LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		bash -c "ip link set lo up && cd /src/shakedown && $cmd2" || rc=1
fi

if [ $rc -eq 0 ]; then
	say "PASS: the README's commands work in a clean Debian 12 root"
else
	say "FAIL: see above and $log"
fi
exit $rc
