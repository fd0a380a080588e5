#!/usr/bin/env bash
# Usage: bench/cli/compare.sh <build-dir> [repetitions]   (called by scripts/bench.sh)
# Startup and tool round trip on 127.0.0.1: otp_cli_bench times otpctl and erl alike (bench/cli/
# main.cpp) and this prints the table: ours | Erlang | ratio (Erlang's time / ours: > 1, otp-cpp
# faster). Erlang/OTP 25 takes about 115 ms for `erl -noshell -s erlang halt` and
# 124 ms with -name on a quiet machine.
set -euo pipefail
build_dir=$1
repetitions=${2:-5}
results=$build_dir/bench/results/cli
mkdir -p "$results"

echo "bench: otpctl start and ping, erl start and ping"
"$build_dir/bench/cli/otp_cli_bench" "$repetitions" >"$results/cli.tsv"

awk -F'\t' '
  { ours[$1] = $2; erl[$1] = $3 }
  function row(label, c,    r) {
    r = (ours[c] != "-" && erl[c] != "-") ? sprintf("%.1fx", erl[c] / ours[c]) : "-"
    printf format, label, ours[c] == "-" ? "-" : sprintf("%.1f", ours[c]), erl[c] == "-" ? "-" : sprintf("%.1f", erl[c]), r
  }
  END {
    line = "+-------------------------------------------------------------+----------+----------+--------+"
    format = "| %-59s | %8s | %8s | %6s |\n"
    print ""
    print "Node startup and otpctl round trip on 127.0.0.1 (medians, ms; ratio > 1: otp-cpp faster)"
    print line
    printf format, "case", "ours", "Erlang", "ratio"
    print line
    row("start to first pong (otpctl start --daemon | erl -name)", "start_to_pong")
    row("otpctl start --daemon until it returns (release booted)", "start_returns")
    row("erl -noshell -s erlang halt", "erl_halt")
    row("erl -noshell -name N -s erlang halt", "erl_name_halt")
    row("ping tool round trip (otpctl ping | erl -hidden ping+halt)", "ping_tool")
    print line
  }
' "$results/cli.tsv"
