# Phase of scripts/gpu/run.sh (sourced; APP_CP, RESULTS, OUT and app_java come from it): what one host-GPU copy costs
# a call, by size and direction, as cudaMemcpyAsync and as a CUDA graph's captured copy (CopyProbe). On an H100
# (2026-11-25f) a graph ran no copy more than 0.5 µs faster, and moving cnn's copies out of its graph changed
# nothing; what a call saves by not copying small tensors at all is measured by GraphBench --zero-copy-limits
# (GRAPH_ZERO_COPY_LIMITS in tail.sh).
# Console in $OUT/copies.txt; JSON in $RESULTS/copies/.
mkdir -p "$RESULTS/copies"
{
  echo "=== CopyProbe ($(date +%T))"
  app_java org.infer4j.bench.CopyProbe --out "$RESULTS/copies/copy-probe.json"
} 2>&1 | tee -a "$OUT/copies.txt"
