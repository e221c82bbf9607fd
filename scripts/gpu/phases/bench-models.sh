# Phase of scripts/gpu/run.sh (sourced; APP_CP, MODELS, RESULTS, OUT and app_java come from it): the backends
# of issues 2 and 3 on the reference models that `run.sh models` exported, batch 1.
#   ort-cpu, ort-cuda       FP32 (they run a model in the precision it was exported in)
#   ort-tensorrt, tensorrt  FP16, built cold (caches emptied first), then started again from the cache
# Knobs: BENCH_MODELS (names, default mlp cnn gru resnet50 distilbert bert_base), BENCH_SECONDS (3).
# Every run's JSON lands in $RESULTS/bench (cold) and $RESULTS/bench-cached (second start); consoles
# in $OUT/bench-models.txt.
BENCH_MODELS=${BENCH_MODELS:-mlp cnn gru resnet50 distilbert bert_base}
BENCH_SECONDS=${BENCH_SECONDS:-3}
mkdir -p "$RESULTS/bench" "$RESULTS/bench-cached"

bench() {
  app_java org.infer4j.bench.Benchmark --warmup 200 --batch 1 --seq-len 128 "$@"
}

for name in $BENCH_MODELS; do
  model="$MODELS/$name.onnx"
  [ -f "$model" ] || { echo "no $model: run the models phase first"; continue; }
  rm -rf ~/.cache/infer4j   # both backends build cold: no engine, no timing cache
  echo "=== $name: ort-cpu, ort-cuda FP32 ($(date +%T))"
  bench --model "$model" --backend ort-cpu,ort-cuda --precision FP32 --duration "${BENCH_SECONDS}s" --out "$RESULTS/bench"
  echo "=== $name: ort-tensorrt, tensorrt FP16, cold build ($(date +%T))"
  bench --model "$model" --backend ort-tensorrt,tensorrt --precision FP16 --duration "${BENCH_SECONDS}s" --out "$RESULTS/bench"
  echo "=== $name: ort-tensorrt, tensorrt FP16, engines from the cache ($(date +%T))"
  bench --model "$model" --backend ort-tensorrt,tensorrt --precision FP16 --duration "${BENCH_SECONDS}s" --out "$RESULTS/bench-cached"
done 2>&1 | tee -a "$OUT/bench-models.txt"
