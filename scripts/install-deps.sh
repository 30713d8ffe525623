#!/usr/bin/env bash
# Installs every Debian 12 package that building, testing, fuzzing and benchmarking progmp needs.
# Does nothing (and needs no privileges) when all of them are already installed; otherwise runs `apt-get update`
# once and installs the missing ones, as root directly or through sudo. README.md explains why each is needed.
set -euo pipefail

packages=(
  build-essential cmake ninja-build g++       # compiler, CMake ≥ 3.25 with presets, Ninja
  clang-14 libclang-rt-14-dev                 # libFuzzer and the clang sanitizer runtimes (fuzz preset)
  llvm-14-dev                                 # LLVM libraries for the JIT engine
  libbpf-dev                                  # loading eBPF programs (the Linux verifier checks the eBPF engine)
  nlohmann-json3-dev                          # JSON: diagnostics, views, results
  libcli11-dev                                # command-line parsing of the progmp binary
  libfmt-dev                                  # text formatting
  libtomlplusplus-dev                         # scenario files
  libsodium-dev                               # cryptography of the secure UDP transport (X25519, AEAD, BLAKE2b)
  iproute2                                    # network namespaces and kernel MPTCP endpoints (tests, baseline bench)
  iptables libnetfilter-queue-dev             # the testbed's link emulator: NFQUEUE rules and their reader
  iputils-ping                                # delay checks of the testbed's emulated links
  libgtest-dev libgmock-dev                   # unit and integration tests
  libbenchmark-dev                            # benchmarks in bench/
  valgrind                                    # memory checking of the benchmarks and tools
  python3                                     # helper scripts and experiments
  python3-matplotlib                          # experiment plots (PNG, SVG)
)

missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "install-deps: missing packages (${missing[*]}) and neither root nor sudo available" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update
"${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
