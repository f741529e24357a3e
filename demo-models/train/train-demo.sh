#!/usr/bin/env bash
# Builds the trained story pair from nothing: corpus, tokenizer, target,
# distilled draft, GGUF files, and the checks. `npm run train-demo`.
#
# Needs Debian's torch with OpenBLAS (apt-get install -y python3-torch libopenblas0-pthread)
# and, for the checks, wamerican. Training runs at the lowest CPU priority, so it only
# takes time other work leaves; each stage is skipped when its output exists, and the
# training stages resume from their checkpoints, so an interrupted run is simply rerun.
# Delete .cache/demo-training to start over.
set -euo pipefail
cd "$(dirname "$0")/../.."
CACHE=.cache/demo-training
PYTHON=/usr/bin/python3   # Debian's, which has python3-torch (not a pyenv one)
export PYTHONDONTWRITEBYTECODE=1   # no __pycache__ beside the scripts
TRAIN=demo-models/train
mkdir -p "$CACHE"
step () { echo "== $*"; }

[ -f "$CACHE/corpus-train.jsonl" ] || { step corpus; nice -n 19 $PYTHON $TRAIN/build_corpus.py "$CACHE/corpus-train.jsonl" 30000 1; }
[ -f "$CACHE/corpus-valid.jsonl" ] || nice -n 19 $PYTHON $TRAIN/build_corpus.py "$CACHE/corpus-valid.jsonl" 600 2
[ -f "$CACHE/tokenizer.json" ] || { step tokenizer; nice -n 19 $PYTHON $TRAIN/train_tokenizer.py "$CACHE/corpus-train.jsonl" "$CACHE/tokenizer.json" 2048; }
[ -f "$CACHE/prompts.json" ] || { step tokenize; nice -n 19 npx tsx $TRAIN/tokenize-corpus.ts "$CACHE"; }
[ -f "$CACHE/target.pt" ] || { step target; nice -n 19 $PYTHON $TRAIN/train_target.py "$CACHE"; }
[ -f "$CACHE/draft.pt" ] || { step draft; nice -n 19 $PYTHON $TRAIN/distill_draft.py "$CACHE"; }
step export; nice -n 19 $PYTHON $TRAIN/export_weights.py "$CACHE"
nice -n 19 npx tsx $TRAIN/export-gguf.ts "$CACHE" demo-models
step verify; nice -n 19 npx tsx $TRAIN/verify-gguf.ts "$CACHE" demo-models
