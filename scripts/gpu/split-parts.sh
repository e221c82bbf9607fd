#!/usr/bin/env bash
# Runs HERE, once after ../shared/gpu/stage.sh: cuts the stack (.gpu/parts/NN/pNN, about 60 MiB each, joined in
# name order) into pieces as large as a device call leaves room for, one folder each: .gpu/pieces/000/p000,
# .gpu/pieces/001/p001, ...
# Why: a device call carries the whole working tree besides its carried paths, 64 MiB in all, and the committed
# results take part of that. Each piece is 64 MiB less the disk space of what travels anyway (tracked and untracked
# files that git does not ignore) less 6 MiB of margin: 2026-11-30 a 53 MiB piece beside 9 MiB of files (12 MiB on
# disk) and the 1 MiB zstd was refused as over 64 MiB. PIECE_MIB overrides. unpack.sh joins /opt/gpu/parts/p* in name order, and
# p000, p001, ... sort where the parts did.
# Send them one call each, back to back, then the work call (run.sh):
#   carry [".gpu/pieces/NNN"], command: mkdir -p /opt/gpu/parts && cp .gpu/pieces/NNN/* /opt/gpu/parts/
# `ls .gpu/pieces` lists the folders in order.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -d .gpu/parts/00 ] || { echo "no .gpu/parts: run ../shared/gpu/stage.sh first" >&2; exit 1; }
tree_mib=$( (git ls-files -z; git ls-files -z --others --exclude-standard) | du -cm --files0-from=- | tail -1 | cut -f1)
piece_mib=${PIECE_MIB:-$(( 64 - 6 - tree_mib ))}
[ "$piece_mib" -ge 8 ] || { echo "the working tree leaves only ${piece_mib} MiB a call: commit fewer results" >&2; exit 1; }
rm -rf .gpu/pieces
mkdir -p .gpu/pieces/tmp
cat .gpu/parts/*/p[0-9]* | split -b "${piece_mib}M" -d -a 3 - .gpu/pieces/tmp/p
for piece in .gpu/pieces/tmp/p*; do
  n=${piece##*/p}
  mkdir -p ".gpu/pieces/$n" && mv "$piece" ".gpu/pieces/$n/"
done
rmdir .gpu/pieces/tmp
# the first part's other files (unpack.sh, models.py, zstd) travel with the first piece
find .gpu/parts/00 -maxdepth 1 -type f ! -name 'p00' -exec cp -p {} .gpu/pieces/000/ \;
echo "working tree ${tree_mib} MiB on disk, pieces of ${piece_mib} MiB"
echo "$(ls .gpu/pieces | wc -l) pieces: $(ls .gpu/pieces | tr '\n' ' ')"
