#!/usr/bin/env bash
# Runs ON THE GPU MACHINE: the calls of the session of 2026-11-30 (fourth), issue 6, one per argument:
#   export OUT; bash scripts/gpu/sessions/2026-11-30d.sh N
# carrying .gpu/app, .gpu/test and .gpu/timing-cache.
# 1. gru's slow graphs on the LIFO pool (070d163: a lone caller gets the context returned last, so GraphBench's
#    output-shape run no longer takes the pool's other context). Every reference model exported (call 2 tests them),
#    then GraphBench on gru, modes device,host,host,device, each capture's node count logged: building the engine
#    (off-10), loading it (off-11: was case 4 at 219.6 µs, is it now fast?), --keep-bindings (off-12, a new context and
#    stream per case). Then the third-stream hypothesis on its own: EnginePlanProbe --streams 3 (a memset, the first
#    context, then a new kept context run on each new stream; the first context's replay timed after each).
# 2. The GPU tests this session's changes touch: ExecutionSlot's bindInput/bindOutput share their host-side code now,
#    and the probe has --streams.
# 3. The targets again, each engine's device binding first, on the LIFO pool: the tail phase without pinned runs,
#    modes device,host, the bare probe with --streams 2 on every model.
# 4. Carrying only .gpu/app, on the machine of calls 1-3 (its engine cache): the probe's --streams 4 on gru four times,
#    as it is and under CUDA_DEVICE_MAX_CONNECTIONS=32, =1 and CUDA_MODULE_LOADING=EAGER: do CUDA's hardware queues or
#    its lazy loading set when the third context slows every context?
# 5. On a fresh machine, after TensorRtEngine.outputShapes replaced GraphBench's run that learned the device outputs'
#    shapes (it ran a pool context, so that two contexts had run before the first case was timed): its test, then
#    distilbert, resnet50 and gru. A short GraphBench run builds each engine (off-13, whose numbers mean little: a
#    building process is slow), a second loads it and measures device and host arrays (off-14), then the bare probe on
#    the same plan. Are the device rows now at the probe's GPU time (call 3: distilbert 225.8 against 210.5, resnet50
#    317.2 against 297.8)? (No: 224.0 against 209.4, 314.5 against 295.0. The binding's context is made after the pool's
#    two, and resnet50 was slow on any context after the first in the probe.)
set -uo pipefail
cd "$(dirname "$0")/../../.."
: "${OUT:?run on the device, where \$OUT is set}"
export OUT
case "${1:?which call: 1 to 5}" in
  1)
    bash scripts/gpu/run.sh env models
    export GPU_TIME_MODELS=gru GPU_TIME_LIMITS=copy GPU_TIME_MODES=device,host,host,device GPU_TIME_PROBE=0 \
      GPU_TIME_JAVA_OPTS=-Dorg.slf4j.simpleLogger.log.org.infer4j.cudagraphs=debug
    GPU_TIME_RUNS="off-10 off-11" bash scripts/gpu/run.sh gpu-time
    GPU_TIME_RUNS=off-12 GPU_TIME_KEEP_BINDINGS=1 GPU_TIME_PROBE=1 GPU_TIME_PROBE_SMI=off GPU_TIME_STREAMS=3 \
      bash scripts/gpu/run.sh gpu-time
    ;;
  2)
    TEST_INCLUDE='^org\.infer4j\.(cudagraphs\.(TensorRtGraphsContractTest|internal\.CudaGraphsGpuTest)|tensorrt\.(TensorRtContractTest|TensorRtFp16ContractTest|TensorRtGpuTest)|examples\.(EnginePlanProbeTest|GraphBenchTest))$' \
      bash scripts/gpu/run.sh tests
    ;;
  3)
    TAIL_PINNED=0 GRAPH_MODES=device,host PROBE_STREAMS=2 TAIL_LOOPS=15,25 bash scripts/gpu/run.sh tail
    ;;
  4)
    source /opt/gpu/stack/env.sh
    e=$(ls -t ~/.cache/infer4j/tensorrt/f3cdca2a*.engine | head -1)
    for env in NONE=1 CUDA_DEVICE_MAX_CONNECTIONS=32 CUDA_DEVICE_MAX_CONNECTIONS=1 CUDA_MODULE_LOADING=EAGER; do
      echo "=== $env"
      env $env java -Xmx2g -cp '.gpu/app/*' org.infer4j.examples.EnginePlanProbe --graph --warmup 1000 --runs 2000 --streams 4 "$e" 2>&1 \
        | grep -E 'stream [0-9]+:|graph replay' | sed 's/^[0-9a-f]*.engine//' | cut -c1-330
    done 2>&1 | tee "$OUT/streams-env.txt"
    ;;
  5)
    MODEL_NAMES="distilbert resnet50 gru" bash scripts/gpu/run.sh env models
    TEST_METHOD='org.infer4j.tensorrt.TensorRtGpuTest#outputShapesAreThoseARunGivesAcrossTheProfileAndBadInputsAreRejected' \
      bash scripts/gpu/run.sh tests
    export GPU_TIME_MODELS="distilbert resnet50 gru" GPU_TIME_LIMITS=copy GPU_TIME_MODES=device,host
    GPU_TIME_RUNS=off-13 GRAPH_WARMUP=100 GRAPH_ITERATIONS=100 GPU_TIME_PROBE=0 bash scripts/gpu/run.sh gpu-time
    GPU_TIME_RUNS=off-14 GPU_TIME_PROBE=1 GPU_TIME_PROBE_SMI=off bash scripts/gpu/run.sh gpu-time
    ;;
  *) echo "no call $1"; exit 2 ;;
esac
