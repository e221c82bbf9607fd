# Phase of scripts/gpu/run.sh (sourced; APP_CP, MODELS, RESULTS, OUT and app_java come from it): two of issue 6's
# open observations (2026-11-25e), with the targets measured again beside them.
#   1. CopyProbe: one host-GPU copy as cudaMemcpyAsync and as a CUDA graph's captured copy, by size and direction:
#      where a graph's copy stops being the faster one, which TensorRtSettings.graphCopyLimit's default should follow.
#      (With graphs, cnn's host arrays ran slower than without in 7 of 8 runs.)
#   2. Per model: GraphBench with host-array graphs at the default copy limit, with every copy around the graph
#      (0) and with every copy inside it (the library until now), besides the runs without graphs and device-resident.
#   3. EnginePlanProbe --graph on the model's engine, on random inputs (as GraphBench draws them) and then on zeros:
#      whether the bare replay's lower GPU time (gru 192 against 220 µs) came from the zeros it was timed on.
# Knobs: COPIES_MODELS (default mlp cnn gru distilbert resnet50 bert_base), COPIES_PROBE=0 skips step 1,
# GRAPH_WARMUP, GRAPH_ITERATIONS as in graphs.sh.
# Console in $OUT/copies.txt; JSON in $RESULTS/copies/.
COPIES_MODELS=${COPIES_MODELS:-mlp cnn gru distilbert resnet50 bert_base}
TRT_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/infer4j/tensorrt
mkdir -p "$RESULTS/copies"
{
  if [ "${COPIES_PROBE:-1}" = 1 ]; then
    echo "=== CopyProbe ($(date +%T))"
    app_java org.infer4j.examples.CopyProbe --out "$RESULTS/copies/copy-probe.json"
  fi
  for name in $COPIES_MODELS; do
    model="$MODELS/$name.onnx"
    [ -f "$model" ] || { echo "no $model: run the models phase first"; continue; }
    echo "=== $name GraphBench, host-array graphs with copies at the default limit, around and inside ($(date +%T))"
    app_java org.infer4j.examples.GraphBench --model "$model" --precision FP16 --batch 1 --seq-len 128 \
      --warmup "${GRAPH_WARMUP:-20000}" --iterations "${GRAPH_ITERATIONS:-5000}" --graph-copy-limits default,around,inside \
      --out "$RESULTS/copies/graphs"
    engine=$(ls -t "$TRT_CACHE"/*.engine | head -1)
    echo "=== $name bare replay of $(basename "$engine") on random inputs, then zeros ($(date +%T))"
    # not through app_java, which cuts lines at 400 characters: the replay line is longer
    java -Xmx2g -cp "$APP_CP" org.infer4j.examples.EnginePlanProbe --graph --inputs random,zeros --warmup 2000 --runs 3000 \
      "$engine" 2>&1 | grep -v -E '^\s*$|WARNING: '
    echo "exit status ${PIPESTATUS[0]}"
  done
} 2>&1 | tee -a "$OUT/copies.txt"
