#!/usr/bin/env bash
# Usage: bench/idle/compare.sh <build-dir> [seconds]   (called by scripts/bench.sh)
# What an idle node costs: an otp-cpp node booted on the counter example's release and an
# `erl -name` node, connected to each other (distribution up, ticks flowing), left alone for
# SECONDS (default 60). Both are read from /proc: CPU clock ticks (user + system, all threads) and
# context switches (wake-ups). The ratio is Erlang's / ours (> 1: otp-cpp cheaper; "-" when ours
# is 0).
set -euo pipefail
build_dir=$1
seconds=${2:-60}
work=$(mktemp -d)
cpp_name="idle_cpp_$$@127.0.0.1"
erl_name="idle_erl_$$@127.0.0.1"
cpp_pid=""
erl_pid=""
cleanup() {
  [[ -n $cpp_pid ]] && kill "$cpp_pid" 2>/dev/null && wait "$cpp_pid" 2>/dev/null
  [[ -n $erl_pid ]] && kill "$erl_pid" 2>/dev/null && wait "$erl_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

cp -r "$build_dir/examples/counter/root" "$work/root"
echo "idlebenchcookie" >"$work/cookie"
chmod 600 "$work/cookie"

# wait_for <seconds> <command...>: polls a condition (startup, not a measurement) until it holds.
wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || { echo "idle bench: timed out waiting for: $*" >&2; exit 1; }
    sleep 0.1
  done
}

echo "bench: idle nodes for $seconds s (otp-cpp on the counter release, erl -name), connected"
"$build_dir/cli/otpctl" start --name "$cpp_name" --root "$work/root" --cookie-file "$work/cookie" \
  >"$work/cpp.log" 2>&1 &
cpp_pid=$!
wait_for 30 grep -q "is running release" "$work/cpp.log"
erl -noshell -name "$erl_name" -setcookie idlebenchcookie \
  -eval "pong = net_adm:ping('$cpp_name')." >"$work/erl.log" 2>&1 &
erl_pid=$!
wait_for 30 "$build_dir/cli/otpctl" ping --node "$erl_name" --cookie-file "$work/cookie" --timeout 1000 >/dev/null 2>&1
# Connected both ways? the otp-cpp node lists the erl node.
wait_for 30 bash -c "'$build_dir/cli/otpctl' nodes --node '$cpp_name' --cookie-file '$work/cookie' | grep -q idle_erl_"

# ticks <pid>: user + system clock ticks of the whole process; switches <pid>: all its threads'.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
switches() { cat /proc/"$1"/task/*/status | awk '/ctxt_switches/ {n += $2} END {print n}'; }

sleep 2  # let both settle after the pings above (a warm-up, not a synchronisation)
cpp_ticks0=$(ticks "$cpp_pid") erl_ticks0=$(ticks "$erl_pid")
cpp_sw0=$(switches "$cpp_pid") erl_sw0=$(switches "$erl_pid")
sleep "$seconds"  # the measurement window
cpp_ticks=$(($(ticks "$cpp_pid") - cpp_ticks0)) erl_ticks=$(($(ticks "$erl_pid") - erl_ticks0))
cpp_sw=$(($(switches "$cpp_pid") - cpp_sw0)) erl_sw=$(($(switches "$erl_pid") - erl_sw0))

awk -v s="$seconds" -v hz="$(getconf CLK_TCK)" -v ct="$cpp_ticks" -v et="$erl_ticks" -v cs="$cpp_sw" -v es="$erl_sw" '
  function ratio(e, c) { return c > 0 ? sprintf("%.1fx", e / c) : (e > 0 ? "inf" : "-") }
  BEGIN {
    line = "+-------------------------------------------------------------+----------+----------+--------+"
    format = "| %-59s | %8s | %8s | %6s |\n"
    print ""
    printf "An idle node over %d s, distribution up (ratio: Erlang / ours, > 1: otp-cpp cheaper)\n", s
    print line
    printf format, "case", "ours", "Erlang", "ratio"
    print line
    printf format, "CPU clock ticks (user + system, " hz " per second)", ct, et, ratio(et, ct)
    printf format, "CPU, % of one core", sprintf("%.3f", 100 * ct / hz / s), sprintf("%.3f", 100 * et / hz / s), ratio(et, ct)
    printf format, "context switches (all threads)", cs, es, ratio(es, cs)
    print line
  }'
