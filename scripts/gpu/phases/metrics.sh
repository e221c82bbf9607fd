# Phase of scripts/gpu/run.sh (sourced; APP_CP, MODELS, RESULTS, OUT and app_java come from it): what GPU sampling
# costs. The benchmark with --gpu-sample-period off,10ms, each backend timed in METRICS_ROUNDS alternating rounds
# (off 10ms, 10ms off, ...) on one engine and the same inputs; the console's "GPU sampling overhead" lines give
# p50(10ms)/p50(off), to be within 1 %. mlp and resnet50 at batch 1 on METRICS_BACKENDS (default ort-cuda; add
# tensorrt for FP16 engines, which cost a cold build unless ~/.cache/infer4j holds them).
# JSON and results.csv land in $RESULTS/metrics; the console in $OUT/metrics.txt. About a minute.
# Knobs: METRICS_BACKENDS (ort-cuda), METRICS_ROUNDS (6), METRICS_SECONDS (per round and period, 1.5).
METRICS_BACKENDS=${METRICS_BACKENDS:-ort-cuda}
METRICS_ROUNDS=${METRICS_ROUNDS:-6}
METRICS_SECONDS=${METRICS_SECONDS:-1.5}
mkdir -p "$RESULTS/metrics"

{
  for name in mlp resnet50; do
    model="$MODELS/$name.onnx"
    [ -f "$model" ] || { echo "no $model: run the models phase first"; continue; }
    for backend in $METRICS_BACKENDS; do
      precision=FP32; [ "$backend" = tensorrt ] || [ "$backend" = ort-tensorrt ] && precision=FP16
      echo "=== sampling overhead: $name on $backend $precision, batch 1, off vs 10ms ($(date +%T))"
      app_java org.infer4j.bench.Benchmark --model "$model" --backend "$backend" --precision "$precision" \
        --batch 1 --warmup 200 --duration "${METRICS_SECONDS}s" --reference none \
        --gpu-sample-period off,10ms --rounds "$METRICS_ROUNDS" --out "$RESULTS/metrics"
    done
  done
} 2>&1 | tee -a "$OUT/metrics.txt"
