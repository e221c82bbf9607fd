# Phase of scripts/gpu/run.sh (sourced; APP_CP, MODELS, RESULTS, OUT and app_java come from it): issue 3, why ResNet-50 runs
# slower on tensorrt than on ort-tensorrt (2026-11-25b: 2 000 back-to-back plain enqueues took 653.7 µs of GPU time
# each, graph replays 391.5 µs, ort-tensorrt's whole call 466-500 µs). Per model, batch 1, FP16:
#   1. ort-tensorrt runs once (builds or loads its engine into its cache directory);
#   2. GraphBench on tensorrt (builds or loads infer4j's engine; tensorrt.layers in its JSON);
#   3. EnginePlanProbe loads both caches' plans with one TensorRT runtime of ours: layers, auxiliary streams,
#      CPU µs per enqueueV3, GPU µs per back-to-back run, p50 of enqueue+sync, TensorRT log lines during the timed
#      runs, each with TensorRT's default NVTX ranges and with them off; each plan's layer list (engine inspector)
#      into $RESULTS/enqueue/NAME/layers/;
#   4. GraphBench once more from the cache with TensorRT's log at TRACE, its lines counted (a line per enqueue
#      would show).
# Same layers and launch cost on both plans: the difference is in how the call is made. Fewer layers in ONNX
# Runtime's plan: its build differs (graph optimisations before TensorRT, builder settings).
# 2026-11-25c found the second: 59 layers against 153, the extra ones Identity nodes of initializers that PyTorch's
# exporter writes and ONNX Runtime removes; the backend folds them away since (InitializerIdentities).
# Knobs: ENQUEUE_MODELS (default resnet50). Console in $OUT/enqueue.txt, JSON in $RESULTS/enqueue/.
ENQUEUE_MODELS=${ENQUEUE_MODELS:-resnet50}
ORT_TRT_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/infer4j/ort-tensorrt
TRT_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/infer4j/tensorrt
for name in $ENQUEUE_MODELS; do
  model="$MODELS/$name.onnx"
  [ -f "$model" ] || { echo "no $model: run the models phase first"; continue; }
  dir="$RESULTS/enqueue/$name"
  mkdir -p "$dir"
  echo "=== $name: ort-tensorrt FP16, for its engine ($(date +%T))"
  app_java org.infer4j.bench.Benchmark --model "$model" --backend ort-tensorrt --precision FP16 \
    --batch 1 --warmup 200 --duration 2s --reference none --out "$dir"
  echo "=== $name: tensorrt's own engine ($(date +%T))"
  app_java org.infer4j.bench.GraphBench --model "$model" --precision FP16 --batch 1 --warmup 2000 \
    --iterations 2000 --out "$dir"
  echo "=== $name: ONNX Runtime's plans and infer4j's through one runtime ($(date +%T))"
  ls -la "$ORT_TRT_CACHE"/*.engine "$TRT_CACHE"/*.engine
  app_java org.infer4j.bench.EnginePlanProbe --layers-dir "$dir/layers" "$ORT_TRT_CACHE"/*.engine "$TRT_CACHE"/*.engine
  echo "=== $name: again from the cache, TensorRT's log at TRACE ($(date +%T))"
  java -Xmx8g -cp "$APP_CP" -Dorg.slf4j.simpleLogger.log.org.infer4j.tensorrt.TensorRT=trace \
    org.infer4j.bench.GraphBench --model "$model" --precision FP16 --batch 1 --warmup 2000 --iterations 2000 \
    --out "$dir/trace" > "$dir/graphbench-trace.txt" 2>&1
  echo "TensorRT log lines over the engine load and 4 cases of 2 000 warm-up, 2 000 timed and 2 000 GPU-timed runs:" \
    "$(grep -c 'org.infer4j.tensorrt.TensorRT' "$dir/graphbench-trace.txt")"
  grep 'org.infer4j.tensorrt.TensorRT' "$dir/graphbench-trace.txt" | sed 's/[0-9]\+/N/g' | sort | uniq -c | sort -rn \
    | head -15 | cut -c1-250
done 2>&1 | tee -a "$OUT/enqueue.txt"
