#!/usr/bin/env bash
# A tour of progmp: installs the dependencies, builds the `release` preset, then
#   1. runs the paper's motivating scenario (WiFi + LTE, a 1 MB/s stream that grows to 4 MB/s) in the simulator with
#      the minimum-RTT scheduler and with TAP, the throughput- and preference-aware scheduler, and
#   2. runs every example scenario of scenarios/ with its configured scheduler,
#   3. checks every scheduler of the library and shows one scheduling decision of each on an example view.
#
# Environment: JOBS (parallel build jobs, default 2), EXECUTIONS (executions per `progmp run`, default 4).
set -euo pipefail

cd "$(dirname "$0")/.."
jobs=${JOBS:-2}
executions=${EXECUTIONS:-4}

if [[ -t 1 ]]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
section() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }

section "Installing dependencies"
bash scripts/install-deps.sh

section "Building (cmake preset 'release')"
cmake --preset release >/dev/null
cmake --build --preset release -j"$jobs" --target progmp
progmp=build/release/src/tools/progmp
"$progmp" --version

section "The paper's motivation: WiFi + LTE, a stream of 1 MB/s, then 4 MB/s (scenarios/wifi_lte_streaming.toml)"
echo "minRTT with LTE as a regular subflow puts a large share on the metered LTE path:"
printf '\n$ progmp sim scenarios/wifi_lte_streaming.toml --scheduler minrtt --set path.lte.backup=false\n'
"$progmp" sim scenarios/wifi_lte_streaming.toml --scheduler minrtt --set path.lte.backup=false
echo
echo "minRTT with LTE in backup mode keeps LTE idle, and cannot sustain 4 MB/s (latency grows):"
printf '\n$ progmp sim scenarios/wifi_lte_streaming.toml --scheduler minrtt\n'
"$progmp" sim scenarios/wifi_lte_streaming.toml --scheduler minrtt
echo
echo "TAP, given the target rate by the application in R1, may use LTE for what WiFi cannot carry:"
printf '\n$ progmp sim scenarios/wifi_lte_streaming.toml --scheduler tap\n'
"$progmp" sim scenarios/wifi_lte_streaming.toml --scheduler tap

section "Every example scenario"
shopt -s nullglob
for scenario in scenarios/*.toml; do
  printf '\n$ progmp sim %s\n' "$scenario"
  "$progmp" sim "$scenario" || echo "(exit status $?)"
done

section "The scheduler library: check every program, show one decision each"
for scheduler in schedulers/*.progmp; do
  printf '\n%s%s%s\n' "$bold" "$scheduler" "$plain"
  sed -n '/^[^/]/q; s|^// \{0,1\}|  |p' "$scheduler" | head -3
  if "$progmp" check "$scheduler"; then echo "  check: ok, no diagnostics"; else echo "  (exit status $?)"; fi
done
printf '\n$ progmp run schedulers/minrtt.progmp --view schedulers/views/window_full.json --executions %s\n' "$executions"
"$progmp" run schedulers/minrtt.progmp --view schedulers/views/window_full.json --executions "$executions"

section "Diagnostics for a faulty program (docs/examples/faulty/typo.progmp is deliberately wrong)"
if [[ -f docs/examples/faulty/typo.progmp ]]; then
  printf '$ progmp check docs/examples/faulty/typo.progmp\n'
  "$progmp" check docs/examples/faulty/typo.progmp || echo "(exit status $?)"
fi

section "Done"
echo "More: docs/simulator.md and docs/scenarios.md (simulation), docs/cli.md (commands), docs/language.md (the language)."
