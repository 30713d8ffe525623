#!/usr/bin/env bash
# A tour of progmp: installs the dependencies, builds the `release` preset, then for every scheduler of the
# library (schedulers/*.progmp) checks it with `progmp check` and runs it with `progmp run` on the example views
# (schedulers/views/*.json) that show its behaviour, printing what the scheduler decides.
#
# Environment: JOBS (parallel build jobs, default 2), EXECUTIONS (executions per run, default 8).
set -euo pipefail

cd "$(dirname "$0")/.."
jobs=${JOBS:-2}
executions=${EXECUTIONS:-8}

if [[ -t 1 ]]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
section() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }

section "Installing dependencies"
bash scripts/install-deps.sh

section "Building (cmake preset 'release')"
cmake --preset release >/dev/null
cmake --build --preset release -j"$jobs" --target progmp
progmp=build/release/src/tools/progmp
"$progmp" --version

# The views that show what each scheduler is about; a scheduler not listed here runs on every view.
views_for() {
  case "$(basename "$1" .progmp)" in
    minrtt) echo window_full reinjection backup ;;
    round_robin) echo three_subflows backup ;;
    redundant) echo window_full three_subflows ;;
    opportunistic_retransmission) echo receive_window_blocked window_full ;;
    *) for v in schedulers/views/*.json; do basename "$v" .json; done ;;
  esac
}

shopt -s nullglob
for scheduler in schedulers/*.progmp; do
  section "Scheduler $scheduler"
  # The header comment says what the scheduler does.
  sed -n '/^[^/]/q; s|^// \{0,1\}|  |p' "$scheduler"
  printf '\n$ progmp check %s\n' "$scheduler"
  if "$progmp" check "$scheduler"; then echo "  ok: no diagnostics"; else echo "  (exit status $?)"; fi
  for name in $(views_for "$scheduler"); do
    view=schedulers/views/$name.json
    printf '\n$ progmp run %s --view %s --executions %s\n' "$scheduler" "$view" "$executions"
    "$progmp" run "$scheduler" --view "$view" --executions "$executions" || echo "(exit status $?)"
  done
done

section "Diagnostics for a faulty program (docs/examples/faulty/typo.progmp is deliberately wrong)"
if [[ -f docs/examples/faulty/typo.progmp ]]; then
  printf '$ progmp check docs/examples/faulty/typo.progmp\n'
  "$progmp" check docs/examples/faulty/typo.progmp || echo "(exit status $?)"
fi

section "Done"
echo "More: docs/cli.md (commands), docs/language.md (the language), README.md."
