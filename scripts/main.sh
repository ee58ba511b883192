#!/usr/bin/env bash
# The main job: installs what is missing, builds stackzoo in release, and runs it.
# With no arguments it lists the models and runs the kernel benchmark (`stackzoo bench ops`).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
bash scripts/bootstrap.sh
swift build -c release --product stackzoo
if [ $# -eq 0 ]; then
  .build/release/stackzoo list
  exec .build/release/stackzoo bench ops
fi
exec .build/release/stackzoo "$@"
