# Phase of scripts/gpu/run.sh (sourced; APP_CP, TEST_CP, TEST_ROOTS, MODELS, RESULTS and OUT come from it): hunts the
# native heap corruption seen once (glibc's "malloc_consolidate(): unaligned fastbin chunk detected" after a
# TensorRT FP16 run with graphs, in one JVM that had built ort-tensorrt and tensorrt engines cold for several models).
#   1. That run again, under glibc's heap checks (MALLOC_CHECK_=3 aborts at the first inconsistency, MALLOC_PERTURB_
#      fills freed and new memory so that a read after free shows) and -Xcheck:jni, with empty engine caches: the
#      benchmark over SANITIZE_MODELS on ort-tensorrt and tensorrt, FP32 and FP16, CUDA graphs off and on, one JVM.
#   2. The GPU tests of backend-tensorrt and backend-cuda-graphs under compute-sanitizer's memcheck (device memory:
#      out-of-bounds and misaligned accesses, bad frees, leaks at exit).
# Needs the models phase first. Knobs: SANITIZE_MODELS (default mlp cnn gru distilbert), SANITIZE_SECONDS (2 per run),
# SANITIZE_TIMEOUT (s per step, 240). Logs: $OUT/sanitize-bench.txt, $OUT/sanitize-memcheck.txt; the last lines say
# what each found.
SANITIZE_MODELS=${SANITIZE_MODELS:-mlp cnn gru distilbert}
models=()
for name in $SANITIZE_MODELS; do
  [ -f "$MODELS/$name.onnx" ] && models+=("$MODELS/$name.onnx") || echo "no $MODELS/$name.onnx: run the models phase first"
done
cold=$(mktemp -d)
echo "=== sanitize 1: benchmark under MALLOC_CHECK_=3, MALLOC_PERTURB_=165, -Xcheck:jni, cold caches ($(date +%T))"
( export XDG_CACHE_HOME="$cold" MALLOC_CHECK_=3 MALLOC_PERTURB_=165
  timeout "${SANITIZE_TIMEOUT:-240}" java -Xcheck:jni -Xmx8g -cp "$APP_CP" org.infer4j.examples.Benchmark \
    --model "$(IFS=,; echo "${models[*]}")" --backend ort-tensorrt,tensorrt --precision FP32,FP16 --cuda-graphs off,on \
    --batch 1 --seq-len 128 --warmup 50 --duration "${SANITIZE_SECONDS:-2}s" --out "$RESULTS/sanitize" )  \
  > "$OUT/sanitize-bench.txt" 2>&1
rc=$?
echo "benchmark exit status $rc (134: glibc aborted on a heap inconsistency; 124: timed out)" | tee -a "$OUT/sanitize-bench.txt"
grep -E "malloc|free\(\)|corrupt|double free|FATAL ERROR in native method|WARNING in native method" "$OUT/sanitize-bench.txt" \
  | sort | uniq -c | head -20
rm -rf "$cold"

echo "=== sanitize 2: GPU tests under compute-sanitizer memcheck ($(date +%T))"
timeout "${SANITIZE_TIMEOUT:-240}" compute-sanitizer --tool memcheck --target-processes all --leak-check no \
  java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -jar .gpu/test/junit-platform-console-standalone-1.11.3.jar \
  execute --class-path "$TEST_CP" --scan-class-path "$TEST_ROOTS" \
  --include-classname '^org\.infer4j\.(tensorrt\.(TensorRtContractTest|TensorRtGpuTest)|cudagraphs\.(TensorRtGraphsContractTest|internal\.CudaGraphsGpuTest))$' \
  --disable-banner --disable-ansi-colors --details=summary > "$OUT/sanitize-memcheck.txt" 2>&1
echo "memcheck exit status $? ($(grep -c '========= Invalid\|========= Program hit' "$OUT/sanitize-memcheck.txt") reported errors)" \
  | tee -a "$OUT/sanitize-memcheck.txt"
grep -E "tests (successful|failed)|ERROR SUMMARY" "$OUT/sanitize-memcheck.txt" | head
