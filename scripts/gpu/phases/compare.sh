# Phase of scripts/gpu/run.sh (sourced; APP_CP, MODELS, RESULTS, OUT and app_java come from it): issue 3's "within 5 % of
# ort-tensorrt" measured on a noisy VM. Per model, batch 1: ort-cpu and ort-cuda FP32 once (issue 2's agreement
# check), then ort-tensorrt and tensorrt FP16 in COMPARE_ROUNDS alternating rounds (A B, B A, A B, ...), each
# backend COMPARE_SECONDS per round, so that drift of the machine hits both alike. The first round builds the
# engines (build time is reported apart; steady state is measured after it); later rounds start from the cache.
# Knobs: COMPARE_MODELS (default resnet50 gru), COMPARE_ROUNDS (4), COMPARE_SECONDS (3).
# JSON per run in $RESULTS/compare/NAME/; console and the pooled summary in $OUT/compare.txt.
COMPARE_MODELS=${COMPARE_MODELS:-resnet50 gru}
COMPARE_ROUNDS=${COMPARE_ROUNDS:-4}
COMPARE_SECONDS=${COMPARE_SECONDS:-3}

compare_bench() {
  app_java org.infer4j.bench.Benchmark --warmup 500 --batch 1 --duration "${COMPARE_SECONDS}s" "$@"
}

for name in $COMPARE_MODELS; do
  model="$MODELS/$name.onnx"
  [ -f "$model" ] || { echo "no $model: run the models phase first"; continue; }
  dir="$RESULTS/compare/$name"
  mkdir -p "$dir"
  echo "=== $name: ort-cpu, ort-cuda FP32 ($(date +%T))"
  compare_bench --model "$model" --backend ort-cpu,ort-cuda --precision FP32 --out "$dir"
  for round in $(seq 1 "$COMPARE_ROUNDS"); do
    order=$([ $((round % 2)) = 1 ] && echo ort-tensorrt,tensorrt || echo tensorrt,ort-tensorrt)
    echo "=== $name: round $round, $order FP16 ($(date +%T))"
    compare_bench --model "$model" --backend "$order" --precision FP16 --out "$dir"
  done
  python3 - "$dir" <<'PY'
import glob, json, statistics, sys
runs = {}
for f in sorted(glob.glob(sys.argv[1] + "/*.json")):
    d = json.load(open(f))
    if d.get("precision") == "FP16":
        runs.setdefault(d["backend"], []).append(d)
if set(runs) >= {"tensorrt", "ort-tensorrt"}:
    for stat in ("mean", "median", "p99"):
        per = {b: [r["latency_us"][stat] for r in rs] for b, rs in runs.items()}
        ratio = statistics.median(per["tensorrt"]) / statistics.median(per["ort-tensorrt"])
        print(f"{stat:6s} per round: tensorrt {[round(v, 1) for v in per['tensorrt']]}, "
              f"ort-tensorrt {[round(v, 1) for v in per['ort-tensorrt']]}; tensorrt/ort-tensorrt of the medians {ratio:.3f}")
PY
done 2>&1 | tee -a "$OUT/compare.txt"
