# Phase of scripts/gpu/run.sh (sourced; MODELS, RESULTS, OUT and app_java come from it):
# issue 6's question which backend runs recurrent models fastest. gru through ONNX Runtime (cuDNN RNN): its own
# CUDA-graph mode through the escape hatch, beside the plain CUDA provider. The inputs stay the same across runs, the
# one case where that mode answers correctly from Java (OrtCudaGraphTest), so this measures what its replay would cost.
# Console appended to $OUT/ort-graphs.txt; JSON in $RESULTS/ort-graphs/ort-cuda-graph-{0,1}.
if [ -f "$MODELS/gru.onnx" ]; then
  for graph_mode in 0 1; do
    echo "=== gru on ort-cuda FP32, enable_cuda_graph=$graph_mode ($(date +%T))"
    app_java org.infer4j.bench.Benchmark --model "$MODELS/gru.onnx" --backend ort-cuda --precision FP32 \
      --batch 1 --warmup 500 --duration 3s --option "ort-cuda:cuda.enable_cuda_graph=$graph_mode" \
      --out "$RESULTS/ort-graphs/ort-cuda-graph-$graph_mode"
  done 2>&1 | tee -a "$OUT/ort-graphs.txt"
else
  echo "no $MODELS/gru.onnx: run the models phase first"
fi
