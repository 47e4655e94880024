#!/usr/bin/env bash
# Trains (or resumes) the English→Spanish models on the everyday corpus with SentencePiece pieces.
# Training spans sessions: each run writes MODEL.ckpt every 5 minutes and after every epoch, and this
# script resumes from it when it exists (attnviz train --resume). Run it again after an interruption.
#   tools/train_en_es.sh OUTDIR PRESET [THREADS]     e.g. tools/train_en_es.sh /work/runs bahdanau 1
# The shipped files are then made with attnviz convert --float32 --title … --examples … (samples/models/README.md).
set -euo pipefail
out=$1
arch=$2
threads=${3:-1}
bin=${ATTNVIZ:-"$(dirname "$0")/../build/app/attnviz"}
data="$(cd "$(dirname "$0")/.." && pwd)/samples/data/en-es/everyday-train.tsv.gz"
model="$out/en_es_$arch.cbor"
mkdir -p "$out"
if [ -f "$model.ckpt" ]; then
  exec "$bin" train --resume "$model" --threads "$threads" --quiet
fi
common=(--task "file:$data" --tokenizer sentencepiece --pieces 4000 --lr 0.002 --seed 1 --threads "$threads" --quiet -o "$model")
case "$arch" in
  bahdanau)          exec "$bin" train "${common[@]}" --arch bahdanau --hidden 192 --embedding 128 --epochs 8 ;;
  luong)             exec "$bin" train "${common[@]}" --arch luong --hidden 256 --embedding 128 --epochs 8 ;;
  seq2seq_attention) exec "$bin" train "${common[@]}" --arch seq2seq_attention --hidden 256 --embedding 128 --epochs 8 ;;
  seq2seq)           exec "$bin" train "${common[@]}" --arch seq2seq --hidden 256 --embedding 128 --layers 2 --epochs 10 ;;
  gnmt)              exec "$bin" train "${common[@]}" --arch gnmt --hidden 160 --embedding 128 --layers 4 --epochs 8 ;;
  # d_model 192, 4 heads, 3 + 3 layers, ff 384: about 4.5 M weights, 23.6 MB as float32 CBOR, under the 25 MB cap
  # (d_model 256 / ff 512 made a 36 MB file); about 18 min an epoch on one core. --lr is the peak of the warm-up.
  transformer)       exec "$bin" train "${common[@]}" --arch transformer --d-model 192 --heads 4 --encoder-layers 3 \
                       --decoder-layers 3 --ff-size 384 --warmup 4000 --lr 0.001 --epochs 5 ;;
  *) echo "unknown preset $arch" >&2; exit 2 ;;
esac
