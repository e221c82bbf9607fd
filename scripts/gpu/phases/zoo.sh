# Phase of scripts/gpu/run.sh (sourced; RESULTS comes from it): exports the conformance zoo to /opt/gpu/zoo
# (models/zoo/zoo.py; the tiny models it ships for CI go to $RESULTS/zoo-ship/), then the diagnostic variants of the
# model named in ZOO_VARIANT (default vit_base_patch16_224; empty: none) to /opt/gpu/zoo-variants (scripts/gpu/zoo_variants.py).
mkdir -p /opt/gpu
PYTHONUNBUFFERED=1 python3 models/zoo/zoo.py /opt/gpu/zoo --ship-dir "$RESULTS/zoo-ship" 2>&1 | grep -v -i warn | cut -c1-300
cp /opt/gpu/zoo/index.json "$RESULTS/zoo-index.json"
for m in ${ZOO_VARIANT-vit_base_patch16_224}; do
  PYTHONUNBUFFERED=1 python3 scripts/gpu/zoo_variants.py /opt/gpu/zoo "$m" /opt/gpu/zoo-variants 2>&1 | grep -v -i warn | cut -c1-600
done
