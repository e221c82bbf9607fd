# Phase of scripts/gpu/run.sh (sourced; APP_CP, TEST_CP, TEST_ROOTS, MODELS, RESULTS and OUT come from it): hunts the
# native heap corruption seen once (glibc's "malloc_consolidate(): unaligned fastbin chunk detected" after a
# TensorRT FP16 run with graphs, in one JVM that had built ort-tensorrt and tensorrt engines cold for several models,
# then a hang: the JVM's crash handler deadlocking on the corrupt heap). docs/native-memory.md has the audit behind it.
#   1. bench: that run again, under glibc's heap checks (MALLOC_CHECK_=3 aborts at the first inconsistency,
#      MALLOC_PERTURB_=165 fills freed and new memory so that a read after free shows) and -Xcheck:jni, with empty
#      engine and timing caches (XDG_CACHE_HOME a fresh directory): the benchmark over SANITIZE_MODELS on ort-tensorrt
#      and tensorrt, FP32 and FP16, CUDA graphs off and on, all in one JVM. Since glibc 2.34 MALLOC_CHECK_ works only
#      with libc_malloc_debug.so preloaded: the step preloads it where it exists and says so.
#   2. memcheck: the GPU tests of backend-tensorrt and backend-cuda-graphs (SANITIZE_TESTS, a class-name regex) under
#      compute-sanitizer's memcheck (device and pinned memory: out-of-bounds and misaligned accesses, use after
#      cudaFree/cudaFreeHost, bad frees), then the same tests once more under the glibc checks, without memcheck.
# Needs the models phase first. Every step runs under its own timeout, so that one call ends within 600 s; run the
# steps in separate calls if the cold builds need more (SANITIZE_STEPS="bench", then "memcheck").
# Knobs: SANITIZE_STEPS (default "bench memcheck"; "split" is the control run described at its step), SANITIZE_MODELS (default mlp cnn gru distilbert),
# SANITIZE_SECONDS (2 per case), SANITIZE_THREADS (1), SANITIZE_BENCH_TIMEOUT (330 s), SANITIZE_MEMCHECK_TIMEOUT
# (180 s), SANITIZE_GLIBC_TIMEOUT (60 s), SANITIZE_SEED_TIMING (non-empty: the bench step's fresh cache directory
# starts with this machine's TensorRT timing caches; engines are still built from nothing, but layers timed before are
# not timed again, so that the step fits one call).
# Logs: $OUT/sanitize-bench.txt, $OUT/sanitize-memcheck.txt, $OUT/sanitize-glibc-tests.txt; the last line printed,
# "sanitize summary: ...", counts what each step found.
SANITIZE_STEPS=${SANITIZE_STEPS:-bench memcheck}
SANITIZE_MODELS=${SANITIZE_MODELS:-mlp cnn gru distilbert}
SANITIZE_TESTS=${SANITIZE_TESTS:-'^org\.infer4j\.(tensorrt\.(TensorRtContractTest|TensorRtGpuTest)|cudagraphs\.(TensorRtGraphsContractTest|TensorRtBindingAllocationGpuTest|internal\.CudaGraphsGpuTest))$'}
JUNIT_JAR=.gpu/test/junit-platform-console-standalone-1.11.3.jar
# glibc's own heap checks, in the environment of one command (an array, for env)
glibc_checks=(MALLOC_CHECK_=3 MALLOC_PERTURB_=165 GLIBC_TUNABLES=glibc.malloc.check=3)
malloc_debug=$(ls /lib/x86_64-linux-gnu/libc_malloc_debug.so.0 /usr/lib/x86_64-linux-gnu/libc_malloc_debug.so.0 \
  /lib64/libc_malloc_debug.so.0 2>/dev/null | head -1)
if [ -n "$malloc_debug" ]; then
  glibc_checks+=(LD_PRELOAD="$malloc_debug")
else
  echo "no libc_malloc_debug.so.0: on glibc >= 2.34 MALLOC_CHECK_ does nothing without it ($(ldd --version | head -1))"
fi
# what glibc, the JVM's JNI checks and the JVM's crash handler say when something is wrong
HEAP_PATTERN='malloc|free\(\)|corrupt|double free|fastbin|FATAL ERROR in native method|WARNING in native method|SIGSEGV|SIGABRT|hs_err'
bench_found=-; memcheck_found=-; glibc_found=-

if [[ " $SANITIZE_STEPS " == *" bench "* ]]; then
  models=()
  for name in $SANITIZE_MODELS; do
    [ -f "$MODELS/$name.onnx" ] && models+=("$MODELS/$name.onnx") || echo "no $MODELS/$name.onnx: run the models phase first"
  done
  cold=$(mktemp -d)
  if [ -n "${SANITIZE_SEED_TIMING:-}" ]; then
    mkdir -p "$cold/infer4j" && (cd "$CACHE" && cp --parents tensorrt/timing-*.cache ort-tensorrt/*.timing "$cold/infer4j/" 2>/dev/null)
    echo "sanitize bench: timing caches seeded: $(cd "$cold/infer4j" && ls */ | tr '\n' ' ')"
  fi
  echo "=== sanitize bench: ${#models[@]} models x ort-tensorrt,tensorrt x FP32,FP16 x graphs off,on, cold caches, glibc checks,"\
    "-Xcheck:jni, one JVM ($(date +%T))"
  env XDG_CACHE_HOME="$cold" "${glibc_checks[@]}" timeout -k 10 "${SANITIZE_BENCH_TIMEOUT:-330}" \
    java -Xcheck:jni -Xmx8g -XX:ErrorFile="$OUT/sanitize-hs_err-%p.log" -cp "$APP_CP" org.infer4j.bench.Benchmark \
    --model "$(IFS=,; echo "${models[*]}")" --backend ort-tensorrt,tensorrt --precision FP32,FP16 --cuda-graphs off,on \
    --batch 1 --seq-len 128 --threads "${SANITIZE_THREADS:-1}" --warmup 50 --duration "${SANITIZE_SECONDS:-2}s" \
    --out "$RESULTS/sanitize" > "$OUT/sanitize-bench.txt" 2>&1
  rc=$?
  echo "benchmark exit status $rc (134: glibc aborted on a heap inconsistency; 124/137: timed out, e.g. hung after one)" \
    | tee -a "$OUT/sanitize-bench.txt"
  bench_found=$(grep -c -E "$HEAP_PATTERN" "$OUT/sanitize-bench.txt")
  grep -E "$HEAP_PATTERN" "$OUT/sanitize-bench.txt" | sort | uniq -c | head -20
  grep -E "^(FAILED|Failure)|failed:" "$OUT/sanitize-bench.txt" | head -10
  rm -rf "$cold"
fi

# split (not run by default): the same benchmark in two JVMs, tensorrt alone and ort-tensorrt alone. In one JVM both
# use the same libnvinfer.so.10 (the first loaded by soname: JavaCPP's 10.6 or the one ONNX Runtime's TensorRT provider
# was built for); if bench fails and split does not, suspect that mix rather than infer4j's memory handling.
if [[ " $SANITIZE_STEPS " == *" split "* ]]; then
  models=()
  for name in $SANITIZE_MODELS; do [ -f "$MODELS/$name.onnx" ] && models+=("$MODELS/$name.onnx"); done
  split_found=0
  for backend in tensorrt ort-tensorrt; do
    cold=$(mktemp -d)
    echo "=== sanitize split: $backend alone, glibc checks, cold caches ($(date +%T))"
    env XDG_CACHE_HOME="$cold" "${glibc_checks[@]}" timeout -k 10 "${SANITIZE_BENCH_TIMEOUT:-330}" \
      java -Xcheck:jni -Xmx8g -XX:ErrorFile="$OUT/sanitize-hs_err-%p.log" -cp "$APP_CP" org.infer4j.bench.Benchmark \
      --model "$(IFS=,; echo "${models[*]}")" --backend "$backend" --precision FP32,FP16 --cuda-graphs off,on \
      --batch 1 --seq-len 128 --warmup 50 --duration "${SANITIZE_SECONDS:-2}s" --out "$RESULTS/sanitize-$backend" \
      > "$OUT/sanitize-split-$backend.txt" 2>&1
    echo "$backend alone: exit status $?" | tee -a "$OUT/sanitize-split-$backend.txt"
    split_found=$((split_found + $(grep -c -E "$HEAP_PATTERN" "$OUT/sanitize-split-$backend.txt")))
    rm -rf "$cold"
  done
  echo "split: $split_found heap/JNI lines"
fi

if [[ " $SANITIZE_STEPS " == *" memcheck "* ]]; then
  cold=$(mktemp -d)
  echo "=== sanitize memcheck: GPU tests under compute-sanitizer memcheck ($(date +%T))"
  XDG_CACHE_HOME="$cold" timeout -k 10 "${SANITIZE_MEMCHECK_TIMEOUT:-180}" \
    compute-sanitizer --tool memcheck --target-processes all --leak-check no --report-api-errors no \
    java -Xcheck:jni -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -jar "$JUNIT_JAR" \
    execute --class-path "$TEST_CP" --scan-class-path "$TEST_ROOTS" --include-classname "$SANITIZE_TESTS" \
    --disable-banner --disable-ansi-colors --details=summary > "$OUT/sanitize-memcheck.txt" 2>&1
  rc=$?
  memcheck_found=$(grep -c -E '^========= (Invalid|Program hit|Address|Malloc|Cuda API error|Error)' "$OUT/sanitize-memcheck.txt")
  echo "memcheck exit status $rc (124/137: timed out), $memcheck_found reported errors" | tee -a "$OUT/sanitize-memcheck.txt"
  grep -E "tests (successful|failed|aborted)|ERROR SUMMARY" "$OUT/sanitize-memcheck.txt" | head
  grep -E '^========= (Invalid|Program hit)' "$OUT/sanitize-memcheck.txt" | sort | uniq -c | head -10

  echo "=== sanitize glibc-tests: the same tests under the glibc checks and -Xcheck:jni ($(date +%T))"
  env XDG_CACHE_HOME="$cold" "${glibc_checks[@]}" timeout -k 10 "${SANITIZE_GLIBC_TIMEOUT:-60}" \
    java -Xcheck:jni -XX:ErrorFile="$OUT/sanitize-hs_err-%p.log" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    -jar "$JUNIT_JAR" execute --class-path "$TEST_CP" --scan-class-path "$TEST_ROOTS" --include-classname "$SANITIZE_TESTS" \
    --disable-banner --disable-ansi-colors --details=summary > "$OUT/sanitize-glibc-tests.txt" 2>&1
  rc=$?
  glibc_found=$(grep -c -E "$HEAP_PATTERN" "$OUT/sanitize-glibc-tests.txt")
  echo "glibc-checked tests exit status $rc, $glibc_found heap/JNI lines" | tee -a "$OUT/sanitize-glibc-tests.txt"
  grep -E "tests (successful|failed|aborted)" "$OUT/sanitize-glibc-tests.txt" | head
  rm -rf "$cold"
fi
echo "sanitize summary: bench heap/JNI lines $bench_found, memcheck errors $memcheck_found, glibc-checked tests heap/JNI lines" \
  "$glibc_found (-: step not run; 0 everywhere: nothing found)"
