#!/usr/bin/env bash
# A tour of progmp: installs the dependencies, builds the `release` preset, then
#   1. runs the paper's motivating scenario (WiFi + LTE, a 1 MB/s stream that grows to 4 MB/s) in the simulator with
#      the minimum-RTT scheduler and with TAP, the throughput- and preference-aware scheduler, and
#   2. runs every example scenario of scenarios/ with its configured scheduler,
#   3. checks every scheduler of the library and shows one scheduling decision of each on an example view,
#   4. ends with a real, encrypted transfer over two loopback paths (127.0.0.1 and 127.0.0.2): `progmp serve` and
#      `progmp connect` send a file, the server's SHA-256 is checked against the file's, the per-path table shown.
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

section "A real transfer: encrypted, two loopback paths, a file with its SHA-256 checked"
demo_dir=$(mktemp -d)
server_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$demo_dir"
}
trap cleanup EXIT
printf '$ progmp keygen -o server.key
'
"$progmp" keygen -o "$demo_dir/server.key" | tee "$demo_dir/server.pub"
head -c 64000000 /dev/urandom >"$demo_dir/file.bin"
printf '$ progmp serve --listen 127.0.0.1:0 --listen 127.0.0.2:0 --key server.key --once &\n'
"$progmp" serve --listen 127.0.0.1:0 --listen 127.0.0.2:0 --key "$demo_dir/server.key" --once \
  2>"$demo_dir/serve.log" &
server_pid=$!
for _ in $(seq 100); do grep -q "server key" "$demo_dir/serve.log" 2>/dev/null && break; sleep 0.05; done
mapfile -t addresses < <(sed -n 's/^listening on //p' "$demo_dir/serve.log")
printf '$ progmp connect %s --server-key %s --path 127.0.0.1=%s --path 127.0.0.2=%s --send-file file.bin --scheduler round_robin --interval 0.25\n' \
  "${addresses[0]}" "$(cat "$demo_dir/server.pub")" "${addresses[0]}" "${addresses[1]}"
"$progmp" connect "${addresses[0]}" --server-key "$demo_dir/server.pub" \
  --path "127.0.0.1=${addresses[0]}" --path "127.0.0.2=${addresses[1]}" \
  --send-file "$demo_dir/file.bin" --scheduler round_robin --interval 0.25
echo "sha256sum of the file, for comparison:"
sha256sum "$demo_dir/file.bin" | cut -d' ' -f1
wait "$server_pid" || true
server_pid=""
cat "$demo_dir/serve.log"

section "Done"
echo "More: docs/simulator.md and docs/scenarios.md (simulation), docs/net.md (real networks), docs/cli.md (commands),"
echo "docs/language.md (the language), docs/security.md (the threat model)."
