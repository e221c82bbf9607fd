#!/usr/bin/env bash
# Issue 2's benchmark on the GPU machine: every backend on the shipped models, FP32 on all four
# backends and FP16 on the TensorRT-based two, batch 1 and 8, each for BENCH_SECONDS.
#
# As the bench-ort phase of scripts/gpu/run.sh (which sources scripts/gpu/phases/PHASE.sh):
#   cp infer4j-bench/gpu/bench-ort.sh scripts/gpu/phases/bench-ort.sh
#   bash scripts/gpu/run.sh env bench-ort      # APP_CP, RESULTS, OUT and INFER4J_DEVICE_INFO come from run.sh
# Standalone, after `mvn -B package -DskipTests` (class path: infer4j-bench/target/lib and the benchmark jar):
#   OUT=/tmp/bench bash infer4j-bench/gpu/bench-ort.sh
# Knobs: BENCH_MODELS (space-separated .onnx paths), BENCH_SECONDS (default 3), BENCH_BATCHES (default 1,8).
# JSON per run and results.csv go to $RESULTS/bench (run.sh returns them in results.tgz); the console
# tables go to $OUT/bench.txt.
APP_CP=${APP_CP:-'infer4j-bench/target/lib/*:infer4j-bench/target/*'}
RESULTS=${RESULTS:-/tmp/infer4j-results}
BENCH_MODELS=${BENCH_MODELS:-models/mlp_tiny.onnx models/cnn_tiny.onnx models/gru_tiny.onnx models/encoder_tiny.onnx}
BENCH_SECONDS=${BENCH_SECONDS:-3}
BENCH_BATCHES=${BENCH_BATCHES:-1,8}
mkdir -p "$RESULTS/bench" "${OUT:?set OUT to a folder for bench.txt}"

bench_one() { # the benchmark exits 1 when a run fails or disagrees; the table says which, so go on
  java -cp "$APP_CP" org.infer4j.bench.Benchmark --out "$RESULTS/bench" --batch "$BENCH_BATCHES" \
    --warmup 200 --duration "${BENCH_SECONDS}s" "$@" 2>&1 | grep -v '^\s*$' | cut -c1-400
  echo "exit status ${PIPESTATUS[0]}"
}

for model in $BENCH_MODELS; do
  echo "=== $model FP32"
  bench_one --model "$model" --backend ort-cpu,ort-cuda,ort-tensorrt,tensorrt --precision FP32
  echo "=== $model FP16"
  bench_one --model "$model" --backend ort-tensorrt,tensorrt --precision FP16
done | tee "$OUT/bench.txt"
