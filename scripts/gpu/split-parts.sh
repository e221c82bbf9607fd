#!/usr/bin/env bash
# Runs HERE, once after ../shared/gpu/stage.sh: cuts the stack's parts (.gpu/parts/NN/pNN, about 60 MiB each) into
# pieces of at most 30 MiB, one folder each: .gpu/pieces/NN-aa/pNN.aa, .gpu/pieces/NN-ab/pNN.ab, ...
# Why: a device call carries the whole working tree besides its carried paths, 64 MiB in all, and the committed
# results have grown past what a 60 MiB part leaves room for. unpack.sh joins /opt/gpu/parts/p* in name order, and
# pNN.aa, pNN.ab sort where pNN did, so the pieces need no joining of their own.
# Send them one call each, back to back, then the work call (run.sh):
#   carry [".gpu/pieces/NN-xx"], command: mkdir -p /opt/gpu/parts && cp .gpu/pieces/NN-xx/* /opt/gpu/parts/
# `ls .gpu/pieces` lists the folders in order.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -d .gpu/parts ] || { echo "no .gpu/parts: run ../shared/gpu/stage.sh first" >&2; exit 1; }
rm -rf .gpu/pieces
for dir in .gpu/parts/*/; do
  n=$(basename "$dir")
  part="$dir/p$n"
  [ -f "$part" ] || { echo "no $part" >&2; exit 1; }
  tmp=$(mktemp -d)
  split -b 30M "$part" "$tmp/p$n."
  first=1
  for piece in "$tmp"/p"$n".*; do
    out=".gpu/pieces/$n-${piece##*.}"
    mkdir -p "$out" && mv "$piece" "$out/"
    if [ "$first" = 1 ]; then # the part's other files (unpack.sh, models.py, zstd) travel with its first piece
      find "$dir" -maxdepth 1 -type f ! -name "p$n" -exec cp -p {} "$out/" \;
      first=0
    fi
  done
  rmdir "$tmp"
done
du -sh .gpu/pieces/* | sort -h | tail -1
echo "$(ls .gpu/pieces | wc -l) pieces: $(ls .gpu/pieces | tr '\n' ' ')"
