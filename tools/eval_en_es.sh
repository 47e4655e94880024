#!/usr/bin/env bash
# BLEU of an English→Spanish model on the everyday test split and on the hand-typed held-out set
# (samples/data/en-es/typed.tsv), greedy decoding, sacreBLEU-13a-style tokenization (core/train/bleu.cpp).
#   tools/eval_en_es.sh MODEL.cbor [ATTNVIZ]        # ATTNVIZ defaults to build/app/attnviz
# Prints the BLEU lines and the by-length tables; the translations go to MODEL.{test,typed}.out.
set -euo pipefail
model=$1
bin=${2:-"$(dirname "$0")/../build/app/attnviz"}
data="$(dirname "$0")/../samples/data/en-es"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
zcat "$data/everyday-test.tsv.gz" | cut -f1 > "$tmp/test.en"
zcat "$data/everyday-test.tsv.gz" | cut -f2 > "$tmp/test.es"
grep -v '^#' "$data/typed.tsv" | cut -f1 > "$tmp/typed.en"
grep -v '^#' "$data/typed.tsv" | cut -f2 > "$tmp/typed.es"
for set in test typed; do
  echo "== $set ($(wc -l < "$tmp/$set.en") sentences)"
  "$bin" translate "$model" --file "$tmp/$set.en" --ref "$tmp/$set.es" --buckets 5,10,15,20 > "$model.$set.out"
  echo "<unk> in outputs: $(grep -o '<unk>' "$model.$set.out" | wc -l)"
done
