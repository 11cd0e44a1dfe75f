#!/bin/sh
# Issue 24's scoring cost: the transcode of the web ladder (W1: the 10 s
# 1080p bench clip of scripts/bench-sources.sh) with score = "off",
# "sampled" and "full" (examples/score_cost.rs: the built-in web preset's
# rungs, scored as asked), alternating, ROUNDS rounds (default 5). Prints the
# median wall and CPU time of each, the ratios against off, and each rung's
# sampled SSIM and PSNR against the full ones.
set -eu
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5}
WORK=target/bench-quality
BIN=${BIN:-target/release/examples/score_cost}
command -v /usr/bin/time >/dev/null || { echo "bench: needs GNU time (apt install time)" >&2; exit 1; }
[ -x "$BIN" ] || cargo build --release --quiet --example score_cost
SRC=$(sh scripts/bench-sources.sh target/bench/sources | tail -1)/src-1080p-10s.mp4
mkdir -p "$WORK"

run() { # mode
  out="$WORK/out-$1"
  rm -rf "$out"
  /usr/bin/time -f "%e %U %S" -o "$WORK/time.tmp" "$BIN" "$SRC" "$1" "$out" \
    >"$WORK/$1.json" 2>"$WORK/$1.stderr" || { echo "bench: $1 failed:"; cat "$WORK/$1.stderr"; exit 1; }
  awk '{printf "%s %.2f\n", $1, $2 + $3}' "$WORK/time.tmp" >>"$WORK/$1.times"
}

rm -f "$WORK"/*.times
i=0
while [ $i -lt "$ROUNDS" ]; do
  for mode in off sampled full; do run "$mode"; done
  i=$((i + 1))
done

median() { # file column
  cut -d' ' -f"$2" "$1" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
echo "W1 (web ladder transcode, 10 s 1080p), median of $ROUNDS alternating rounds ($(nproc) cores)"
printf "%-8s %8s %8s %10s %10s\n" score wall_s cpu_s wall/off cpu/off
w0=$(median "$WORK/off.times" 1); c0=$(median "$WORK/off.times" 2)
for mode in off sampled full; do
  w=$(median "$WORK/$mode.times" 1); c=$(median "$WORK/$mode.times" 2)
  printf "%-8s %8s %8s %10.3f %10.3f\n" "$mode" "$w" "$c" "$(echo "$w / $w0" | bc -l)" "$(echo "$c / $c0" | bc -l)"
done
echo "rounds (wall cpu):"; for mode in off sampled full; do echo "$mode: $(tr '\n' ',' <"$WORK/$mode.times")"; done
echo
echo "per rung (last round): sampled against full"
for r in 1080p 720p 480p 360p; do
  field() { grep "\"rendition\":\"$r\"" "$WORK/$1.json" | sed "s/.*\"$2\":\([0-9.]*\).*/\1/"; }
  printf "%6s SSIM sampled %s full %s diff %+.5f; PSNR sampled %s full %s\n" "$r" \
    "$(field sampled ssim)" "$(field full ssim)" "$(echo "$(field sampled ssim) - $(field full ssim)" | bc -l)" \
    "$(field sampled psnr)" "$(field full psnr)"
done
