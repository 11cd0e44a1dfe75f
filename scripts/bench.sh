#!/bin/sh
# `make bench`: VidPrism against the hand-written ffmpeg reference in
# scripts/ffmpeg-ladder.sh (one process with the split filter, and one process
# per output), on the same sources (scripts/bench-sources.sh), the same
# encoder settings and the same outputs.
# Prints median wall time, CPU time and peak memory of each, the ratios, the
# SSIM of every rendition against the source scaled the same way, the
# thumbnail latency, and memory on the 10 s against the 60 s clip.
set -eu
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
WORK=target/bench
mkdir -p "$WORK"
command -v /usr/bin/time >/dev/null || { echo "bench: needs GNU time (apt install time)" >&2; exit 1; }

cargo build --release --quiet
cargo build --release --quiet --example thumbnail_latency
BIN=target/release/vidprism
SRC_DIR=$(sh scripts/bench-sources.sh "$WORK/sources" | tail -1)
SRC10="$SRC_DIR/src-1080p-10s.mp4"
SRC60="$SRC_DIR/src-1080p-60s.mp4"

# run NAME SRC: times one run of NAME on SRC, appending "wall cpu maxrss_kib"
# to $WORK/NAME.times. GNU time measures the whole process tree.
run() {
  name=$1 src=$2
  out="$WORK/out-$name"
  rm -rf "$out"; mkdir -p "$out"
  case $name in
    vidprism*) set -- "$BIN" process --preset web --json -o "$out" "$src" ;;
    split) set -- sh scripts/ffmpeg-ladder.sh split "$src" "$out" ;;
    seq) set -- sh scripts/ffmpeg-ladder.sh seq "$src" "$out" ;;
  esac
  /usr/bin/time -f "%e %U %S %M" -o "$WORK/time.tmp" "$@" >/dev/null 2>"$WORK/$name.stderr" \
    || { echo "bench: $name failed:"; cat "$WORK/$name.stderr"; exit 1; }
  awk '{printf "%s %.2f %s\n", $1, $2 + $3, $4}' "$WORK/time.tmp" >>"$WORK/$name.times"
}

rm -f "$WORK"/*.times
i=0
while [ $i -lt "$ROUNDS" ]; do
  # Alternate so that drift in the machine's speed hits every side alike.
  run vidprism "$SRC10"
  run split "$SRC10"
  run seq "$SRC10"
  i=$((i + 1))
done
run vidprism60 "$SRC60"

median() { # file column
  cut -d' ' -f"$2" "$1" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
echo
echo "10 s 1080p source, web ladder + thumbnail, median of $ROUNDS (2-core machine: $(nproc) cores)"
printf "%-10s %8s %8s %8s %10s\n" tool wall_s cpu_s cpu/wall peak_MiB
for n in vidprism split seq; do
  w=$(median "$WORK/$n.times" 1); c=$(median "$WORK/$n.times" 2); m=$(median "$WORK/$n.times" 3)
  printf "%-10s %8s %8s %8.2f %10.0f\n" "$n" "$w" "$c" "$(echo "$c / $w" | bc -l)" "$(echo "$m / 1024" | bc -l)"
done
ours_w=$(median "$WORK/vidprism.times" 1)
printf "ratio wall vidprism/split: %.3f (target <= 0.90)\n" "$(echo "$ours_w / $(median "$WORK/split.times" 1)" | bc -l)"
printf "ratio wall vidprism/seq:   %.3f (target <= 0.70)\n" "$(echo "$ours_w / $(median "$WORK/seq.times" 1)" | bc -l)"
m10=$(median "$WORK/vidprism.times" 3); m60=$(median "$WORK/vidprism60.times" 3)
printf "peak memory 10 s: %.0f MiB, 60 s: %.0f MiB (60/10 = %.3f, target <= 1.10; cap 400 MiB)\n" \
  "$(echo "$m10 / 1024" | bc -l)" "$(echo "$m60 / 1024" | bc -l)" "$(echo "$m60 / $m10" | bc -l)"

echo
echo "SSIM against the source scaled the same way (ours vs ffmpeg split)"
for r in 1080 720 480 360; do
  ssim() {
    w=$(ffprobe -v error -select_streams v:0 -show_entries stream=width -of csv=p=0 "$1")
    ffmpeg -v info -i "$1" -i "$SRC10" -lavfi "[1:v]scale=$w:$r[ref];[0:v][ref]ssim" -f null - 2>&1 \
      | sed -n 's/.*SSIM.* All:\([0-9.]*\).*/\1/p'
  }
  a=$(ssim "$WORK/out-vidprism/src-1080p-10s/${r}p.mp4"); b=$(ssim "$WORK/out-split/${r}p.mp4")
  printf "%5sp  vidprism %s  ffmpeg %s  diff %+.4f (target >= -0.002)\n" "$r" "$a" "$b" "$(echo "$a - $b" | bc -l)"
done

echo
echo "thumbnail latency, queued -> thumbnail_ready (ms): idle, with 3 jobs transcoding (target <= 100)"
target/release/examples/thumbnail_latency "$SRC10" "$WORK/out-latency" 3 "$ROUNDS"
rm -rf "$WORK/out-latency"

echo
echo "window with 10,000 rows (release; targets: all added <= 3 s, median frame CPU <= 8 ms, memory <= 300 MiB)"
cargo test --release --quiet --bin vidprism ui::tests::scale::bench_ten_thousand_rows \
  -- --ignored --nocapture 2>/dev/null | grep '^window,'

sh scripts/bench-watch.sh "$BIN" "$WORK/watch" "$ROUNDS"

echo
sh scripts/bench-storyboard.sh "$BIN" "$WORK/storyboard" "$ROUNDS" "$SRC60"
sh scripts/bench-storyboard-thread.sh "$BIN" "$WORK/storyboard-thread" "$SRC60"
# An HDR10 source's web ladder (tone-mapped) against the SDR clip's.
sh scripts/bench-hdr.sh "$BIN" "$WORK" "$((ROUNDS > 5 ? ROUNDS : 5))"

# The job store's cost: bytes per job and `process --store` against `process`.
sh scripts/bench_store.sh

# 1,000 short clips through the real window under Xvfb against `process`.
sh scripts/bench-window.sh "$BIN"
# The stream preset against web (issue 15).
sh scripts/bench-stream.sh "$BIN" "$SRC10" "$WORK/stream" "$ROUNDS"
