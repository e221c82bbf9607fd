#!/usr/bin/env bash
# Runs HERE (no GPU needed): builds infer4j and lays out what a GPU-machine call carries.
#   .gpu/app   the runtime class path: every module jar and its dependencies, with the natives
#              stripped from the ONNX Runtime jar (the staged GPU stack provides them)
#   .gpu/test  the test classes of every module and the test dependencies, for the JUnit console
# Then send the stack (../shared/gpu/stage.sh makes .gpu/parts, scripts/gpu/split-parts.sh cuts them into .gpu/pieces,
# small enough to travel beside the repository) and carry .gpu/app and .gpu/test; see run.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
# The modules that run on the GPU machine: the libraries and the benchmark tool. Not the BOM (nothing to run) nor
# consumer-cpu-test (no jar, and its CPU-only ONNX Runtime would sit beside the GPU one in .gpu/app), nor the examples,
# which run on the CPU in CI; a new library module joins this list. An example's GPU test is added by name (see
# examples/README.md). MODULES="inference-api backend-ort" limits the build to those modules (and what they need).
MODULES=${MODULES:-inference-api backend-ort backend-tensorrt backend-cuda-graphs metrics infer4j-bench}
mvn -B -q install -DskipTests -pl "$(echo $MODULES | tr ' ' ,)" -am
rm -rf .gpu/app .gpu/test
mkdir -p .gpu/app .gpu/test
for m in $MODULES; do
  mvn -B -q dependency:copy-dependencies -pl "$m" -DincludeScope=runtime -DexcludeGroupIds=org.infer4j \
    -DoutputDirectory="$PWD/.gpu/app"
  ls "$m"/target/*.jar | grep -v -E -- "-(tests|sources|javadoc).jar$" | xargs -I{} cp {} .gpu/app/
  if [ -d "$m/target/test-classes" ]; then
    # one folder per module directly under .gpu/test (run.sh lists .gpu/test/*/): examples/engine-cache -> examples-engine-cache
    t=".gpu/test/${m//\//-}"
    mkdir -p "$t" && cp -r "$m/target/test-classes/." "$t/"
    mvn -B -q dependency:copy-dependencies -pl "$m" -DincludeScope=test -DexcludeGroupIds=org.infer4j -DoutputDirectory="$PWD/.gpu/test/lib"
  fi
done
mvn -B -q dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:1.11.3 \
  -DoutputDirectory="$PWD/.gpu/test"
# the runtime jars are already in app/; keep test/lib to what tests add
for j in .gpu/test/lib/*.jar; do
  if [ -e ".gpu/app/$(basename "$j")" ]; then rm "$j"; fi
done
rm -f .gpu/test/lib/junit-jupiter*.jar .gpu/test/lib/junit-platform*.jar .gpu/test/lib/opentest4j*.jar .gpu/test/lib/apiguardian*.jar
../shared/gpu/slim-classpath.sh .gpu/app
du -sh .gpu/app .gpu/test
