#!/usr/bin/env bash
# Usage: bench/cluster/compare.sh <build-dir> [repetitions]   (called by scripts/bench.sh)
# A release installed on 3 nodes as one operation (prepare everywhere, then commit) against the
# same on 1 node, and the longest suspension of any process during it. There is no
# Erlang twin: OTP has no coordinated cluster install to time (sync_nodes only makes handlers wait).
set -euo pipefail
build_dir=$1
repetitions=${2:-5}
results=$build_dir/bench/results/cluster
mkdir -p "$results"

echo "bench: cluster install on 1 and 3 nodes"
OTP_LOG_LEVEL=${OTP_LOG_LEVEL:-error} "$build_dir/bench/cluster/otp_cluster_bench" "$repetitions" >"$results/cluster.tsv"

awk -F'\t' '
  { ms[$1] = $2; us[$1] = $3 }
  END {
    line = "+------------------------------------------+-----------+--------------------------+"
    format = "| %-40s | %9s | %24s |\n"
    print ""
    print "Cluster install on 127.0.0.1 (medians; counter example 1.0.0 <-> 1.1.0)"
    print line
    printf format, "case", "ms", "longest suspension (us)*"
    print line
    printf format, "upgrade, 1 node", ms["upgrade_1"], us["upgrade_1"]
    printf format, "upgrade, 3 nodes (one operation)", ms["upgrade_3"], us["upgrade_3"]
    printf format, "downgrade, 1 node", ms["downgrade_1"], "-"
    printf format, "downgrade, 3 nodes (one operation)", ms["downgrade_3"], "-"
    print line
    print "* the longest any process stayed suspended, over every install (up and down) on those nodes"
    printf "3 nodes take %.1fx the time of 1\n", ms["upgrade_3"] / ms["upgrade_1"]
  }
' "$results/cluster.tsv"
