# Phase of scripts/gpu/run.sh (sourced; APP_CP, MODELS, RESULTS, OUT and app_java come from it): issue 5, the benchmark
# as a study. One chunk per device call (each must fit 10 minutes): STUDY_CHUNK=N bash scripts/gpu/run.sh study
# (a fresh machine needs `run.sh models study`: the models phase exports the ONNX files and PyTorch's NAME.json
# beside them, which the benchmark shows as PyTorch's peer column; add its time to the chunk's).
# Engine builds dominate. A machine seeded with the timing caches of an earlier one (keep.sh, run.sh) builds far faster
# than a cold one (H100, FP16, cold: resnet50 ~90 s per TensorRT engine, distilbert/bert_base ~80 s at S=128). Times
# measured on 2026-11-25d with seeded caches (the whole study: 24 min 21 s on one machine, chunks 2-10 then 1):
#   1  mlp cnn gru: ort-cuda FP32, ort-tensorrt and tensorrt (graphs off,on) FP32+FP16, batch 1,8,32   4 min 17 s
#   2  resnet50 FP16: ort-cuda FP32, ort-tensorrt FP16, tensorrt FP16 graphs off,on, batch 1,8,32      3 min 54 s
#   3  resnet50 FP32: ort-tensorrt, tensorrt graphs off,on, batch 1,8,32                               55 s
#   4  distilbert FP16: ort-cuda FP32, ort-tensorrt, tensorrt graphs off,on; batch 1,8,32 x seq 32..512  3 min 37 s
#   5  distilbert FP32: ort-tensorrt, tensorrt graphs off,on; same workloads                            1 min 47 s
#   6  bert_base FP16: as 4                                                                             3 min 14 s
#   7  bert_base FP32: as 5                                                                             2 min 17 s
#   8  static vs dynamic profiles: resnet50 tensorrt FP16 batch 1,32 (2 static engines + 1 dynamic)   2 min 4 s
#   9  static vs dynamic profiles: distilbert tensorrt FP16 batch 1,8 seq 128 (2 static + 1 dynamic)    1 min 21 s
#  10  concurrency and fixed rate: resnet50 b1 tensorrt FP16 --threads 1,2,4,8 (closed loop), then
#      --threads 4 --rate 500,1000,2000,3000,4000 (open loop, past capacity); ort-tensorrt --threads 1,4; then where
#      the threads' time goes: the same threads with graphs on (one launch per call instead of one per kernel), and
#      mlp, whose GPU work is too small to contend for the GPU, with graphs off and on                     1 min 34 s
# (8-10 again on a second machine: 3 min 15 s in all.)
#  11  how a call waits for the GPU, on chunk 10's threads: resnet50 b1 tensorrt FP16 --threads 1,2,4,8 polling
#      (the default) and with blockingSync (graphs off and on); mlp the same, graphs off                ~2 min
# Transformer workloads are batch x seq (15 per engine) measured STUDY_SECONDS_T (1 s) each; the others
# STUDY_SECONDS (2 s). Every invocation samples the GPU every 100 ms during each timed window.
# STUDY_CHUNK may list several chunks ("2,4"), run one after the other; a chunk run again starts from an empty
# directory, so a chunk cut short by a time limit is simply run again on a later call.
# Results: $RESULTS/study/chunk-N/ (a JSON per run, results.csv, report.html of the chunk); console in
# $OUT/study-N.txt. The report over all chunks is made where the results land, e.g.
#   java -cp 'infer4j-bench/target/lib/*:infer4j-bench/target/*' org.infer4j.bench.Report --out study/report.html \
#        --pytorch-json models --charts study/charts study/chunk-*
# (sets are named only where a configuration appears in several chunks).
STUDY_CHUNKS=${STUDY_CHUNK:?set STUDY_CHUNK to 1..11 or a list such as 2,4 (see the header of scripts/gpu/phases/study.sh)}
S=${STUDY_SECONDS:-2}
ST=${STUDY_SECONDS_T:-1}
BATCHES=1,8,32
SEQS=32,64,128,256,512

study() {
  JAVA_HEAP=16g app_java org.infer4j.bench.Benchmark --warmup 100 --gpu-sample-period 100ms --out "$DIR" "$@"
}

# ort-cuda runs a model in the precision it was exported in (FP32); the TensorRT-based ones build both.
sweep() { # MODEL PRECISION DURATION [extra args]: ort-tensorrt, then tensorrt with graphs off and on
  local model="$MODELS/$1.onnx" precision=$2 duration=$3; shift 3
  study -m "$model" -b ort-tensorrt --precision "$precision" --duration "$duration" "$@"
  study -m "$model" -b tensorrt --precision "$precision" --cuda-graphs off,on --duration "$duration" "$@"
}

for STUDY_CHUNK in ${STUDY_CHUNKS//,/ }; do
  DIR="$RESULTS/study/chunk-$STUDY_CHUNK"
  rm -rf "$DIR" && mkdir -p "$DIR"
  {
    echo "=== study chunk $STUDY_CHUNK ($(date +%T))"
    case "$STUDY_CHUNK" in
      1) for m in mlp cnn gru; do
           study -m "$MODELS/$m.onnx" -b ort-cuda --precision FP32 --batch $BATCHES --duration "${S}s"
           sweep $m FP32,FP16 "${S}s" --batch $BATCHES
         done ;;
      2) study -m "$MODELS/resnet50.onnx" -b ort-cuda --precision FP32 --batch $BATCHES --duration "${S}s"
         sweep resnet50 FP16 "${S}s" --batch $BATCHES ;;
      3) sweep resnet50 FP32 "${S}s" --batch $BATCHES ;;
      4|6) m=$([ "$STUDY_CHUNK" = 4 ] && echo distilbert || echo bert_base)
         study -m "$MODELS/$m.onnx" -b ort-cuda --precision FP32 --batch $BATCHES --seq-len $SEQS --duration "${ST}s"
         sweep $m FP16 "${ST}s" --batch $BATCHES --seq-len $SEQS ;;
      5|7) m=$([ "$STUDY_CHUNK" = 5 ] && echo distilbert || echo bert_base)
         sweep $m FP32 "${ST}s" --batch $BATCHES --seq-len $SEQS ;;
      8) study -m "$MODELS/resnet50.onnx" -b tensorrt --precision FP16 --batch 1,32 --profile static,dynamic --duration "${S}s" ;;
      9) study -m "$MODELS/distilbert.onnx" -b tensorrt --precision FP16 --batch 1,8 --seq-len 128 --profile static,dynamic \
           --duration "${S}s" ;;
      10) study -m "$MODELS/resnet50.onnx" -b tensorrt --precision FP16 --batch 1 --threads 1,2,4,8 --duration "${S}s"
          study -m "$MODELS/resnet50.onnx" -b tensorrt --precision FP16 --batch 1 --threads 4 \
            --rate 500,1000,2000,3000,4000 --duration "${S}s"
          study -m "$MODELS/resnet50.onnx" -b ort-tensorrt --precision FP16 --batch 1 --threads 1,4 --duration "${S}s"
          study -m "$MODELS/resnet50.onnx" -b tensorrt --precision FP16 --batch 1 --cuda-graphs on --threads 1,2,4,8 \
            --duration "${S}s"
          study -m "$MODELS/mlp.onnx" -b tensorrt --precision FP16 --batch 1 --cuda-graphs off,on --threads 1,2,4,8 \
            --duration "${S}s" ;;
      11) for m in resnet50 mlp; do
            study -m "$MODELS/$m.onnx" -b tensorrt --precision FP16 --batch 1 --threads 1,2,4,8 --duration "${S}s"
            study -m "$MODELS/$m.onnx" -b tensorrt --precision FP16 --batch 1 --threads 1,2,4,8 --duration "${S}s" \
              --option tensorrt:blockingSync=true --cuda-graphs $([ $m = resnet50 ] && echo off,on || echo off)
          done ;;
      *) echo "no study chunk $STUDY_CHUNK: 1..11" ;;
    esac
    echo "=== study chunk $STUDY_CHUNK done ($(date +%T))"
  } 2>&1 | tee -a "$OUT/study-$STUDY_CHUNK.txt"
done
