# Phase of scripts/gpu/run.sh (sourced; APP_CP, MODELS, RESULTS, OUT, app_java and plan_of come from it): does reading NVML
# while a case runs cost GPU time? 2026-11-30 (H200): gru's graph took 191-192 µs of GPU time per replay in
# EnginePlanProbe, at any of five places of its buffers in GPU memory and on contexts made before and after them,
# but 199-232 µs in GraphBench, in every mode (host arrays, device tensors, either side, zero-copy) and differing from
# run to run. GraphBench reads the SM clock through NVML every 50 ms; the probe reads nothing.
# Answer (benchmarks/results/h200/2026-11-30b): NVML costs nothing; the GPU time follows the binding's place (the first
# binding of an engine loaded from the cache is fast, later ones are not), which GPU_TIME_MODES' order shows.
# 2026-11-30c: with a closed binding's context handed to the next binding, later bindings stayed fast; the same graph
# on the same context slowed once the engine's other pool context had run, and new contexts were slow (--keep-bindings).
#   1. Per model, GraphBench four times, NVML sampling on (50 ms), off, on, off, host arrays (copied and zero-copy)
#      and device tensors, graphs off and on: $RESULTS/gpu-time/sampling-{on,off}-{1,2}/.
#   2. EnginePlanProbe --graph on the plan GraphBench ran, alone and with nvidia-smi reading the same NVML values every
#      50 ms in another process.
# Knobs: GPU_TIME_MODELS (default gru mlp cnn); GPU_TIME_RUNS, the GraphBench runs in order, SAMPLING-N each (default
# on-1 off-1 on-2 off-2); GPU_TIME_LIMITS (--zero-copy-limits, default copy,max); GPU_TIME_MODES (--modes, default
# host,device); GPU_TIME_KEEP_BINDINGS=1 (--keep-bindings: a new execution context per case);
# GPU_TIME_ENV, NAME=VALUE pairs GraphBench runs with (e.g. CUDA_MODULE_LOADING=EAGER: is the slow state
# CUDA's lazy loading of kernels?); GPU_TIME_JAVA_OPTS, JVM options of GraphBench (e.g.
# -Dorg.slf4j.simpleLogger.log.org.infer4j.cudagraphs=debug: each capture's graph nodes); GPU_TIME_PROBE=0 leaves out step 2, GPU_TIME_PROBE_SMI its runs (default off on),
# GPU_TIME_RECREATE=N its --recreate N (does destroying a context slow the contexts made after it?), GPU_TIME_STREAMS=N
# its --streams N (does work on more streams slow the first context's graph?); GRAPH_WARMUP,
# GRAPH_ITERATIONS as in graphs.sh.
# Console in $OUT/gpu-time.txt.
mkdir -p "$RESULTS/gpu-time"
{
  for name in ${GPU_TIME_MODELS:-gru mlp cnn}; do
    model="$MODELS/$name.onnx"
    [ -f "$model" ] || { echo "no $model: run the models phase first"; continue; }
    for run in ${GPU_TIME_RUNS:-on-1 off-1 on-2 off-2}; do
      echo "=== $name GraphBench, NVML sampling ${run%-*}, run ${run#*-}${GPU_TIME_ENV:+, with $GPU_TIME_ENV} ($(date +%T))"
      # a subshell, so that GPU_TIME_ENV reaches GraphBench's JVM and nothing after it
      ( [ -n "${GPU_TIME_ENV:-}" ] && export ${GPU_TIME_ENV}
      app_java ${GPU_TIME_JAVA_OPTS:-} org.infer4j.bench.GraphBench --model "$model" --precision FP16 --batch 1 --seq-len 128 \
        --warmup "${GRAPH_WARMUP:-20000}" --iterations "${GRAPH_ITERATIONS:-5000}" --zero-copy-limits "${GPU_TIME_LIMITS:-copy,max}" \
        --modes "${GPU_TIME_MODES:-host,device}" $([ "${GPU_TIME_KEEP_BINDINGS:-0}" = 1 ] && echo --keep-bindings) \
        --clock-sampling-ms "$([ "${run%-*}" = on ] && echo 50 || echo 0)" --out "$RESULTS/gpu-time/sampling-$run" )
    done
    [ "${GPU_TIME_PROBE:-1}" = 0 ] && continue
    first_run=$(echo ${GPU_TIME_RUNS:-on-1} | cut -d' ' -f1)
    engine=$(plan_of "$RESULTS/gpu-time/sampling-$first_run/$name-graphs.json")
    for smi in ${GPU_TIME_PROBE_SMI:-off on}; do
      echo "=== $name bare replay of $(basename "$engine"), nvidia-smi reading every 50 ms: $smi ($(date +%T))"
      if [ "$smi" = on ]; then
        nvidia-smi --query-gpu=clocks.sm,clocks.mem,power.draw,temperature.gpu,utilization.gpu,memory.used \
          --format=csv,noheader -lms 50 > /dev/null 2>&1 &
        smi_pid=$!
        sleep 1
      fi
      java -Xmx2g -cp "$APP_CP" org.infer4j.bench.EnginePlanProbe --graph --warmup 2000 --runs 3000 \
        --recreate "${GPU_TIME_RECREATE:-0}" --streams "${GPU_TIME_STREAMS:-0}" "$engine" 2>&1 \
        | grep -E 'graph replay|recreate|stream [0-9]+:' | cut -c1-330
      echo "exit status ${PIPESTATUS[0]}"
      [ "$smi" = on ] && kill "$smi_pid" && wait "$smi_pid" 2>/dev/null
    done
  done
} 2>&1 | tee -a "$OUT/gpu-time.txt"
