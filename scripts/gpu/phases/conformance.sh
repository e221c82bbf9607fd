# Phase of scripts/gpu/run.sh (sourced; APP_CP, RESULTS, OUT come from it): the conformance run.
# Exports the zoo (models/zoo/zoo.py: every architecture, inputs and PyTorch's outputs for two shapes) unless it is
# there, then runs org.infer4j.bench.Conformance over it in parallel chains, one JVM per backend configuration after
# another within a chain: ort-cpu | ort-cuda | ort-tensorrt | tensorrt then tensorrt+graphs (which loads the engines
# tensorrt built, so the two share a chain rather than race for one cache file). A case that ends its JVM is recorded
# as a failure (in-progress.csv) and the chain goes on with --resume. At CONFORMANCE_END the chains are stopped; a later call with the same knobs resumes where they stopped (results stay in
# $RESULTS on the machine).
# Knobs: CONFORMANCE_CHAINS (';'-separated chains of space-separated configurations), CONFORMANCE_MODELS (a regex),
# CONFORMANCE_PRECISIONS (FP32,FP16), CONFORMANCE_ZOO (default /opt/gpu/zoo; exported if absent), CONFORMANCE_TAG
# (results subfolder, default conformance), ORT_TENSORRT_TF32_OVERRIDE (NVIDIA_TF32_OVERRIDE for ort-tensorrt, default 0), CONFORMANCE_CASE_TIMEOUT (s per JVM, 300), CONFORMANCE_END (the epoch
# second at which the chains are stopped; default 480 s after the phase starts). Phases of different tags may run side
# by side (each over its own models): a tag's deadline stops only its own JVMs.
# Writes $RESULTS/$TAG/{conformance.csv,conformance.md,CHAIN.console.txt,zoo-index.json}; the tiny shipped models
# (zoo.py --ship-dir) go to $RESULTS/zoo-ship/.
ZOO=${CONFORMANCE_ZOO:-/opt/gpu/zoo}
TAG=${CONFORMANCE_TAG:-conformance}
CDIR=$RESULTS/$TAG
mkdir -p "$CDIR/runs"
if [ ! -f "$ZOO/index.json" ]; then
  echo "=== exporting the zoo to $ZOO ($(date +%T))"
  PYTHONUNBUFFERED=1 python3 models/zoo/zoo.py "$ZOO" --ship-dir "$RESULTS/zoo-ship" 2>&1 | grep -v -i warn | cut -c1-300
fi
cp "$ZOO/index.json" "$CDIR/zoo-index.json"

conformance_chain() { # CONFIG... : one JVM per configuration, restarted after a case that ends it
  for config in "$@"; do
    local dir="$CDIR/runs/$(printf %s "$config" | tr -c 'A-Za-z0-9+=._-' '_')"
    mkdir -p "$dir"
    rm -f "$dir/in-progress.csv"  # a case a deadline stopped: not in the CSV, so it runs again
    for attempt in $(seq 1 20); do
      # ONNX Runtime's TensorRT provider has no option that clears TensorRT's TF32 flag: the process environment's
      # NVIDIA_TF32_OVERRIDE=0 is what gives a user FP32-accurate ort-tensorrt engines (docs/conformance.md)
      local tf32=()
      [[ $config == ort-tensorrt* ]] && tf32=(NVIDIA_TF32_OVERRIDE="${ORT_TENSORRT_TF32_OVERRIDE-0}")
      env "${tf32[@]}" timeout "${CONFORMANCE_CASE_TIMEOUT:-300}" java -Xmx16g -cp "$APP_CP" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
        org.infer4j.bench.Conformance --zoo "$ZOO" --out "$dir" --configs "$config" --resume \
        --precisions "${CONFORMANCE_PRECISIONS:-FP32,FP16}" ${CONFORMANCE_MODELS:+--models "$CONFORMANCE_MODELS"} 2>&1 \
        | grep -v -E '^\s*$|WARNING: |^\[main\] INFO' | cut -c1-400
      local rc=${PIPESTATUS[0]}
      [ "$rc" = 0 ] && break
      [ -f "$CDIR/deadline" ] && return  # stopped, not failed: the case stays to be run
      if [ -f "$dir/in-progress.csv" ]; then
        local why; why=$([ "$rc" = 124 ] && echo "timed out after ${CONFORMANCE_CASE_TIMEOUT:-300} s" || echo "the JVM ended with exit status $rc")
        echo "$(cat "$dir/in-progress.csv"),*,fail,,,,$why during this case" >> "$dir/conformance.csv"
        rm -f "$dir/in-progress.csv"
      else
        echo "conformance $config ended with $rc outside a case; not retried"; break
      fi
    done
  done
}

rm -f "$CDIR/deadline"
IFS=';' read -r -a chains <<< "${CONFORMANCE_CHAINS:-ort-cpu;ort-cuda;ort-tensorrt;tensorrt tensorrt+graphs}"
pids=()
for chain in "${chains[@]}"; do
  name=$(printf %s "$chain" | tr -c 'A-Za-z0-9+=._-' '_')
  ( conformance_chain $chain > "$CDIR/$name.console.txt" 2>&1 ) &
  pids+=($!)
done
( sleep $(( ${CONFORMANCE_END:-$(( $(date +%s) + 480 ))} - $(date +%s) )); echo "=== conformance deadline ($(date +%T)): stopping the chains";
  touch "$CDIR/deadline"; pkill -f "org.infer4j.bench.Conformance --zoo $ZOO --out $CDIR/runs/" ) & watchdog=$!
wait "${pids[@]}"
kill "$watchdog" 2>/dev/null
{ echo "$(head -1 "$(ls "$CDIR"/runs/*/conformance.csv | head -1)")"
  for f in "$CDIR"/runs/*/conformance.csv; do tail -n +2 "$f"; done; } > "$CDIR/conformance.csv"
java -cp "$APP_CP" org.infer4j.bench.Conformance --zoo "$ZOO" --out "$CDIR" --report-only >/dev/null
grep -E "pass|fail|unsupported" "$CDIR"/*.console.txt | grep -v " pass " | cut -c1-300 | head -80
head -20 "$CDIR/conformance.md"
