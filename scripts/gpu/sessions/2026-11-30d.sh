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
set -uo pipefail
cd "$(dirname "$0")/../../.."
: "${OUT:?run on the device, where \$OUT is set}"
export OUT
case "${1:?which call: 1 to 3}" in
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
  *) echo "no call $1"; exit 2 ;;
esac
