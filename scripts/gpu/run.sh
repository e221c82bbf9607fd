#!/usr/bin/env bash
# Runs ON THE GPU MACHINE, after the stack's pieces were sent (scripts/gpu/split-parts.sh) and with
# .gpu/app and .gpu/test carried (scripts/gpu/prepare.sh). One call does one or more phases:
#   bash scripts/gpu/run.sh PHASE [PHASE...]
# Phases: env (GPU line and versions), models (export the reference models with PyTorch's timings),
# tests (every module's JUnit tests, GPU ones included, a JVM per class; TEST_INCLUDE, a class-name regex, picks
# some, TEST_METHOD, CLASS#METHOD, one test; TEST_LANES, TEST_DEADLINE, TEST_LOG: see phase_tests), and the phases
# in scripts/gpu/phases/PHASE.sh (bench-models, compare, conformance, driver-only, metrics, ort-graphs, sanitize,
# soak, study, zoo: each file's header says what it does). docs/gpu-runbook.md has the whole lease.
# Writes at most a few files under $OUT (the device returns 8 files at most); results.tgz and
# timing-cache.tgz come from keep.sh, which a call cut short by its time limit runs itself.
set -uo pipefail
cd "$(dirname "$0")/../.."
: "${OUT:?run on the device, where \$OUT is set}"
bash /opt/gpu/parts/unpack.sh >/dev/null || exit 1
source /opt/gpu/stack/env.sh
MODELS=/opt/gpu/models
RESULTS=/tmp/infer4j-results
mkdir -p "$RESULTS"
APP_CP='.gpu/app/*'
# the JUnit console does not expand class-path wildcards: list every directory and jar
TEST_CP=$(ls -d .gpu/test/*/ .gpu/test/lib/*.jar .gpu/app/*.jar | grep -v '/lib/$' | tr '\n' ':')
# scan only the test-class directories: the staged Java runtime has no zip file system, and scanning jars
# fills the log with a warning per jar
TEST_ROOTS=$(ls -d .gpu/test/*/ | grep -v '/lib/$' | tr '\n' ':')
# Timing caches of an earlier machine (keep.sh), carried as .gpu/timing-cache/: engines are still built here,
# but TensorRT reuses the tactic timings of layers it has timed before. A phase that measures cold builds
# (bench-models) empties the caches first.
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/infer4j
if [ -d .gpu/timing-cache ]; then
  mkdir -p "$CACHE" && cp -rn .gpu/timing-cache/. "$CACHE/" && echo "seeded timing caches: $(cd .gpu/timing-cache && ls */ | tr '\n' ' ')"
fi
DEVICE_LINE=$(nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader | head -1)
export INFER4J_DEVICE_INFO="$DEVICE_LINE"

# Runs a program of the app (JVM options, then CLASS ARGS...) with its console rid of blank lines, INFO lines and
# JVM warnings, then says its exit status: the bench programs exit 1 when a run fails or disagrees and their tables say
# which, so a phase goes on. JAVA_HEAP (default 8g) sizes the heap. Every phase uses it.
app_java() {
  java -Xmx"${JAVA_HEAP:-8g}" -cp "$APP_CP" "$@" 2>&1 | grep -v -E '^\s*$|^\[main\] INFO|WARNING: ' | cut -c1-400
  echo "exit status ${PIPESTATUS[0]}"
}

phase_env() {
  { echo "device: $DEVICE_LINE"; nvidia-smi -L; java -version 2>&1 | head -1
    java -cp "$APP_CP" org.infer4j.Backends; } | tee "$OUT/env.txt"
}

phase_models() { # NAME.onnx + NAME.json (PyTorch eager / CUDA-graph timings) for every reference model
  mkdir -p "$MODELS"
  PYTHONUNBUFFERED=1 python3 /opt/gpu/parts/models.py "$MODELS" ${MODEL_NAMES:-mlp cnn gru resnet50 distilbert bert_base} \
    2>&1 | grep -v -i warn | cut -c1-300
  mkdir -p "$RESULTS/models" && cp "$MODELS"/*.json "$RESULTS/models/"
  ls -la "$MODELS"
}

# TEST_INCLUDE is a regex over fully qualified class names: anchor whole names, e.g.
# '^org\.infer4j\.tensorrt\.TensorRtContractTest$' ('^.*TensorRtContractTest$' also matches OrtTensorRtContractTest).
# Every test class runs in a JVM of its own, TEST_LANES (3) classes at a time, in name order dealt to the lanes in
# turn: one JVM for all classes buffers its console until it ends, so a call's limit could leave no result at all,
# and one class that hangs would hold up the rest.
# The phase ends by TEST_DEADLINE (epoch seconds; default 480 s after it starts): a class still running then gets a
# thread dump (SIGQUIT, into its log) and is killed, and a class not started is reported as not run.
# Logs: $RESULTS/tests/CLASS.log (in results.tgz); one summary line per class in $OUT/${TEST_LOG:-tests}.log.
# TEST_METHOD (CLASS#METHOD) runs that one test instead, in one JVM.
junit_class() { # FQCN: runs one class until TEST_DEADLINE, says how it ended
  local log="$RESULTS/tests/${1##*.}.log" args="$RESULTS/tests/${1##*.}.args" left pid started
  started=$(date +%s)
  left=$(( TEST_DEADLINE - started ))
  if [ "$left" -lt 15 ]; then echo "${1##*.}: not run, the deadline came first"; return; fi
  # the class path goes in an @argfile: ONNX Runtime 1.29 crashes under a JVM command line of more than ~4 kB
  printf '%s\n' execute --class-path "$TEST_CP" "${@:2}" --disable-banner --disable-ansi-colors --details=tree > "$args"
  java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -jar .gpu/test/junit-platform-console-standalone-1.11.3.jar "@$args" \
    > "$log" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt "$TEST_DEADLINE" ]; do sleep 1; done
  if kill -0 "$pid" 2>/dev/null; then
    kill -QUIT "$pid"; sleep 2; kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    echo "${1##*.}: CUT at the deadline after $left s (thread dump in its log)"; return
  fi
  wait "$pid"; local rc=$?
  echo "${1##*.}: exit $rc in $(( $(date +%s) - started )) s, $(grep -E 'tests (successful|failed|aborted)' "$log" | tr -s ' []' ' ' | tr '\n' ',')"
}

phase_tests() {
  mkdir -p "$RESULTS/tests"
  TEST_DEADLINE=${TEST_DEADLINE:-$(( $(date +%s) + 480 ))}
  local summary="$OUT/${TEST_LOG:-tests}.log"
  if [ -n "${TEST_METHOD:-}" ]; then
    junit_class "${TEST_METHOD%%#*}" --select-method "$TEST_METHOD" | tee "$summary"; return
  fi
  local classes
  classes=$(cd .gpu/test && find */ -name '*Test.class' ! -name '*$*' ! -path 'lib/*' | sed -E 's|^[^/]+/||; s|\.class$||; s|/|.|g' \
    | grep -E "${TEST_INCLUDE:-^.*Test$}" | sort -u)
  echo "$(echo "$classes" | grep -c .) test classes, ${TEST_LANES:-3} at a time, until $(date -d "@$TEST_DEADLINE" +%T)"
  : > "$summary"
  local lane
  for lane in $(seq 1 "${TEST_LANES:-3}"); do
    ( echo "$classes" | awk -v n="${TEST_LANES:-3}" -v l="$lane" 'NF && (NR - 1) % n == l - 1' | while read -r c; do
        junit_class "$c" --select-class "$c" >> "$summary"
      done ) &
  done
  wait
  cat "$summary"
  echo "$(grep -c ': exit 0 ' "$summary") of $(grep -c . "$summary") classes passed"
}

for p in "$@"; do
  echo "=== phase $p ($(date +%T))"
  if declare -F "phase_$p" >/dev/null; then "phase_$p"
  elif [ -f "scripts/gpu/phases/$p.sh" ]; then source "scripts/gpu/phases/$p.sh"
  else echo "unknown phase $p"; exit 2; fi
done
bash scripts/gpu/keep.sh
echo "=== done ($(date +%T))"
