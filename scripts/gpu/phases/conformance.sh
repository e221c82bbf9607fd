# Phase of scripts/gpu/run.sh (sourced; APP_CP, RESULTS, OUT and app_java come from it): the conformance run.
# Exports the zoo (models/zoo/zoo.py: every architecture, inputs and PyTorch's outputs for two shapes), then runs
# org.infer4j.examples.Conformance over it, one JVM per backend configuration, so that a case that ends the JVM is
# recorded as a failure (its in-progress.csv) and the run goes on with the next case (--resume).
# Knobs: CONFORMANCE_CONFIGS (space-separated; default the five of the conformance table), CONFORMANCE_MODELS (a regex),
# CONFORMANCE_PRECISIONS (FP32,FP16), CONFORMANCE_ZOO (where the zoo is, default /opt/gpu/zoo; exported if absent),
# CONFORMANCE_CASE_TIMEOUT (seconds per JVM, default 420).
# Writes $RESULTS/conformance/{conformance.csv,conformance.md,console.txt,zoo-index.json} and the shipped tiny models
# (zoo.py --ship-dir) to $RESULTS/conformance/ship/.
ZOO=${CONFORMANCE_ZOO:-/opt/gpu/zoo}
CDIR=$RESULTS/conformance
mkdir -p "$CDIR"
if [ ! -f "$ZOO/index.json" ]; then
  echo "=== exporting the zoo to $ZOO ($(date +%T))"
  PYTHONUNBUFFERED=1 python3 models/zoo/zoo.py "$ZOO" --ship-dir "$CDIR/ship" 2>&1 | grep -v -i warn | cut -c1-300
fi
cp "$ZOO/index.json" "$CDIR/zoo-index.json"
for config in ${CONFORMANCE_CONFIGS:-ort-cpu ort-cuda ort-tensorrt tensorrt tensorrt+graphs}; do
  for attempt in $(seq 1 20); do
    echo "=== conformance $config (attempt $attempt, $(date +%T))"
    timeout "${CONFORMANCE_CASE_TIMEOUT:-420}" java -Xmx16g -cp "$APP_CP" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
      org.infer4j.examples.Conformance --zoo "$ZOO" --out "$CDIR" --configs "$config" --resume \
      --precisions "${CONFORMANCE_PRECISIONS:-FP32,FP16}" ${CONFORMANCE_MODELS:+--models "$CONFORMANCE_MODELS"} 2>&1 \
      | grep -v -E '^\s*$|WARNING: ' | cut -c1-400 | tee -a "$CDIR/console.txt"
    rc=${PIPESTATUS[0]}
    [ "$rc" = 0 ] && break
    if [ -f "$CDIR/in-progress.csv" ]; then  # the case the JVM was in: a failure of its own, then the rest
      why=$([ "$rc" = 124 ] && echo "timed out after ${CONFORMANCE_CASE_TIMEOUT:-420} s" || echo "the JVM ended with exit status $rc")
      echo "$(cat "$CDIR/in-progress.csv"),*,fail,,,,$why during this case" >> "$CDIR/conformance.csv"
      rm -f "$CDIR/in-progress.csv"
    else
      echo "conformance $config ended with $rc outside a case; not retried"; break
    fi
  done
done
tail -n +1 "$CDIR/conformance.md" 2>/dev/null | head -60
cp "$CDIR/conformance.csv" "$CDIR/conformance.md" "$OUT/" 2>/dev/null
