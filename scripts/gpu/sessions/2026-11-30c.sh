#!/usr/bin/env bash
# Runs ON THE GPU MACHINE: the calls of the session of 2026-11-30 (third), issue 6, one per argument:
#   export OUT; bash scripts/gpu/sessions/2026-11-30c.sh N
# carrying .gpu/app, .gpu/test and .gpu/timing-cache (an earlier H200's, so that builds reuse its tactic timings).
# 1. gru's slow later bindings: with bindings now handing their context back to the engine (no context destroyed
#    between cases), GraphBench in the process that builds the engine (off-0) and in one that loads it (off-1); with
#    --keep-bindings (new contexts, none destroyed: off-2); with CUDA_MODULE_LOADING=EAGER, loading (off-3) and
#    building in a fresh cache (off-4); then EnginePlanProbe --recreate 3 on the plan (does destroying a context slow
#    the contexts made after it, in a process that never built anything?).
#    (Ran at 854ef86: the handed-back context replayed graphs that copied from freed page-locked memory, and the third
#    case crashed in libcuda; handing back now destroys them.)
# 2. Every reference model exported, then the GPU tests that this session's change touches. They build the six FP16
#    engines into the default cache, so that what follows loads them rather than builds them. Then gru again: with
#    contexts handed back (off-5, every case should run at the first binding's speed, and none crash); with
#    --keep-bindings under CUDA_MODULE_LOADING=EAGER (off-6: does eager loading make new contexts fast, as it made the
#    building process fast in call 1?); EnginePlanProbe --recreate 3.
# 3. The targets with each engine's device binding first: the tail phase without pinned runs, modes device,host,
#    and the bare probe with --recreate 2.
# 4. gru's graphs logged with their node counts (CudaGraphRunner at DEBUG), modes device,host,host,device: building
#    the engine (off-7), loading it (off-8: the second device case was slow in call 2), and with --keep-bindings (off-9).
#    Do slow graphs hold other work than fast ones? (No: the same 124 nodes at the same addresses, 189.0 and 219.6 µs.)
# 5. Not run yet (no device time left): call 4 again on 070d163, whose pool hands a lone caller the context returned
#    last. If the third stream is what slows gru, every case after the build should now be fast, the fourth included.
set -uo pipefail
cd "$(dirname "$0")/../../.."
: "${OUT:?run on the device, where \$OUT is set}"
export OUT
case "${1:?which call: 1 to 5}" in
  1)
    MODEL_NAMES=gru bash scripts/gpu/run.sh env models
    export GPU_TIME_MODELS=gru GPU_TIME_LIMITS=copy GPU_TIME_MODES=device,host,host,device GPU_TIME_PROBE=0
    GPU_TIME_RUNS="off-0 off-1" bash scripts/gpu/run.sh gpu-time
    GPU_TIME_RUNS=off-2 GPU_TIME_KEEP_BINDINGS=1 bash scripts/gpu/run.sh gpu-time
    GPU_TIME_RUNS=off-3 GPU_TIME_ENV=CUDA_MODULE_LOADING=EAGER bash scripts/gpu/run.sh gpu-time
    # a cache with the timing cache but no engine, so that GraphBench builds gru under EAGER loading
    mkdir -p /tmp/eager-cache/infer4j/tensorrt && cp ~/.cache/infer4j/tensorrt/timing-*.cache /tmp/eager-cache/infer4j/tensorrt/
    GPU_TIME_RUNS=off-4 GPU_TIME_ENV="CUDA_MODULE_LOADING=EAGER XDG_CACHE_HOME=/tmp/eager-cache" GPU_TIME_PROBE=1 \
      GPU_TIME_PROBE_SMI=off GPU_TIME_RECREATE=3 bash scripts/gpu/run.sh gpu-time
    ;;
  2)
    bash scripts/gpu/run.sh env models
    TEST_INCLUDE='^org\.infer4j\.(cudagraphs\.(TensorRtGraphsContractTest|internal\.CudaGraphsGpuTest)|tensorrt\.(TensorRtContractTest|TensorRtFp16ContractTest|TensorRtGpuTest)|examples\.(EnginePlanProbeTest|GraphBenchTest))$' \
      bash scripts/gpu/run.sh tests
    export GPU_TIME_MODELS=gru GPU_TIME_LIMITS=copy GPU_TIME_MODES=device,host,host,device GPU_TIME_PROBE=0
    GPU_TIME_RUNS=off-5 bash scripts/gpu/run.sh gpu-time
    GPU_TIME_RUNS=off-6 GPU_TIME_KEEP_BINDINGS=1 GPU_TIME_ENV=CUDA_MODULE_LOADING=EAGER GPU_TIME_PROBE=1 GPU_TIME_PROBE_SMI=off \
      GPU_TIME_RECREATE=3 bash scripts/gpu/run.sh gpu-time
    ;;
  3)
    TAIL_PINNED=0 GRAPH_MODES=device,host PROBE_RECREATE=2 TAIL_LOOPS=15,25 bash scripts/gpu/run.sh tail
    ;;
  4|5)
    MODEL_NAMES=gru bash scripts/gpu/run.sh env models
    export GPU_TIME_MODELS=gru GPU_TIME_LIMITS=copy GPU_TIME_MODES=device,host,host,device GPU_TIME_PROBE=0 \
      GPU_TIME_JAVA_OPTS=-Dorg.slf4j.simpleLogger.log.org.infer4j.cudagraphs=debug
    GPU_TIME_RUNS="off-7 off-8" bash scripts/gpu/run.sh gpu-time
    GPU_TIME_RUNS=off-9 GPU_TIME_KEEP_BINDINGS=1 bash scripts/gpu/run.sh gpu-time
    ;;
  *) echo "no call $1"; exit 2 ;;
esac
