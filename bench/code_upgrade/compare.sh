#!/usr/bin/env bash
# Usage: bench/code_upgrade/compare.sh <build-dir> [repetitions]   (called by scripts/bench.sh)
# Runs otp_code_upgrade_bench and its Erlang twin (bench/erlang/code_upgrade_bench.erl) on this
# machine with the same sizes, and prints otp-cpp's figure, Erlang's, the ratio and the target.
# Targets: at 10k and 100k servers, total time and longest suspension at most half of
# Erlang's (ratio >= 2); loading one module is reported without a target.
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
  }
' "$results/code_upgrade_cpp.tsv" "$results/code_upgrade_erlang.tsv"
