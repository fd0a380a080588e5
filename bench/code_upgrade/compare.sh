#!/usr/bin/env bash
# Usage: bench/code_upgrade/compare.sh <build-dir> [repetitions]   (called by scripts/bench.sh)
# Runs otp_code_upgrade_bench and its Erlang twin (bench/erlang/code_upgrade_bench.erl) on this
# machine with the same sizes, and prints otp-cpp's figure, Erlang's, the ratio and the target.
# Targets: at 10k and 100k servers, total time and longest suspension at most half of
# Erlang's (ratio >= 2); loading one module is reported without a target. The rolling upgrade
# (otp-cpp only: Erlang has no such mode) is printed beside Erlang's upgrade in OTP's order, with
# its own targets: longest pause of any server <= 1 ms, total time no worse than otp-cpp's upgrade
# in OTP's order. Then, unless OTP_BENCH_NO_TRAFFIC is set, both modes under call traffic from 64
# clients (otp_code_upgrade_bench --traffic): failed calls, failed order checks, p99 call latency
# during the upgrade beside p99 without one.
set -euo pipefail
build_dir=$1
repetitions=${2:-3}
sizes="1 1000 10000 100000"
results=$build_dir/bench/results/code_upgrade
mkdir -p "$results" "$build_dir/bench/erlang"
erlc -o "$build_dir/bench/erlang" "$(dirname "$0")/../erlang/code_upgrade_bench.erl"

echo "bench: otp-cpp code upgrade"
"$build_dir/bench/code_upgrade/otp_code_upgrade_bench" "$repetitions" $sizes >"$results/code_upgrade_cpp.tsv"
echo "bench: Erlang code upgrade"
erl -noshell +S "$(nproc)" -pa "$build_dir/bench/erlang" \
  -eval "code_upgrade_bench:run([$repetitions, ${sizes// /, }]), halt()." >"$results/code_upgrade_erlang.tsv"

awk -F'\t' '
  FNR == NR { cpp_total[$1] = $2; cpp_longest[$1] = $3; next }
  { erl_total[$1] = $2; erl_longest[$1] = $3 }
  END {
    line = "+------------------------------------------------+------------+------------+--------+--------+------+"
    format = "| %-46s | %10s | %10s | %6s | %6s | %-4s |\n"
    print ""
    print "Hot code upgrade: suspend all, load, change_code each, resume all (medians; ratio > 1: otp-cpp better)"
    print line
    printf format, "case", "otp-cpp", "Erlang", "ratio", "target", "met?"
    print line
    printf format, "load one module (us, purge included)", sprintf("%.0f", cpp_total["load_module"]),
           sprintf("%.0f", erl_total["load_module"]), sprintf("%.2fx", erl_total["load_module"] / cpp_total["load_module"]), "-", ""
    n = split("1 1000 10000 100000", sizes, " ")
    for (k = 1; k <= n; ++k) {
      c = "upgrade_" sizes[k]
      if (!(c in cpp_total) || !(c in erl_total)) continue
      target = (sizes[k] >= 10000) ? ">=2x" : "-"
      r = erl_total[c] / cpp_total[c]
      printf format, sprintf("upgrade %s servers: total (ms)", sizes[k]), sprintf("%.2f", cpp_total[c]),
             sprintf("%.2f", erl_total[c]), sprintf("%.2fx", r), target, target == "-" ? "" : (r >= 2 ? "yes" : "no")
      r = erl_longest[c] / cpp_longest[c]
      printf format, sprintf("upgrade %s servers: longest suspension (ms)", sizes[k]), sprintf("%.2f", cpp_longest[c]),
             sprintf("%.2f", erl_longest[c]), sprintf("%.2fx", r), target, target == "-" ? "" : (r >= 2 ? "yes" : "no")
    }
    print line
    print ""
    print "Rolling upgrade: each server paused only for its own code_change (medians; Erlang in OTP order)"
    print line
    printf format, "case", "otp-cpp", "Erlang", "ratio", "target", "met?"
    print line
    for (k = 1; k <= n; ++k) {
      c = "upgrade_" sizes[k]; rc = "rolling_" sizes[k]
      if (!(rc in cpp_total)) continue
      big = sizes[k] >= 10000
      r = (c in erl_total) ? sprintf("%.2fx", erl_total[c] / cpp_total[rc]) : "-"
      met = cpp_total[rc] <= cpp_total[c] ? "yes" : "no"
      printf format, sprintf("rolling %s servers: total (ms)", sizes[k]), sprintf("%.2f", cpp_total[rc]),
             (c in erl_total) ? sprintf("%.2f", erl_total[c]) : "-", r, big ? sprintf("<=%.0f", cpp_total[c]) : "-",
             big ? met : ""
      r = (c in erl_longest) ? sprintf("%.0fx", erl_longest[c] / cpp_longest[rc]) : "-"
      printf format, sprintf("rolling %s servers: longest pause (ms)", sizes[k]), sprintf("%.3f", cpp_longest[rc]),
             (c in erl_longest) ? sprintf("%.2f", erl_longest[c]) : "-", r, big ? "<=1" : "-",
             big ? (cpp_longest[rc] <= 1 ? "yes" : "no") : ""
    }
    print line
  }
' "$results/code_upgrade_cpp.tsv" "$results/code_upgrade_erlang.tsv"

if [[ -z ${OTP_BENCH_NO_TRAFFIC:-} ]]; then
  echo "bench: otp-cpp code upgrade under traffic"
  "$build_dir/bench/code_upgrade/otp_code_upgrade_bench" --traffic 1 10000 100000 >"$results/code_upgrade_traffic.tsv"
  awk -F'\t' '
    BEGIN {
      line = "+---------------------------+----------+----------+----------+----------+-----------+--------+--------+-----------+-----------+--------+"
      format = "| %-25s | %8s | %8s | %8s | %8s | %9s | %6s | %6s | %9s | %9s | %6s |\n"
      print ""
      print "Upgrade under call traffic from 64 clients (call latency in us: p99 and slowest, without and during"
      print "the upgrade; failed: calls / order checks; pause: the longest of any server; >1ms: rolling servers"
      print "paused longer than 1 ms)"
      print line
      printf format, "case", "p99 idle", "p99 upg.", "max idle", "max upg.", "calls", "failed", "order", "total ms", "pause ms",
             ">1ms"
      print line
    }
    { printf format, $1, sprintf("%.0f", $2), sprintf("%.0f", $3), sprintf("%.0f", $9), sprintf("%.0f", $10), $4, $5, $6,
             sprintf("%.2f", $7), sprintf("%.3f", $8), $11 }
    END { print line }
  ' "$results/code_upgrade_traffic.tsv"
fi
