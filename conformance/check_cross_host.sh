#!/usr/bin/env bash
# Cross-machine mode, on one machine: the peer server runs in one network namespace and
# the suite's [peer] tests in another, joined by a veth pair, so every peer connection
# crosses a real (virtual) link between two network stacks, as with a peer on another
# host. Needs root (CI is root) and iproute2; exits 77 (ctest: skipped) with the reason
# otherwise.
#
# usage: check_cross_host.sh PEER_PROGRAM SUITE_PROGRAM [RUNNER]
set -uo pipefail

readonly peer=$1 suite=$2 runner=${3:-}
skip() { echo "skipped: $*"; exit 77; }

[[ $(id -u) == 0 ]] || skip "network namespaces need root (this is uid $(id -u))"
command -v ip >/dev/null || skip "no 'ip' command (Debian package iproute2)"

readonly tag=$$
readonly ns_peer="closesem-peer-$tag" ns_suite="closesem-suite-$tag"
readonly if_peer="csp$tag" if_suite="css$tag"
readonly addr_peer=10.213.7.1 addr_suite=10.213.7.2
work=$(mktemp -d)
server_pid=""

cleanup() {
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  ip netns del "$ns_peer" 2>/dev/null
  ip netns del "$ns_suite" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

ip netns add "$ns_peer" 2>"$work/err" || skip "cannot create a network namespace: $(cat "$work/err")"
ip netns add "$ns_suite" || exit 1
set -e
ip link add "$if_peer" type veth peer name "$if_suite"
ip link set "$if_peer" netns "$ns_peer"
ip link set "$if_suite" netns "$ns_suite"
ip -n "$ns_peer" addr add "$addr_peer/24" dev "$if_peer"
ip -n "$ns_suite" addr add "$addr_suite/24" dev "$if_suite"
for ns in "$ns_peer" "$ns_suite"; do ip -n "$ns" link set lo up; done
ip -n "$ns_peer" link set "$if_peer" up
ip -n "$ns_suite" link set "$if_suite" up
set +e

# The peer server prints SERVING <port>, then TOKEN <hex>: with no token given to it (none
# in the environment either), it makes one. Read both through a FIFO with bounded waits.
mkfifo "$work/serving"
ip netns exec "$ns_peer" env -u CLOSESEM_PEER_TOKEN $runner "$peer" --serve "$addr_peer:0" --timeout 600 \
  >"$work/serving" &
server_pid=$!
exec 3<"$work/serving"
if ! read -r -t 30 -u 3 word port || [[ $word != SERVING ]]; then
  echo "the peer server in $ns_peer did not say SERVING <port> within 30 s (said: '${word:-} ${port:-}')"
  exit 1
fi
if ! read -r -t 30 -u 3 word token || [[ $word != TOKEN || ! $token =~ ^[0-9a-f]{32}$ ]]; then
  echo "the peer server in $ns_peer did not say TOKEN <32 hex digits> after SERVING (said: '${word:-} ${token:-}')"
  exit 1
fi
echo "peer server: $addr_peer:$port in namespace $ns_peer; suite in $ns_suite ($addr_suite)"

# The server's log (refusals, accept errors) is drained so that it never blocks on a full pipe.
cat <&3 >"$work/server.log" &
exec 3<&-

CLOSESEM_PEER="$addr_peer:$port" CLOSESEM_PEER_TOKEN="$token" \
  ip netns exec "$ns_suite" $runner "$suite" "[peer]" --reporter compact
status=$?
echo "the [peer] tests against the peer across the veth link exited with $status"
if [[ -s $work/server.log ]]; then
  echo "the peer server's log:"
  cat "$work/server.log"
fi
exit "$status"
