#!/usr/bin/env bash
# insightv setup: installs every build and run dependency from Debian 12 packages.
# Idempotent: when everything is present it checks and returns in about a second.
# No downloads outside the package clients (apt-get, npm).
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  libtorch-dev libgloo-dev libopenblas0-pthread
  nlohmann-json3-dev libcli11-dev libstb-dev libcpp-httplib-dev libssl-dev
  libcairo2-dev libyaml-cpp-dev libpcre2-dev fonts-dejavu-core
  libgtest-dev libgmock-dev libbenchmark-dev
  chromium
)
# chromium: the web page's end-to-end tests drive Debian's headless Chromium
# (tests/integration/web_browser_test.cpp; playwright-core comes from npm into .cache/npm).
# `scripts/setup.sh --fuzz` adds what the fuzz build needs (fuzz/README.md): clang and its
# libFuzzer + sanitizer runtimes (a Recommends of clang-14, so named: we skip recommends).
if [ "${1:-}" = "--fuzz" ]; then
  PACKAGES+=(clang libclang-rt-14-dev)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  # dpkg-query prints "install ok installed" for a fully installed package.
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# Node.js + npm run the real-client tests (openai, a reference tokenizer). Many images ship
# them outside Debian's packages; install Debian's only when the commands are absent.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ "${#missing[@]}" -gt 0 ]; then
  echo "[setup] installing: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "[setup] all ${#PACKAGES[@]} Debian packages present"
fi

# LibTorch falls back to reference BLAS (about 50x slower GEMM) unless OpenBLAS
# provides libblas.so.3; make sure the alternative points at it.
blas_alt=$(update-alternatives --query libblas.so.3-x86_64-linux-gnu 2>/dev/null | awk '/^Value:/{print $2}')
case "$blas_alt" in
  *openblas*) ;;
  *)
    cand=$(update-alternatives --list libblas.so.3-x86_64-linux-gnu 2>/dev/null | grep openblas | head -n1 || true)
    if [ -n "$cand" ]; then
      echo "[setup] pointing libblas.so.3 at $cand"
      update-alternatives --set libblas.so.3-x86_64-linux-gnu "$cand"
    fi
    ;;
esac
