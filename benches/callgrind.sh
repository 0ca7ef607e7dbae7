#!/bin/bash
# Wraps one `basis` run in callgrind for the scan bench: instruction counts do not depend on the
# machine's load, so two builds compare exactly even on a busy machine.
#
#   BASIS_BENCH_BIN=benches/callgrind.sh BASIS_TIMEOUT=60s BASIS_DEADLINE=600s \
#     cargo bench --bench scan -- --kinds carry --runs 5
#   grep -h summary: target/callgrind/cg.*        # one total per run, in the order they ran
#
# CALLGRIND_BIN: the build to measure (default target/release/basis); CALLGRIND_DIR: where the
# profiles go (default target/callgrind); CALLGRIND_SKIP: a venue id dropped from `--venues` (to
# compare with a build that does not know it). Runs are about 50 times slower under callgrind,
# hence the longer timeout and deadline.
set -eu
bin=${CALLGRIND_BIN:-target/release/basis}
dir=${CALLGRIND_DIR:-target/callgrind}
mkdir -p "$dir"
args=()
for a in "$@"; do
  if [ -n "${CALLGRIND_SKIP:-}" ]; then a=${a//,$CALLGRIND_SKIP/}; fi
  args+=("$a")
done
exec valgrind --tool=callgrind --callgrind-out-file="$dir/cg.%p" "$bin" "${args[@]}" 2>>"$dir/valgrind.log"
