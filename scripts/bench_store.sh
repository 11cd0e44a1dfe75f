#!/bin/sh
# The job store's cost (issue 12), run by `make bench` (bench.sh) or alone:
# - bytes the store writes per job with 10,000 jobs, thumbnail and web
#   presets (examples/store_bytes.rs; target <= 4 KB);
# - `vidprism process --store` against `process` on CLIPS tiny clips
#   (320x240, 0.5 s), thumbnail preset, median wall time of ROUNDS rounds
#   alternating the two (target <= 1.10x).
set -eu
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5}
CLIPS=${CLIPS:-500}
WORK=target/bench/store
command -v /usr/bin/time >/dev/null || { echo "bench: needs GNU time (apt install time)" >&2; exit 1; }
rm -rf "$WORK"; mkdir -p "$WORK/clips"
cargo build --release --quiet
cargo build --release --quiet --example store_bytes
BIN=target/release/vidprism

echo
echo "job store: bytes written per job with 10,000 jobs (target <= 4096)"
printf "%-10s %8s %14s %10s %10s %14s %14s %8s\n" preset jobs bytes_written bytes/job seconds snapshot_bytes journal_bytes open_s
for preset in thumbnail web; do
  rm -rf "$WORK/data"; mkdir -p "$WORK/data"
  # shellcheck disable=SC2046
  printf "%-10s %8s %14s %10s %10s %14s %14s %8s\n" "$preset" $(target/release/examples/store_bytes 10000 "$preset" "$WORK/data")
done

ffmpeg -hide_banner -v error -y -f lavfi -i testsrc2=s=320x240:r=25:d=0.5 \
  -c:v libx264 -pix_fmt yuv420p "$WORK/clip.mp4"
i=0
while [ $i -lt "$CLIPS" ]; do cp "$WORK/clip.mp4" "$WORK/clips/clip-$i.mp4"; i=$((i + 1)); done

# run NAME: one `process` run over the clips, appending its wall time to
# $WORK/NAME.times; NAME is store (with --store, a fresh store) or plain.
run() {
  rm -rf "$WORK/out" "$WORK/data"
  case $1 in store) flag=--store ;; *) flag= ;; esac
  # shellcheck disable=SC2086
  VIDPRISM_DATA_DIR="$WORK/data" /usr/bin/time -f "%e" -o "$WORK/time.tmp" \
    "$BIN" process $flag --json -p thumbnail -o "$WORK/out" "$WORK"/clips/*.mp4 >/dev/null 2>"$WORK/$1.stderr" \
    || { echo "bench: process $flag failed:"; cat "$WORK/$1.stderr"; exit 1; }
  cat "$WORK/time.tmp" >>"$WORK/$1.times"
}
i=0
while [ $i -lt "$ROUNDS" ]; do
  run plain
  run store
  i=$((i + 1))
done
median() { sort -n "$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
plain=$(median "$WORK/plain.times"); store=$(median "$WORK/store.times")
echo
echo "process vs process --store, $CLIPS clips 320x240 0.5 s, thumbnail preset, median of $ROUNDS alternating rounds"
echo "plain runs: $(tr '\n' ' ' <"$WORK/plain.times")"
echo "store runs: $(tr '\n' ' ' <"$WORK/store.times")"
printf "process %ss, process --store %ss, ratio %.3f (target <= 1.10)\n" "$plain" "$store" "$(echo "$store / $plain" | bc -l)"
rm -rf "$WORK/out" "$WORK/data" "$WORK/clips"
