# Phase of scripts/gpu/run.sh (sourced; APP_CP, TEST_CP, TEST_ROOTS, RESULTS and OUT come from it): the closest check
# of the "driver-only" GPU set-up (infer4j-gpu-redist, docs/gpu-redist.md) this machine allows. The real redist jars
# are 3.5 GB and a call carries 64 MiB, so the phase builds stand-ins here: three jars laid out as JavaCPP's
# (org/bytedeco/PRESET/linux-x86_64/FILE, META-INF/maven/org.bytedeco/ARTIFACT/pom.properties) that hold the staged
# stack's libraries, and the machine's own where the stack has none (cuRAND, cuDNN 9). Every JVM then runs with
# LD_LIBRARY_PATH unset and a fresh JavaCPP cache, so that the CUDA 12 and TensorRT libraries can only come from those
# jars, through backend-ort's preloading and the JavaCPP presets (the NVIDIA driver stays the system's, and ONNX
# Runtime's own libraries come from onnxruntime.native.path as the slimmed jar requires).
#   1. layout: locate each library the preload plan names, write the three jars, and say what the system's loader
#      would find by itself (ldconfig -p), which must not be the CUDA 12 / TensorRT 10 sonames.
#   2. control: Backends with neither the jars nor LD_LIBRARY_PATH: the GPU backends must be unavailable and name
#      a library.
#   3. redist: Backends with the jars (first JVM: JavaCPP extracts them, timed), backend-ort's preload at DEBUG to show
#      each file it loaded; then the benchmark on models/mlp_tiny.onnx on ort-cuda, ort-tensorrt and tensorrt (with and
#      without CUDA graphs), each checked against ort-cpu.
#   4. tests (when .gpu/test was carried): the GPU contract tests of the three backends and of CUDA graphs, same class
#      path, no LD_LIBRARY_PATH.
#   5. old-runtime: the jars without the cuda-redist one: ort-cuda must be unavailable, naming libcudart.so.12 and
#      org.bytedeco:cuda-redist.
# Knobs: DRIVER_ONLY_STEPS (default "layout control redist tests old-runtime"), DRIVER_ONLY_DIR
# (/tmp/infer4j-driver-only), DRIVER_ONLY_TESTS (class-name regex of step 4), DRIVER_ONLY_TIMEOUT (s per JVM, 300).
# Writes $OUT/driver-only.txt (the console of every step) and $OUT/driver-only-tests.log; the last line printed,
# "driver-only summary: ...", says what each step found.
DRIVER_ONLY_STEPS=${DRIVER_ONLY_STEPS:-layout control redist tests old-runtime}
DO_DIR=${DRIVER_ONLY_DIR:-/tmp/infer4j-driver-only}
DO_TESTS=${DRIVER_ONLY_TESTS:-'^org\.infer4j\.(ort\.(OrtCudaContractTest|OrtTensorRtContractTest)|tensorrt\.TensorRtContractTest|cudagraphs\.TensorRtGraphsContractTest)$'}
DO_LOG=$OUT/driver-only.txt
JUNIT_JAR=.gpu/test/junit-platform-console-standalone-1.11.3.jar
do_layout=- do_control=- do_redist=- do_tests=- do_old=-

# The files the preload plan loads (backend-ort's RedistLibraries), by the artifact whose jar holds them.
DO_CUDA_REDIST_FILES="libcudart.so.12"
DO_CUDA_FILES="libcublasLt.so.12 libcublas.so.12 libcurand.so.10 libcudnn.so.9 libcudnn_graph.so.9
  libcudnn_engines_precompiled.so.9 libcudnn_engines_runtime_compiled.so.9 libcudnn_heuristic.so.9 libcudnn_ops.so.9
  libcudnn_adv.so.9 libcudnn_cnn.so.9 libnvrtc-builtins.so.12.6 libnvrtc.so.12"
DO_TENSORRT_FILES="libnvinfer_builder_resource.so.10.6.0 libnvinfer.so.10 libnvinfer_plugin.so.10
  libnvinfer_vc_plugin.so.10 libnvonnxparser.so.10"

# Where this machine has NAME: the staged stack first, then the loader's cache, the CUDA toolkit and pip's NVIDIA wheels.
do_locate() {
  local name=$1 found
  [ -e "$GPU_STACK/lib/$name" ] && { readlink -f "$GPU_STACK/lib/$name"; return; }
  found=$(ldconfig -p 2>/dev/null | awk -v n="$name" '$1 == n {print $NF; exit}')
  [ -n "$found" ] && { readlink -f "$found"; return; }
  found=$(find /usr/local/cuda*/lib64 /usr/local/cuda*/targets/x86_64-linux/lib \
    $(python3 -c 'import site; print(" ".join(p + "/nvidia" for p in site.getsitepackages()))' 2>/dev/null) \
    -maxdepth 3 -name "$name" 2>/dev/null | head -1)
  [ -n "$found" ] && readlink -f "$found"
}

# One JVM of the app without LD_LIBRARY_PATH: CLASSPATH, then java's arguments. The JavaCPP cache is the phase's own.
do_java() {
  local cp=$1; shift
  env -u LD_LIBRARY_PATH timeout -k 10 "${DRIVER_ONLY_TIMEOUT:-300}" java -Xmx8g -cp "$cp" \
    -Dorg.bytedeco.javacpp.cachedir="$DO_DIR/javacpp-cache" "$@" 2>&1 | grep -v -E '^\s*$|Picked up JAVA_TOOL_OPTIONS' | cut -c1-400
  return "${PIPESTATUS[0]}"
}

do_jars_cp() { # the app, then the stand-in jars given
  local cp=$APP_CP j
  for j in "$@"; do cp="$cp:$DO_DIR/$j.jar"; done
  echo "$cp"
}

{
echo "=== driver-only ($(date +%T)): $DRIVER_ONLY_STEPS"
if [[ " $DRIVER_ONLY_STEPS " == *" layout "* ]]; then
  rm -rf "$DO_DIR"; mkdir -p "$DO_DIR"
  missing=0
  for artifact in cuda-redist cuda tensorrt; do
    case $artifact in
      cuda-redist) files=$DO_CUDA_REDIST_FILES preset=cuda ;;
      cuda) files=$DO_CUDA_FILES preset=cuda ;;
      tensorrt) files=$DO_TENSORRT_FILES preset=tensorrt ;;
    esac
    : > "$DO_DIR/$artifact.list"
    for name in $files; do
      path=$(do_locate "$name")
      if [ -z "$path" ] && [ "$name" = libnvrtc-builtins.so.12.6 ]; then
        # the stack's NVRTC is 12.9: its builtins stand in under the 12.6 name the preset asks for (loaded by path,
        # they answer libnvrtc 12.9's lookup by their soname, libnvrtc-builtins.so.12.9)
        path=$(ls "$GPU_STACK"/lib/libnvrtc-builtins.so.12.* 2>/dev/null | head -1)
      fi
      if [ -z "$path" ]; then echo "layout: $name not found on this machine"; missing=$((missing + 1)); continue; fi
      echo "$name $path" >> "$DO_DIR/$artifact.list"
      echo "layout: $artifact  $name <- $path ($(du -Lh "$path" | cut -f1))"
    done
    python3 - "$DO_DIR/$artifact.jar" "$artifact" "$preset" "$DO_DIR/$artifact.list" <<'EOF'
import sys, zipfile
jar, artifact, preset, listing = sys.argv[1:]
with zipfile.ZipFile(jar, "w", zipfile.ZIP_STORED, allowZip64=True) as z:
    z.writestr(f"META-INF/maven/org.bytedeco/{artifact}/pom.properties",
               f"groupId=org.bytedeco\nartifactId={artifact}\nversion=staged\n")
    for line in open(listing):
        name, path = line.split()
        z.write(path, f"org/bytedeco/{preset}/linux-x86_64/{name}")
EOF
  done
  ls -la "$DO_DIR"/*.jar
  echo "layout: what the system's loader finds by itself (must not list CUDA 12 or TensorRT 10 sonames):"
  ldconfig -p | grep -E 'libcudart\.so\.12|libcublas(Lt)?\.so\.12|libcudnn\.so\.9|libcurand\.so\.10|libnvinfer\.so\.10|libnvonnxparser\.so\.10|libcuda\.so\.1' \
    | sed 's/^/  /'
  do_layout="$missing libraries not found"
fi

if [[ " $DRIVER_ONLY_STEPS " == *" control "* ]]; then
  echo "=== control: no redist jars, no LD_LIBRARY_PATH ($(date +%T))"
  report=$(do_java "$APP_CP" org.infer4j.Backends)
  echo "$report"
  do_control="$(echo "$report" | grep -c -E '^(ort-cuda|ort-tensorrt|tensorrt) +UNAVAILABLE') of 3 GPU backends unavailable"
fi

if [[ " $DRIVER_ONLY_STEPS " == *" redist "* ]]; then
  echo "=== redist: the stand-in jars, no LD_LIBRARY_PATH, an empty JavaCPP cache ($(date +%T))"
  rm -rf "$DO_DIR/javacpp-cache"
  start=$(date +%s)
  report=$(do_java "$(do_jars_cp cuda-redist cuda tensorrt)" -Dorg.slf4j.simpleLogger.log.org.infer4j.ort.internal.RedistPreload=debug \
    org.infer4j.Backends)
  echo "$report"
  echo "first JVM (JavaCPP extracting the jars): $(( $(date +%s) - start )) s; cache $(du -sh "$DO_DIR/javacpp-cache" 2>/dev/null | cut -f1)"
  available=$(echo "$report" | grep -c -E '^(ort-cuda|ort-tensorrt|tensorrt) +available')
  start=$(date +%s)
  do_java "$(do_jars_cp cuda-redist cuda tensorrt)" org.infer4j.Backends > /dev/null
  echo "second JVM (cache filled): $(( $(date +%s) - start )) s"
  do_java "$(do_jars_cp cuda-redist cuda tensorrt)" org.infer4j.bench.Benchmark --model models/mlp_tiny.onnx \
    --backend ort-cuda,ort-tensorrt,tensorrt --cuda-graphs off,on --warmup 5 --iterations 20 --out "$RESULTS/driver-only"
  bench=$?
  do_redist="$available of 3 GPU backends available, benchmark exit status $bench"
fi

if [[ " $DRIVER_ONLY_STEPS " == *" tests "* ]]; then
  if [ -f "$JUNIT_JAR" ]; then
    echo "=== tests: GPU contract tests with the stand-in jars, no LD_LIBRARY_PATH ($(date +%T))"
    env -u LD_LIBRARY_PATH timeout -k 10 "${DRIVER_ONLY_TIMEOUT:-300}" java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
      -Dorg.bytedeco.javacpp.cachedir="$DO_DIR/javacpp-cache" -jar "$JUNIT_JAR" execute \
      --class-path "$TEST_CP:$DO_DIR/cuda-redist.jar:$DO_DIR/cuda.jar:$DO_DIR/tensorrt.jar" --scan-class-path "$TEST_ROOTS" \
      --include-classname "$DO_TESTS" --disable-banner --disable-ansi-colors --details=summary > "$OUT/driver-only-tests.log" 2>&1
    echo "tests exit status $?"
    grep -E "tests (successful|failed|skipped|aborted)" "$OUT/driver-only-tests.log"
    do_tests=$(grep -E "tests (successful|failed|skipped)" "$OUT/driver-only-tests.log" | tr -s ' []' ' ' | tr '\n' ',')
  else
    echo "=== tests: skipped, .gpu/test was not carried"
  fi
fi

if [[ " $DRIVER_ONLY_STEPS " == *" old-runtime "* ]]; then
  echo "=== old-runtime: without the cuda-redist jar (CUDA 12.9's runtime), no LD_LIBRARY_PATH ($(date +%T))"
  # the cuda jar gets the runtime too, as the real org.bytedeco:cuda redist jar has its CUDA 12.6 one
  cp "$DO_DIR/cuda.jar" "$DO_DIR/cuda-with-runtime.jar"
  python3 - "$DO_DIR/cuda-with-runtime.jar" "$(do_locate libcudart.so.12)" <<'EOF'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "a", zipfile.ZIP_STORED, allowZip64=True) as z:
    z.write(sys.argv[2], "org/bytedeco/cuda/linux-x86_64/libcudart.so.12")
EOF
  report=$(do_java "$(do_jars_cp cuda-with-runtime tensorrt)" org.infer4j.Backends)
  echo "$report"
  do_old=$(echo "$report" | grep -q "libcudart.so.12 is not on the class path in the jar of org.bytedeco:cuda-redist" \
    && echo "ort-cuda names libcudart.so.12 and cuda-redist" || echo "ort-cuda did NOT name libcudart.so.12 and cuda-redist")
fi
echo "driver-only summary: layout: $do_layout; control: $do_control; redist: $do_redist; tests: $do_tests; old-runtime: $do_old" \
  "(-: step not run)"
} 2>&1 | tee "$DO_LOG" | tail -60
