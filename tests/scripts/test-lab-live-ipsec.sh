#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Live end-to-end test: every IPsec lab scenario plays with two real
# strongSwan daemons and nftables while shakedown captures live (-i) on the
# router, and the verdicts it printed must match the committed .expect.
# Needs root (network namespaces); skips (77) otherwise.
bin=$1 src=$2
[ "$(id -u)" = 0 ] || { echo "SKIP: the live lab needs root"; exit 77; }
out=$(mktemp -d /tmp/sd-live-ipsec.XXXXXX)
trap 'rm -rf "$out"' EXIT
bash "$src/tests/scripts/lab-shards.sh" "$src/tests/lab/lab-ipsec.sh" "$bin" "$out"
