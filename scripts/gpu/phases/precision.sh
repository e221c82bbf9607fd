# Phase of scripts/gpu/run.sh (sourced; APP_CP, MODELS, RESULTS, OUT and app_java come from it): the precision study,
# FP32 vs FP16 vs INT8 (and FP8) on ResNet-50, DistilBERT and BERT-base at batch 1 and a saturating batch, with
# accuracy against FP32 on the same inputs in every result (docs/precision.md). One chunk per device call:
#   PRECISION_CHUNK=N bash scripts/gpu/run.sh precision       (a fresh machine: run.sh models precision)
#   1  resnet50 tensorrt   FP32,FP16,INT8  batch 1,64                 INT8 calibrates; its table is cached
#   2  resnet50 ort-tensorrt FP32,FP16,INT8 batch 1,64                INT8 with chunk 1's table (same machine)
#   3  distilbert tensorrt FP32,FP16,INT8  batch 1,32 x seq 128
#   4  distilbert ort-tensorrt, as 3, with chunk 3's table
#   5  bert_base tensorrt, as 3            6  bert_base ort-tensorrt, as 4
#   7  FP8: scripts/fp8_qdq.py on resnet50 and bert_base (its --check is the accuracy, on ONNX Runtime's CPU, if
#      onnxruntime is installed there), then tensorrt FP8 batch 1 and the saturating batch, timed only
# The reference is tensorrt FP32 (TF32 off: FP32-accurate, and fast enough for 1000 accuracy inputs per run);
# INT8 engines calibrate on PRECISION_CALIBRATION (32) seeded random batches of the first workload's shapes (the
# models have random weights: agreement with FP32 is the measure). PRECISION_SECONDS (3) per timed window,
# PRECISION_ACCURACY (1000) accuracy inputs per run. Results: $RESULTS/precision/chunk-N/; console $OUT/precision-N.txt.
PRECISION_CHUNKS=${PRECISION_CHUNK:?set PRECISION_CHUNK to 1..7 or a list such as 1,2 (see the header of scripts/gpu/phases/precision.sh)}
PS=${PRECISION_SECONDS:-3}
PA=${PRECISION_ACCURACY:-1000}
PC=${PRECISION_CALIBRATION:-32}

precision() { # the reference and accuracy inputs come from REF (tensorrt) and ACC ($PA)
  JAVA_HEAP=16g app_java org.infer4j.bench.Benchmark --warmup 100 --reference "${REF:-tensorrt}" \
    --accuracy-inputs "${ACC:-$PA}" --int8-calibration-batches "$PC" --duration "${PS}s" --out "$DIR" "$@"
}

for PRECISION_CHUNK in ${PRECISION_CHUNKS//,/ }; do
  DIR="$RESULTS/precision/chunk-$PRECISION_CHUNK"
  rm -rf "$DIR" && mkdir -p "$DIR"
  {
    echo "=== precision chunk $PRECISION_CHUNK ($(date +%T))"
    case "$PRECISION_CHUNK" in
      1) precision -m "$MODELS/resnet50.onnx" -b tensorrt --precision FP32,FP16,INT8 --batch 1,64 ;;
      2) precision -m "$MODELS/resnet50.onnx" -b ort-tensorrt --precision FP32,FP16,INT8 --batch 1,64 ;;
      3) precision -m "$MODELS/distilbert.onnx" -b tensorrt --precision FP32,FP16,INT8 --batch 1,32 --seq-len 128 ;;
      4) precision -m "$MODELS/distilbert.onnx" -b ort-tensorrt --precision FP32,FP16,INT8 --batch 1,32 --seq-len 128 ;;
      5) precision -m "$MODELS/bert_base.onnx" -b tensorrt --precision FP32,FP16,INT8 --batch 1,32 --seq-len 128 ;;
      6) precision -m "$MODELS/bert_base.onnx" -b ort-tensorrt --precision FP32,FP16,INT8 --batch 1,32 --seq-len 128 ;;
      7) for m in resnet50 bert_base; do
           python3 scripts/fp8_qdq.py "$MODELS/$m.onnx" "$MODELS/$m.fp8.onnx" --samples 16 --batch 1 --seq-len 128 --check \
             > "$DIR/$m.fp8.json" || { echo "fp8_qdq.py failed on $m"; continue; }
           cat "$DIR/$m.fp8.json"
         done
         # the bench compares a run with the same model file on the reference, and no reference runs the FP8 file
         # as the original FP32 model: fp8_qdq.py's --check (ONNX Runtime CPU) stands for the accuracy here
         REF=none ACC=0 precision -m "$MODELS/resnet50.fp8.onnx" -b tensorrt --precision FP8 --batch 1,64
         REF=none ACC=0 precision -m "$MODELS/bert_base.fp8.onnx" -b tensorrt --precision FP8 --batch 1,32 --seq-len 128 ;;
      *) echo "no precision chunk $PRECISION_CHUNK (1..7)" ;;
    esac
  } 2>&1 | tee "$OUT/precision-$PRECISION_CHUNK.txt"
done
