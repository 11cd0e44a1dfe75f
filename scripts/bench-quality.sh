#!/bin/sh
# Issue 24's scoring cost: `vidprism process` of the web ladder (W1: the
# 10 s 1080p bench clip of scripts/bench-sources.sh) with score = "off",
# "sampled" and "full" (user presets identical to the built-in `web` but for
# `score`), alternating, ROUNDS rounds (default 5). Prints the median wall and
# CPU time of each, the ratios against off, and each rung's sampled SSIM
# against the full one.
set -eu
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5}
WORK=target/bench-quality
BIN=${BIN:-target/release/vidprism}
command -v /usr/bin/time >/dev/null || { echo "bench: needs GNU time (apt install time)" >&2; exit 1; }
[ -x "$BIN" ] || cargo build --release --quiet
SRC=$(sh scripts/bench-sources.sh target/bench/sources | tail -1)/src-1080p-10s.mp4
mkdir -p "$WORK/config/presets"
for mode in off sampled full; do
  {
    printf 'name = "web-%s"\nscore = "%s"\n' "$mode" "$mode"
    printf 'metadata = "no_location"\naudio_tracks = "first"\nchannels = "stereo"\nsubtitles = "keep"\n'
    for r in 1080 720 480 360; do
      printf '\n[[renditions]]\nname = "%sp"\ncontainer = "mp4"\nvideo_codec = "h264"\nsize = %s\n' "$r" "$r"
      printf 'crf = 23\nspeed = "veryfast"\naudio_codec = "aac"\naudio_bitrate_kbps = 128\n'
    done
  } >"$WORK/config/presets/web-$mode.toml"
done

run() { # mode
  out="$WORK/out-$1"
  rm -rf "$out"; mkdir -p "$out"
  VIDPRISM_CONFIG_DIR="$WORK/config" /usr/bin/time -f "%e %U %S" -o "$WORK/time.tmp" \
    "$BIN" process --json -p "web-$1" -o "$out" "$SRC" >"$WORK/$1.json" 2>"$WORK/$1.stderr" \
    || { echo "bench: $1 failed:"; cat "$WORK/$1.stderr"; exit 1; }
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
echo "W1 (web ladder, 10 s 1080p), median of $ROUNDS alternating rounds ($(nproc) cores)"
printf "%-8s %8s %8s %10s %10s\n" score wall_s cpu_s wall/off cpu/off
w0=$(median "$WORK/off.times" 1); c0=$(median "$WORK/off.times" 2)
for mode in off sampled full; do
  w=$(median "$WORK/$mode.times" 1); c=$(median "$WORK/$mode.times" 2)
  printf "%-8s %8s %8s %10.3f %10.3f\n" "$mode" "$w" "$c" "$(echo "$w / $w0" | bc -l)" "$(echo "$c / $c0" | bc -l)"
done
echo "rounds (wall cpu):"; for mode in off sampled full; do echo "$mode: $(tr '\n' ',' <"$WORK/$mode.times")"; done
echo
echo "SSIM (all planes) per rung: sampled against full (last round)"
for r in 1080p 720p 480p 360p; do
  s=$(grep '"rendition_done"' "$WORK/sampled.json" | grep "\"rendition\":\"$r\"" | sed 's/.*"ssim":\([0-9.]*\).*/\1/')
  f=$(grep '"rendition_done"' "$WORK/full.json" | grep "\"rendition\":\"$r\"" | sed 's/.*"ssim":\([0-9.]*\).*/\1/')
  printf "%6s sampled %s full %s diff %+.5f\n" "$r" "$s" "$f" "$(echo "$s - $f" | bc -l)"
done
