#!/usr/bin/env bash
# Runs ON THE GPU MACHINE, after the stack parts were sent (../shared/gpu/README.md) and with
# .gpu/app and .gpu/test carried (scripts/gpu/prepare.sh). One call does one or more phases:
#   bash scripts/gpu/run.sh PHASE [PHASE...]
# Phases: env (GPU line and versions), models (export the reference models with PyTorch's timings),
# tests (every module's JUnit tests, GPU ones included; TEST_INCLUDE, a class-name regex, picks some;
# TEST_LOG names the log), bench-ort (issue 2's benchmark),
# and any other phase defined in scripts/gpu/phases/PHASE.sh.
# Writes at most a few files under $OUT (the device returns 8 files at most).
set -uo pipefail
cd "$(dirname "$0")/../.."
: "${OUT:?run on the device, where \$OUT is set}"
bash /opt/gpu/parts/unpack.sh >/dev/null || exit 1
source /opt/gpu/stack/env.sh
MODELS=/opt/gpu/models
RESULTS=/tmp/infer4j-results
mkdir -p "$RESULTS"
APP_CP='.gpu/app/*'
# the JUnit console does not expand class-path wildcards: list every directory and jar
TEST_CP=$(ls -d .gpu/test/*/ .gpu/test/lib/*.jar .gpu/app/*.jar | grep -v '/lib/$' | tr '\n' ':')
DEVICE_LINE=$(nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader | head -1)
export INFER4J_DEVICE_INFO="$DEVICE_LINE"

phase_env() {
  { echo "device: $DEVICE_LINE"; nvidia-smi -L; java -version 2>&1 | head -1
    java -cp "$APP_CP" org.infer4j.Backends; } | tee "$OUT/env.txt"
}

phase_models() { # NAME.onnx + NAME.json (PyTorch eager / CUDA-graph timings) for every reference model
  mkdir -p "$MODELS"
  PYTHONUNBUFFERED=1 python3 /opt/gpu/parts/models.py "$MODELS" ${MODEL_NAMES:-mlp cnn gru resnet50 distilbert bert_base} \
    2>&1 | grep -v -i warn | cut -c1-300
  mkdir -p "$RESULTS/models" && cp "$MODELS"/*.json "$RESULTS/models/"
  ls -la "$MODELS"
}

# TEST_INCLUDE is a regex over fully qualified class names: anchor whole names, e.g.
# '^org\.infer4j\.tensorrt\.TensorRtContractTest$' ('^.*TensorRtContractTest$' also matches OrtTensorRtContractTest).
# Each test's result is written as it finishes (testfeed), so a run cut short by a time limit still says what passed.
phase_tests() {
  java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -jar .gpu/test/junit-platform-console-standalone-1.11.3.jar \
    execute --class-path "$TEST_CP" --scan-class-path --include-classname "${TEST_INCLUDE:-^.*Test$}" \
    --disable-banner --disable-ansi-colors --details=testfeed > "$OUT/${TEST_LOG:-tests}.log" 2>&1
  grep -E " :: |tests (successful|failed|skipped|aborted)|=> " "$OUT/${TEST_LOG:-tests}.log" | grep -v -E " :: (SUCCESSFUL|STARTED)" | head -80
  echo "$(grep -c ' :: SUCCESSFUL' "$OUT/${TEST_LOG:-tests}.log") tests successful"
}

for p in "$@"; do
  echo "=== phase $p ($(date +%T))"
  if declare -F "phase_$p" >/dev/null; then "phase_$p"
  elif [ -f "scripts/gpu/phases/$p.sh" ]; then source "scripts/gpu/phases/$p.sh"
  else echo "unknown phase $p"; exit 2; fi
done
if ls "$RESULTS"/* >/dev/null 2>&1; then tar -C "$RESULTS" -czf "$OUT/results.tgz" .; fi
echo "=== done ($(date +%T))"
