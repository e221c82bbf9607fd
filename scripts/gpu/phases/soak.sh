# Phase of scripts/gpu/run.sh (sourced; APP_CP, MODELS, RESULTS and OUT come from it): the soak (org.infer4j.bench.Soak,
# docs/soak.md). SOAK_MODELS on SOAK_BACKENDS in SOAK_PRECISIONS from SOAK_THREADS threads, each run through engine.run or
# a Binding of the thread's own, tensorrt with CUDA graphs off and on, a churn thread building, running and closing
# another engine every few seconds; every output checked against a single-thread reference computed at the start; RSS,
# JVM direct memory, heap and GPU memory sampled every 10 s into $RESULTS/$SOAK_TAG/samples.csv. Needs the models phase.
# One call is one chunk, a JVM of its own: its workers stop at SOAK_END (default 480 s after the phase starts) or after
# SOAK_DURATION, whichever comes first, leaving time to close everything, summarise and pack the results. The next call
# (same lease: the results and the engine caches stay on the machine) appends the next chunk to the same directory;
# each chunk prints the summary of every chunk so far (summary.txt). Four calls make the 30 minutes. The first call of
# a lease may spend most of its time building engines (cold caches), so that its chunk soaks for less.
# A JVM still running 60 s after SOAK_END is killed (a hang); its chunk has samples and no chunk-N.json, which the
# next summary reports as unfinished, as it does a crash (the JVM's crash report goes to hs_err-PID.log beside them).
# Knobs: SOAK_MODELS (mlp cnn gru distilbert resnet50), SOAK_BACKENDS (ort-cuda,ort-tensorrt,tensorrt,tensorrt+graphs),
# SOAK_PRECISIONS (FP32,FP16; FP16 only where the backend builds for it), SOAK_THREADS (8), SOAK_DURATION (8m),
# SOAK_END (the epoch second at which the workers stop), SOAK_ARGS (more Soak options, e.g. "--churn-every 10s"),
# SOAK_TAG (results subfolder, default soak), SOAK_RESUME_FROM (a soak directory carried from an earlier lease, e.g.
# .gpu/soak unpacked from its results.tgz: copied in when this machine has none yet, so that the chunks go on; references
# are compared with earlier chunks' only on the same host, whose engine cache built them).
# Writes $RESULTS/$SOAK_TAG/{samples.csv,chunk-N.json,summary.json,summary.txt,mismatches.log,errors.log,console.txt}
# and gpu-process-memory.csv (every process's GPU memory as nvidia-smi reports it, every 10 s; soak=1 marks the soak's JVM).
SOAK_TAG=${SOAK_TAG:-soak}
SOAK_END=${SOAK_END:-$(( $(date +%s) + 480 ))}
SDIR=$RESULTS/$SOAK_TAG
mkdir -p "$SDIR"
if [ -n "${SOAK_RESUME_FROM:-}" ] && [ ! -f "$SDIR/samples.csv" ]; then
  cp -r "$SOAK_RESUME_FROM"/. "$SDIR/" && echo "soak: resuming the chunks of $SOAK_RESUME_FROM"
fi
soak_models=()
for name in ${SOAK_MODELS:-mlp cnn gru distilbert resnet50}; do
  [ -f "$MODELS/$name.onnx" ] && soak_models+=("$MODELS/$name.onnx") || echo "no $MODELS/$name.onnx: run the models phase first"
done
if [ ${#soak_models[@]} -eq 0 ]; then
  echo "soak: no model to run"
else
  echo "=== soak chunk: ${SOAK_MODELS:-mlp cnn gru distilbert resnet50} on ${SOAK_BACKENDS:-ort-cuda,ort-tensorrt,tensorrt,tensorrt+graphs}," \
    "workers stop at $(date -d "@$SOAK_END" +%T) ($(date +%T))"
  # the opening and progress lines go to console.txt only; the summary is printed last
  # killed 60 s after SOAK_END (at least 90 s from now, so that a late start still opens, runs once and closes)
  limit=$(( SOAK_END - $(date +%s) + 60 )); [ "$limit" -lt 90 ] && limit=90
  # the soak samples the whole device's memory (NVML), which other processes on the GPU move too: beside it, the
  # driver's per-process figures, every 10 s (the soak's JVM marked)
  ( sleep 5; jvm=$(pgrep -f -n "org.infer4j.bench.Soak .*--out $SDIR")
    [ -f "$SDIR/gpu-process-memory.csv" ] || echo "time,pid,used_mib,soak" > "$SDIR/gpu-process-memory.csv"
    while [ -n "$jvm" ] && kill -0 "$jvm" 2>/dev/null; do
      nvidia-smi --query-compute-apps=pid,used_memory --format=csv,noheader,nounits \
        | awk -F', ' -v p="$jvm" -v t="$(date +%s)" '{ print t "," $1 "," $2 "," ($1 == p) }' >> "$SDIR/gpu-process-memory.csv"
      sleep 10
    done ) & process_sampler=$!
  timeout -k 10 "$limit" java -Xmx"${JAVA_HEAP:-8g}" -XX:ErrorFile="$SDIR/hs_err-%p.log" \
    -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$APP_CP" org.infer4j.bench.Soak \
    --model "$(IFS=,; echo "${soak_models[*]}")" --backend "${SOAK_BACKENDS:-ort-cuda,ort-tensorrt,tensorrt,tensorrt+graphs}" \
    --precision "${SOAK_PRECISIONS:-FP32,FP16}" --threads "${SOAK_THREADS:-8}" --duration "${SOAK_DURATION:-8m}" \
    --stop-at "$SOAK_END" --hang-grace 30s ${SOAK_ARGS:-} --out "$SDIR" >> "$SDIR/console.txt" 2>&1
  rc=$?
  kill "$process_sampler" 2>/dev/null
  echo "soak exit status $rc (0: every chunk so far passed; 1: a mismatch, an error or an unfinished chunk; 124/137: killed" \
    "after SOAK_END, a hang; 134: aborted, e.g. by glibc)" | tee -a "$SDIR/console.txt"
  if [ "$rc" -ge 124 ]; then
    # the killed chunk wrote no summary: summarise what is on disk, which reports it as unfinished
    java -cp "$APP_CP" org.infer4j.bench.Soak --summary-only --out "$SDIR" >> "$SDIR/console.txt" 2>&1
  fi
  grep -E "^(MISMATCH|ERROR)" "$SDIR/console.txt" | tail -5 | cut -c1-300
  cat "$SDIR/summary.txt" 2>/dev/null | cut -c1-200
fi
