#!/usr/bin/env bash
# The test command: installs what is missing (bootstrap), builds, and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
bash scripts/bootstrap.sh
# One thread for OpenBLAS and the kernels keeps float summation order fixed in tests.
export STACKZOO_THREADS=1 OPENBLAS_NUM_THREADS=1
swift build --build-tests
swift test --skip-build --disable-swift-testing "$@"
