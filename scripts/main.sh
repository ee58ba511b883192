#!/usr/bin/env bash
# The main job: installs what is missing (the text encoder too), builds stackzoo in release, and trains the StackGAN-v2
# emoji demo on the embedded dataset for a bounded time (STACKZOO_DEMO_MINUTES, default 10),
# resuming runs/emoji-demo when it already exists. Leaves samples, checkpoints and report.html there.
# With arguments, runs `stackzoo ARGS...` from the release build instead.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
bash scripts/bootstrap.sh
bash scripts/get_text_encoder.sh   # free-text sampling: stackzoo sample CKPT --text "a red apple"
swift build -c release --product stackzoo
if [ $# -gt 0 ]; then
  exec .build/release/stackzoo "$@"
fi
minutes="${STACKZOO_DEMO_MINUTES:-10}"
run=runs/emoji-demo
if [ -f "$run/config.lua" ]; then
  .build/release/stackzoo train --resume "$run" --minutes "$minutes"
else
  .build/release/stackzoo train stackgan-v2/emoji --out "$run" --minutes "$minutes" --seed 1
fi
echo
echo "open $run/report.html to see the loss curves and the latest samples ($run/samples/)."
