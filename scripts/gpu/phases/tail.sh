# Phase of scripts/gpu/run.sh (sourced; APP_CP, MODELS, RESULTS, OUT, app_java and plan_of come from it): issue 6's open
# items, where the graphs phase left them (2026-11-25c): p99/p50 with graphs above 1.15 on mlp, cnn, gru and
# distilbert, and mlp/cnn replay+sync 6.3 µs above the GPU time per replay (the target is 5).
#   1. HostJitter on every CPU: how often and how long a spinning thread loses its CPU, the p99/p50 of control
#      loops as long as mlp's replay (15 µs), cnn's (25 µs) and gru's (230 µs), and the quietest CPU.
#   2. Per model: GraphBench unpinned, then with its measuring thread pinned to the quietest CPU (--cpu).
#   3. EnginePlanProbe --graph on the model's engine (the plan file its first GraphBench names), pinned
#      there too: the bare replay of the same plan (cudaGraphLaunch + cudaStreamSynchronize and nothing else), its
#      launch share, polling cudaStreamQuery instead, single replays' GPU time and its p99/p50, and cudaSetDevice.
# What a pinned run gains over an unpinned one is the scheduler's part of the tail; what the host's quietest CPU
# still loses is the floor no library can go under; what GraphBench's device-resident replay takes over the bare
# probe is what infer4j adds per call.
#   4. With TAIL_THREADS=1, the benchmark with 1 and 8 caller threads on one engine: resnet50 with graphs, mlp without
#      (study chunk 10's cases), for how the way a call waits for its stream holds up when threads share an engine.
# Knobs: TAIL_MODELS (default mlp cnn gru distilbert resnet50 bert_base), TAIL_SKIP_JITTER=1 (reuse the first
# call's host-jitter.json on the same machine), TAIL_LOOPS (HostJitter's loop lengths, default 15,25,230 µs),
# TAIL_PINNED=0 (GraphBench unpinned only: for long replays, whose tails the scheduler does not set),
# GRAPH_ZERO_COPY_LIMITS (GraphBench --zero-copy-limits, e.g. copy,max: host arrays copied and read in place),
# GRAPH_MODES (GraphBench --modes, e.g. host,device,device-in,device-out: which side of the I/O in GPU memory
# makes a difference), PROBE_PLACEMENTS (EnginePlanProbe --placements: the bare replay with its buffers at that many
# other places in GPU memory, and on a context made after them), PROBE_RECREATE (EnginePlanProbe --recreate: a second
# context made and destroyed that many times, timed with the first), PROBE_STREAMS (EnginePlanProbe --streams: that many
# more streams, each running a memset, the first context and a new context, the first one timed after each), TAIL_THREADS, GRAPH_WARMUP, GRAPH_ITERATIONS as in
# graphs.sh.
# Console in $OUT/tail.txt; JSON in $RESULTS/tail/.
TAIL_MODELS=${TAIL_MODELS:-mlp cnn gru distilbert resnet50 bert_base}
mkdir -p "$RESULTS/tail"
{
  if [ "${TAIL_SKIP_JITTER:-0}" != 1 ] || [ ! -f "$RESULTS/tail/host-jitter.json" ]; then
    echo "=== host: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), kernel $(uname -r)"
    echo "isolated: $(cat /sys/devices/system/cpu/isolated 2>/dev/null) nohz_full: $(cat /sys/devices/system/cpu/nohz_full 2>/dev/null)"
    grep -E '^cpu ' /proc/stat | awk '{print "steal jiffies since boot: " $9}'
    echo "=== HostJitter ($(date +%T))"
    app_java org.infer4j.bench.HostJitter --loop-micros "${TAIL_LOOPS:-15,25,230}" --out "$RESULTS/tail/host-jitter.json"
  fi
  quiet=$(python3 -c "import json; print(json.load(open('$RESULTS/tail/host-jitter.json'))['quietestCpu'])")
  echo "quietest CPU: $quiet"
  for name in $TAIL_MODELS; do
    model="$MODELS/$name.onnx"
    [ -f "$model" ] || { echo "no $model: run the models phase first"; continue; }
    for pin in none $([ "${TAIL_PINNED:-1}" = 0 ] || echo "$quiet"); do
      echo "=== $name GraphBench, measuring thread on CPU $pin ($(date +%T))"
      app_java org.infer4j.bench.GraphBench --model "$model" --precision FP16 --batch 1 --seq-len 128 \
        --warmup "${GRAPH_WARMUP:-20000}" --iterations "${GRAPH_ITERATIONS:-5000}" \
        --zero-copy-limits "${GRAPH_ZERO_COPY_LIMITS:-default}" --modes "${GRAPH_MODES:-host,device}" $([ "$pin" = none ] || echo "--cpu $pin") --out "$RESULTS/tail/cpu-$pin"
    done
    # the plan GraphBench ran (its JSON names it): not the newest file in the cache, where an earlier phase may have
    # built the engines (2026-11-30, lease 1: mlp's and cnn's probes timed gru's plan, which the tests had built last)
    engine=$(plan_of "$RESULTS/tail/cpu-none/$name-graphs.json")
    echo "=== $name bare replay of $(basename "$engine"), on CPU $quiet ($(date +%T))"
    # not through app_java, which cuts lines at 400 characters: the replay line is longer
    java -Xmx2g -cp "$APP_CP" org.infer4j.bench.EnginePlanProbe --graph --inputs random,zeros --placements "${PROBE_PLACEMENTS:-0}" --recreate "${PROBE_RECREATE:-0}" \
      --streams "${PROBE_STREAMS:-0}" \
      --warmup 2000 --runs 3000 --cpu "$quiet" \
      "$engine" 2>&1 | grep -v -E '^\s*$|WARNING: '
    echo "exit status ${PIPESTATUS[0]}"
  done
  if [ "${TAIL_THREADS:-0}" = 1 ]; then
    for m in resnet50:on mlp:off; do
      echo "=== ${m%:*} with graphs ${m#*:}, 1 and 8 threads on one engine ($(date +%T))"
      app_java org.infer4j.bench.Benchmark -m "$MODELS/${m%:*}.onnx" -b tensorrt --precision FP16 --batch 1 \
        --cuda-graphs "${m#*:}" --threads 1,8 --duration 3s --out "$RESULTS/tail/threads"
    done
  fi
} 2>&1 | tee -a "$OUT/tail.txt"
