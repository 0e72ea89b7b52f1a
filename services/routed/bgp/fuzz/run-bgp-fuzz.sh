#!/usr/bin/env bash
# Builds the BGP message decoder fuzz target with clang (libFuzzer + ASan + UBSan + LSan) in
# a build directory of its own and runs it for a bounded time, starting from the generated
# seed corpus. Exits non-zero on any crash, leak, sanitizer report or broken invariant; the
# reproducer is left in the artifacts directory it prints.
#
#   services/routed/bgp/fuzz/run-bgp-fuzz.sh [SECONDS]      (default 60)
#
# Environment: BGP_FUZZ_BUILDDIR (default build-bgp-fuzz, relative to the repository root),
# BGP_FUZZ_JOBS (parallel fuzzing processes, default 1). Needs clang and libclang-rt-14-dev.
set -euo pipefail
seconds=${1:-60}
cd "$(dirname "$0")/../../../.."
builddir=${BGP_FUZZ_BUILDDIR:-build-bgp-fuzz}
jobs=${BGP_FUZZ_JOBS:-1}

# Quiet unless a step fails; then its output explains why.
quietly() {
  local out
  out=$(mktemp)
  "$@" >"$out" 2>&1 || { cat "$out" >&2; rm -f "$out"; return 1; }
  rm -f "$out"
}
if [[ ! -f $builddir/build.ninja ]]; then
  quietly env CC=clang CXX=clang++ meson setup "$builddir" -Dtests=false -Dbuildtype=debugoptimized
fi
fuzzer=services/routed/bgp/fuzz/bgp_message_fuzzer
seeder=services/routed/bgp/fuzz/bgp_write_seed_corpus
quietly ninja -C "$builddir" "$fuzzer" "$seeder"

work=$builddir/bgp-fuzz
rm -rf "$work/seeds" "$work/artifacts"
mkdir -p "$work/corpus" "$work/seeds" "$work/artifacts"
"$builddir/$seeder" "$work/seeds"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
work=$(cd "$work" && pwd)
fuzzer_bin=$(cd "$builddir" && pwd)/$fuzzer
log=$work/fuzz.log
parallel=()
if ((jobs > 1)); then parallel=(-jobs="$jobs" -workers="$jobs"); fi
status=0
# New inputs go to corpus/ (kept between runs in this build directory); seeds/ is read-only.
# Run inside $work: with -jobs, libFuzzer writes its per-job fuzz-N.log into the cwd.
(cd "$work" && "$fuzzer_bin" -max_total_time="$seconds" -max_len=8192 \
  -timeout=10 -rss_limit_mb=2048 "${parallel[@]}" -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$work/corpus" "$work/seeds") >"$log" 2>&1 || status=$?
if ((jobs > 1)); then cat "$work"/fuzz-*.log >>"$log" 2>/dev/null || true; fi

tail -n 25 "$log"
if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|invariant broken' "$log"; then
  status=${status/#0/1}
fi
artifacts=$(find "$work/artifacts" -type f | wc -l)
if ((status != 0 || artifacts > 0)); then
  echo "bgp fuzz: FAILED (exit $status, $artifacts reproducer(s) in $work/artifacts, log $log)" >&2
  exit 1
fi
echo "bgp fuzz: ${seconds}s clean, corpus $(find "$work/corpus" -type f | wc -l) inputs"
