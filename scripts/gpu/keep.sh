#!/usr/bin/env bash
# Runs ON THE GPU MACHINE at the end of a call, also after a time limit cut run.sh short:
#   timeout 570 bash scripts/gpu/run.sh PHASES...; bash scripts/gpu/keep.sh
# Packs what the machine would lose when it goes back into $OUT (two files):
#   results.tgz       every result the phases wrote under /tmp/infer4j-results so far
#   timing-cache.tgz  TensorRT's timing caches (tensorrt's and ort-tensorrt's): the tactic timings of every
#                     layer built so far. Carried to the next machine as .gpu/timing-cache/, they let run.sh seed its
#                     caches, and its engine builds then skip most tactic timing (2026-11-25c: bert_base on tensorrt
#                     built in 18.7 s seeded, against ~80 s cold).
#                     .gpu/ lives with the checkout (ignored by git) and outlasts a session, the home directory does
#                     not: unpack where the device's files land (files_at) straight into it:
#                       rm -rf .gpu/timing-cache && mkdir -p .gpu/timing-cache && tar -xzf FILES_AT/timing-cache.tgz -C .gpu/timing-cache
set -uo pipefail
: "${OUT:?run on the device, where \$OUT is set}"
RESULTS=/tmp/infer4j-results
if ls "$RESULTS"/* >/dev/null 2>&1; then tar -C "$RESULTS" -czf "$OUT/results.tgz" .; fi
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/infer4j
timing=$(cd "$CACHE" 2>/dev/null && ls tensorrt/timing-*.cache ort-tensorrt/*.timing 2>/dev/null)
if [ -n "$timing" ]; then
  tar -C "$CACHE" -czf "$OUT/timing-cache.tgz" $timing
  echo "kept timing caches: $(echo $timing | tr '\n' ' ')"
fi
