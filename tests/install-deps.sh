#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs what shakedown needs to build, test and package on Debian 12 (run
# as root); file is for cpack -G DEB (dpkg-shlibdeps).
# Safe to run again: installs only what is missing.
set -euo pipefail
pkgs=(build-essential cmake pkg-config libpcap-dev libnids-dev libssl-dev libncurses-dev zlib1g-dev
      libcmocka-dev tcpdump tshark tmux iproute2 python3 time mandoc file strace)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: everything is installed"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing ${missing[*]}; run as root (sudo $0)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
echo "install-deps: installed ${missing[*]}"
