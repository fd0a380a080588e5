#!/usr/bin/env bash
# Usage: scripts/demo.sh [preset | build-dir]   (default: the release preset)
# The README's first command. Installs what is missing and builds what the demo needs (fast when
# nothing changed), then, narrated step by step, on 127.0.0.1:
#   1. starts two nodes sharing a cookie, as daemons, from copies of the counter example's release
#      root at release 1.0.0 (otpctl start --daemon);
#   2. drives traffic at the counter of both (examples/counter/traffic: casts and calls, every
#      answer checked);
#   3. upgrades both to 1.1.0 as one operation (otpctl unpack, relup --nodes) while the traffic
#      flows: no request fails, every increment is counted, and `reset` now works;
#   4. crashes the counter worker; its supervisor restarts it (otpctl status: restarts=1);
#   5. rolls the cluster back to the permanent 1.0.0, the state migrated down;
#   6. kills a node with SIGKILL; its watchdog boots the permanent release again;
#   7. prints the release history and stops the nodes.
# Finishes by itself in well under a minute after the build, and leaves no process behind, also
# when interrupted: the nodes, their watchdogs and the traffic are stopped, the temp dir removed,
# and EPMD killed if the demo started it. Exit code: 0 when every step did what it says.
set -euo pipefail
cd "$(dirname "$0")/.."

target=${1:-release}
if [[ -f $target/build.ninja || -f $target/Makefile ]]; then build_dir=$target; else build_dir=build/$target; fi
targets=(otpctl counter_traffic example_counter_root)
if [[ $build_dir == "$target" ]]; then
  scripts/setup.sh
  cmake --build "$build_dir" --parallel "$(nproc)" --target "${targets[@]}"
else
  scripts/build.sh "$target" --target "${targets[@]}"
fi
otpctl=$build_dir/cli/otpctl
traffic=$build_dir/examples/counter/traffic
release_root=$build_dir/examples/counter/root

# --- what the demo starts, and how it is all stopped ----------------------------------------------
demo=$(mktemp -d "${TMPDIR:-/tmp}/otp-cpp-demo.XXXXXX")
cookie=demo$$x$RANDOM
cookie_file=$demo/cookie  # the nodes' secret stays off every otpctl command line
(umask 077 && printf '%s\n' "$cookie" >"$cookie_file")
node_a=demo_a$$@127.0.0.1
node_b=demo_b$$@127.0.0.1
traffic_pid=
epmd_was_running=0
epmd -names >/dev/null 2>&1 && epmd_was_running=1

# Stops what is still running: the traffic (SIGTERM), each node's watchdog (SIGTERM: it stops its
# node cleanly, then removes its pid files and ends; SIGKILL for both if the files are still there
# after 10 s), EPMD when the demo started it. (The watchdogs are not the demo's children: a zombie
# one still answers kill -0, so their end is seen in the pid files.)
cleanup() {
  trap - EXIT INT TERM
  if [[ -n $traffic_pid ]] && kill -0 "$traffic_pid" 2>/dev/null; then
    kill -TERM "$traffic_pid" 2>/dev/null || true
    wait "$traffic_pid" 2>/dev/null || true
  fi
  local root pid
  for root in "$demo"/a "$demo"/b; do
    pid=$(cat "$root/otpctl/watchdog.pid" 2>/dev/null) || continue
    kill -TERM "$pid" 2>/dev/null || continue
    for _ in $(seq 100); do [[ -e $root/otpctl/watchdog.pid ]] || break; sleep 0.1; done
    if [[ -e $root/otpctl/watchdog.pid ]]; then
      kill -KILL "$pid" "$(cat "$root/otpctl/node.pid" 2>/dev/null)" 2>/dev/null || true
    fi
  done
  if [[ $epmd_was_running == 0 ]]; then epmd -kill >/dev/null 2>&1 || true; fi
  rm -rf "$demo"
}
trap cleanup EXIT
trap 'echo; echo "demo: interrupted; stopping everything"; exit 130' INT TERM

# --- narration -------------------------------------------------------------------------------------
bold=
plain=
if [[ -t 1 ]]; then
  bold=$(tput bold 2>/dev/null || true)
  plain=$(tput sgr0 2>/dev/null || true)
fi
step() { printf '\n%s== %s ==%s\n' "$bold" "$*" "$plain"; }
say() { printf '%s\n' "$*"; }
# Shows a command as a user would type it ($DEMO for the temp dir), runs it, indents its output.
run() {
  local shown="$*"
  shown=${shown//$demo/\$DEMO}
  printf '  $ %s\n' "${shown//$build_dir\/cli\//}"
  "$@" 2>&1 | sed "s|$demo|\$DEMO|g; s/^/    /"
}
# run, for an otpctl node command on node $1 with the demo's cookie.
on() {
  local node=$1 command=$2
  shift 2
  run "$otpctl" "$command" --node "$node" --cookie-file "$cookie_file" "$@"
}
# The output of an otpctl node command, unshown.
ask() {
  local node=$1 command=$2
  shift 2
  "$otpctl" "$command" --node "$node" --cookie-file "$cookie_file" "$@"
}
fail() {
  echo "demo: $*" >&2
  exit 1
}
# Waits up to 10 s for the command "$@" to succeed.
await() {
  for _ in $(seq 100); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}

say "otp-cpp demo: two nodes, a live upgrade under traffic, a crash, a rollback, a watchdog."
say "Everything runs on 127.0.0.1 in $demo (shown as \$DEMO); otpctl is $otpctl."

# --- 1 ---------------------------------------------------------------------------------------------
step "1. Two nodes with the same cookie, each booting release counter 1.0.0"
say "Each node gets its own copy of the counter example's release root (releases 1.0.0 and 1.1.0)."
say "otpctl start --daemon returns once the node is up; a watchdog keeps it running."
mkdir -p "$demo/a" "$demo/b"
cp -r "$release_root"/. "$demo/a"
cp -r "$release_root"/. "$demo/b"
run "$otpctl" start --name "$node_a" --root "$demo/a" --cookie-file "$cookie_file" --first-boot 1.0.0 --daemon
run "$otpctl" start --name "$node_b" --root "$demo/b" --cookie-file "$cookie_file" --first-boot 1.0.0 --daemon
on "$node_a" status
say "Only a node with the cookie gets in:"
run "$otpctl" ping --node "$node_b" --cookie not-the-cookie || true
on "$node_b" ping

# --- 2 ---------------------------------------------------------------------------------------------
step "2. Traffic at the counter of both nodes"
say "A hidden node loops on each counter: cast {increment, 1}, then call get, which must read every"
say "increment made so far. Any failed call or wrong read is counted."
printf '  $ %s\n' "$traffic --cookie $cookie $node_a $node_b &"
"$traffic" --cookie "$cookie" "$node_a" "$node_b" >"$demo/traffic.out" 2>&1 &
traffic_pid=$!
await grep -q "flowing" "$demo/traffic.out" || fail "the traffic did not start: $(cat "$demo/traffic.out")"
await grep -q " ok/" "$demo/traffic.out" || fail "no traffic progress"
sed 's/^/    /' "$demo/traffic.out" | tail -2

# --- 3 ---------------------------------------------------------------------------------------------
step "3. Upgrade both nodes to 1.1.0, as one operation, while the traffic flows"
say "unpack sends release 1.1.0 to node A. relup --nodes installs it on both: node A sends it on to"
say "node B, both prepare (new code opened, nothing switched), and only then both commit: the counter"
say "is suspended, its new code loaded, its state migrated from Sum to {Sum, Resets} by code_change,"
say "and it is resumed. Had either node failed to prepare, neither would have changed."
on "$node_a" unpack "$release_root" --vsn 1.1.0
on "$node_a" relup 1.1.0 --nodes "$node_a,$node_b"
say "The traffic kept going through both upgrades:"
lines=$(wc -l <"$demo/traffic.out")
progressed() { [[ $(wc -l <"$demo/traffic.out") -gt $lines ]]; }
await progressed || fail "the traffic stalled"
tail -1 "$demo/traffic.out" | sed 's/^/    /'
say "Stopping the traffic; its report:"
kill -TERM "$traffic_pid"
traffic_ok=0
wait "$traffic_pid" && traffic_ok=1
traffic_pid=
grep -v " ok/" "$demo/traffic.out" | grep -v flowing | sed 's/^/    /'
[[ $traffic_ok == 1 ]] || fail "a request failed or read a wrong count"
say "The counts survived the upgrade, and 1.1.0's reset works:"
on "$node_a" call counter get
on "$node_a" call counter reset
on "$node_a" call counter get

# --- 4 ---------------------------------------------------------------------------------------------
step "4. Crash the counter worker; its supervisor restarts it"
say "{increment, crash} is not a number: the counter crashes on it."
on "$node_a" cast counter '{increment, crash}'
restarted() { ask "$node_a" status | grep -q "worker.*restarts=1"; }
await restarted || fail "the counter was not restarted"
say "From node A's log:"
grep -A2 "CRASH REPORT" "$demo/a/otpctl/node.log" | head -3 | cut -c1-150 | sed 's/^/    /'
on "$node_a" status
on "$node_a" cast counter '{increment, 42}'
on "$node_a" call counter get

# --- 5 ---------------------------------------------------------------------------------------------
step "5. Roll the cluster back to the permanent release, 1.0.0"
say "The downgrade runs 1.1.0's code_change({down, \"1\"}): {Sum, Resets} becomes Sum again."
say "The nodes are joined now (A sent B the release): --cluster means node A and every node it knows."
on "$node_a" nodes
on "$node_a" rollback --cluster
on "$node_a" cluster status
on "$node_a" call counter get
say "1.0.0 knows no reset:"
on "$node_a" call counter reset
[[ $(ask "$node_a" call counter get) == 42 ]] || fail "the sum did not survive the rollback"

# --- 6 ---------------------------------------------------------------------------------------------
step "6. Kill node B with SIGKILL: its watchdog boots the permanent release again"
old_pid=$(cat "$demo/b/otpctl/node.pid")
printf '  $ %s\n' "kill -KILL \$(cat \$DEMO/b/otpctl/node.pid)     # $old_pid"
kill -KILL "$old_pid"
rebooted() { [[ $(cat "$demo/b/otpctl/node.pid") != "$old_pid" ]] && grep -q "is up again" "$demo/b/otpctl/node.log"; }
await rebooted || fail "node B did not come back"
grep "otpctl watchdog" "$demo/b/otpctl/node.log" | tail -2 | cut -d' ' -f2- | sed 's/^/    /'
on "$node_b" status

# --- 7 ---------------------------------------------------------------------------------------------
step "7. Node B's release history, then stop both nodes"
on "$node_b" history
on "$node_a" stop
on "$node_b" stop
say ""
say "Done: no request failed during the upgrade, the counter survived it and the rollback, its"
say "supervisor and the node's watchdog brought back what was killed."
