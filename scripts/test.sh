#!/usr/bin/env bash
# The full test run, also used by CI (.ci/run):
#   stage 1  release preset: build everything, run ctest
#   stage 2  asan preset (AddressSanitizer + UBSan): build, run ctest
#   stage 3  fuzz preset (clang-14, libFuzzer): build, run every fuzz target for a bounded time on a scratch copy
#            of its seed corpus fuzz/corpus/<name>/ (the committed corpus is never modified)
# Every stage runs even if an earlier one failed; the summary at the end lists them, and the exit status is non-zero
# if any stage failed.
#
# Environment:
#   FUZZ_SECONDS  seconds per fuzz target (default 40 when CI=true, else 30)
#   JOBS          parallel build and test jobs (default 2)
set -uo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
jobs=${JOBS:-2}
if [[ "${CI:-}" == "true" ]]; then fuzz_default=40; else fuzz_default=30; fi
fuzz_seconds=${FUZZ_SECONDS:-$fuzz_default}

banner() {
  printf '\n==============================================================================\n'
  printf '== %s\n' "$*"
  printf '==============================================================================\n'
}

declare -a summary=()
failed=0
record() {  # record STAGE STATUS SECONDS
  summary+=("$(printf '%-28s %-5s %4ss' "$1" "$2" "$3")")
  [[ "$2" == "PASS" || "$2" == "SKIP" ]] || failed=1
}

banner "dependencies"
if ! bash scripts/install-deps.sh; then
  echo "test.sh: installing dependencies failed" >&2
  exit 1
fi

# build_and_test PRESET: configure, build with $jobs jobs, run the preset's ctest.
build_and_test() {
  local preset=$1 start=$SECONDS status=PASS
  banner "stage: $preset — configure and build"
  if cmake --preset "$preset" && cmake --build --preset "$preset" -j"$jobs"; then
    banner "stage: $preset — ctest"
    ctest --preset "$preset" -j"$jobs" || status=FAIL
  else
    echo "test.sh: $preset build failed" >&2
    status=FAIL
  fi
  record "$preset" "$status" $((SECONDS - start))
}

build_and_test release
build_and_test asan

# Stage 3: fuzzing.
fuzz_start=$SECONDS
banner "stage: fuzz — ${fuzz_seconds}s per target"
shopt -s nullglob
fuzz_sources=(fuzz/*_fuzz.cpp)
if ((${#fuzz_sources[@]} == 0)); then
  echo "no fuzz targets (fuzz/*_fuzz.cpp) yet; skipping"
  record "fuzz" SKIP $((SECONDS - fuzz_start))
elif ! { cmake --preset fuzz && cmake --build --preset fuzz -j"$jobs"; }; then
  echo "test.sh: fuzz build failed" >&2
  record "fuzz (build)" FAIL $((SECONDS - fuzz_start))
else
  targets=(build/fuzz/fuzz/fuzz_*)
  if ((${#targets[@]} == 0)); then
    echo "no fuzz targets were built; skipping"
    record "fuzz" SKIP $((SECONDS - fuzz_start))
  fi
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  mkdir -p build/fuzz/artifacts build/fuzz/logs
  for target in "${targets[@]}"; do
    [[ -x "$target" && -f "$target" ]] || continue
    name=${target##*/fuzz_}
    corpus="$scratch/$name"
    mkdir -p "$corpus"
    if [[ -d "fuzz/corpus/$name" ]]; then
      cp -R "fuzz/corpus/$name/." "$corpus/"
    else
      echo "note: no seed corpus fuzz/corpus/$name/; starting empty"
    fi
    log="build/fuzz/logs/$name.log"
    start=$SECONDS
    echo "-- fuzz_$name: $(find "$corpus" -type f | wc -l) seeds, ${fuzz_seconds}s (log: $log)"
    # -timeout: one input running longer than 10 s is a hang; -rss_limit_mb bounds memory on small machines.
    if "$target" -max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
         -artifact_prefix="$root/build/fuzz/artifacts/$name-" "$corpus" >"$log" 2>&1; then
      grep -E '^#[0-9]+.*DONE|^stat::number_of_executed_units' "$log" | tail -n 2
      record "fuzz_$name" PASS $((SECONDS - start))
    else
      echo "fuzz_$name FAILED; last lines of $log:" >&2
      tail -n 40 "$log" >&2
      echo "crash inputs (if any): build/fuzz/artifacts/$name-*" >&2
      record "fuzz_$name" FAIL $((SECONDS - start))
    fi
  done
fi

banner "summary"
printf '%s\n' "${summary[@]}"
if ((failed)); then
  echo "test.sh: FAILED"
  exit 1
fi
echo "test.sh: all stages passed"
