# Phase of scripts/gpu/run.sh (sourced; APP_CP, MODELS, RESULTS, OUT and app_java come from it): issue 6, CUDA
# graphs on the native tensorrt backend. GraphBench per reference model, FP16, batch 1, S=128:
# graphs off/on x host I/O / device-resident I/O (bindings), mean/p50/p99, p99/p50 and GPU time per
# run (CUDA events around back-to-back runs), and a CPU-only control row (the machine's own p99/p50 for a loop as
# short as the fastest case). Engines come from the cache where the bench-models
# phase left them (the first start of a model builds it; that is not measured).
# Knobs: GRAPH_MODELS (names, default mlp cnn gru resnet50 distilbert bert_base), GRAPH_ITERATIONS (5000),
# GRAPH_WARMUP (20000 runs, at most 2 s per case: the JIT compiles the call path fully first).
# JSON per model in $RESULTS/graphs; console in $OUT/graphs.txt.
GRAPH_MODELS=${GRAPH_MODELS:-mlp cnn gru resnet50 distilbert bert_base}
mkdir -p "$RESULTS/graphs"
for name in $GRAPH_MODELS; do
  model="$MODELS/$name.onnx"
  [ -f "$model" ] || { echo "no $model: run the models phase first"; continue; }
  echo "=== $name ($(date +%T))"
  app_java org.infer4j.bench.GraphBench --model "$model" --precision FP16 --batch 1 --seq-len 128 \
    --warmup "${GRAPH_WARMUP:-20000}" --iterations "${GRAPH_ITERATIONS:-5000}" --out "$RESULTS/graphs"
done 2>&1 | tee -a "$OUT/graphs.txt"
# gru through ONNX Runtime's own CUDA-graph mode, beside the plain CUDA provider
if [[ " $GRAPH_MODELS " == *" gru "* ]]; then
  source scripts/gpu/phases/ort-graphs.sh
fi
