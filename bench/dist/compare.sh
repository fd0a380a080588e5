#!/usr/bin/env bash
# Usage: bench/dist/compare.sh <build-dir> [repetitions]   (called by scripts/bench.sh)
# Distribution between two nodes on 127.0.0.1: otp_dist_bench (otp-cpp <-> otp-cpp) and its Erlang
# twin bench/erlang/dist_bench.erl (erl <-> erl), same cases, then one table:
# ours | Erlang | ratio (> 1: otp-cpp better) | target (calls/s >= 2x, round trip <= 1/2).
set -euo pipefail
build_dir=$1
repetitions=${2:-5}
results=$build_dir/bench/results/dist
mkdir -p "$results" "$build_dir/bench/erlang"
erlc -o "$build_dir/bench/erlang" "$(dirname "$0")/../erlang/dist_bench.erl"

echo "bench: otp-cpp distribution"
"$build_dir/bench/dist/otp_dist_bench" "$repetitions" >"$results/dist_cpp.tsv"

echo "bench: Erlang distribution"
server=distbench_erlsrv$$@127.0.0.1
client=distbench_erlcli$$@127.0.0.1
# The server erl reads its stdin from a fifo we hold open; it is killed (by its pid) on the way out.
fifo=$(mktemp -u)
mkfifo "$fifo"
erl -name "$server" -setcookie distbench -noshell -pa "$build_dir/bench/erlang" -s dist_bench serve <"$fifo" \
  >"$results/erlang_server.txt" 2>&1 &
server_pid=$!
exec 9>"$fifo"
trap 'kill $server_pid 2>/dev/null || true; exec 9>&-; rm -f "$fifo"' EXIT
for _ in $(seq 100); do grep -q ready "$results/erlang_server.txt" 2>/dev/null && break; sleep 0.1; done
erl -name "$client" -setcookie distbench -noshell -pa "$build_dir/bench/erlang" \
  -eval "dist_bench:run('$server', $repetitions), halt()." >"$results/dist_erlang.tsv"

awk -F'\t' '
  FNR == NR { cpp[$1] = $2; next }
  { erl[$1] = $2 }
  END {
    line = "+--------------------------------------------------+------------+------------+--------+--------+------+"
    format = "| %-48s | %10s | %10s | %6s | %6s | %-4s |\n"
    print ""
    print "Distribution between two nodes on 127.0.0.1 (medians; ratio > 1: otp-cpp better)"
    print line
    printf format, "case", "ours", "Erlang", "ratio", "target", "met?"
    print line
    r = erl["ping_rtt"] / cpp["ping_rtt"]
    printf format, "ping round trip (us)", sprintf("%.1f", cpp["ping_rtt"]), sprintf("%.1f", erl["ping_rtt"]),
           sprintf("%.2fx", r), ">=2x", (r >= 2 ? "yes" : "no")
    r = cpp["call_1"] / erl["call_1"]
    printf format, "remote gen_server call, 1 client (calls/s)", sprintf("%.0f", cpp["call_1"]),
           sprintf("%.0f", erl["call_1"]), sprintf("%.2fx", r), ">=2x", (r >= 2 ? "yes" : "no")
    r = cpp["call_16"] / erl["call_16"]
    printf format, "remote gen_server call, 16 clients (calls/s)", sprintf("%.0f", cpp["call_16"]),
           sprintf("%.0f", erl["call_16"]), sprintf("%.2fx", r), ">=2x", (r >= 2 ? "yes" : "no")
    r = erl["nl"] / cpp["nl"]
    printf format, "nl of a small module, result awaited (ms)", sprintf("%.3f", cpp["nl"]), sprintf("%.3f", erl["nl"]),
           sprintf("%.2fx", r), "-", ""
    print line
  }
' "$results/dist_cpp.tsv" "$results/dist_erlang.tsv"
