#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Live end-to-end test: every SSH/TCP lab scenario plays with real sshd,
# clients and nftables while shakedown captures live (-i) on the router, and
# the verdicts it printed must match the scenario's committed .expect.
# Needs root (network namespaces); skips (77) otherwise.
bin=$1 src=$2
[ "$(id -u)" = 0 ] || { echo "SKIP: the live lab needs root"; exit 77; }
out=$(mktemp -d /tmp/sd-live-tcpssh.XXXXXX)
trap 'rm -rf "$out"' EXIT
bash "$src/tests/scripts/lab-shards.sh" "$src/tests/lab/lab-tcp-ssh.sh" "$bin" "$out"
rc=$?
grep -h "live: \(expected\|printed\)" "$out"/*/*/*.log 2>/dev/null | head -80
exit $rc
