#!/bin/sh
# Issue 12 (a), run by `make bench` (bench.sh) or alone: CLIPS short clips
# (320x240, 0.5 s; copies of one clip under different names), thumbnail
# preset, JOBS jobs at once, through the real window on a virtual X screen
# against `vidprism process`, ROUNDS rounds alternating the two; prints each
# run's wall time, the medians and their ratio (target <= 1.10).
#
# The window is started with the clips on its command line and
# VIDPRISM_QUIT_WHEN_DONE=1, which makes it close itself once its queue
# ran; its wall time is from start to exit (opening the window and the
# job store included). Xvfb is started once, before the rounds, so its own
# start is not timed. Settings, data (job store, logs) and outputs are
# fresh for each run and all inside WORK, never the user's.
#
# Usage: bench-window.sh [BIN]   (default target/release/vidprism, built)
# BEFORE=OTHER_BIN also runs another build's window in each round (the
# window before a change), with its own median and ratio.
set -eu
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5}
CLIPS=${CLIPS:-1000}
JOBS=${JOBS:-2}
WORK=$PWD/target/bench/window
for tool in ffmpeg Xvfb /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench-window: needs $tool" >&2; exit 1; }
done
if [ $# -ge 1 ]; then
  BIN=$1
else
  cargo build --release --quiet
  BIN=target/release/vidprism
fi
BIN=$(realpath "$BIN")
BEFORE=${BEFORE:+$(realpath "$BEFORE")}

rm -rf "$WORK"; mkdir -p "$WORK/clips"
ffmpeg -hide_banner -v error -y -f lavfi -i testsrc2=s=320x240:r=25:d=0.5 \
  -c:v libx264 -pix_fmt yuv420p "$WORK/clip.mp4"
i=0
while [ $i -lt "$CLIPS" ]; do cp "$WORK/clip.mp4" "$WORK/clips/clip-$i.mp4"; i=$((i + 1)); done

# One virtual screen for every round; a free display number.
display=99
while [ -e "/tmp/.X$display-lock" ]; do display=$((display + 1)); done
Xvfb ":$display" -screen 0 1280x800x24 -nolisten tcp >"$WORK/xvfb.log" 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true' EXIT INT TERM
sleep 1

# run NAME: one run, appending its wall time to $WORK/NAME.times; NAME is
# window, before (the window of $BEFORE) or process.
run() {
  name=$1
  rm -rf "$WORK/out" "$WORK/data" "$WORK/config"
  mkdir -p "$WORK/config/vidprism" "$WORK/data"
  cat >"$WORK/config/vidprism/settings.json" <<JSON
{ "output_dir": "$WORK/out", "presets": ["thumbnail"], "transcode_jobs": $JOBS }
JSON
  case $1 in
    before)
      set -- env DISPLAY=":$display" VIDPRISM_QUIT_WHEN_DONE=1 "$BEFORE" ;;
    window)
      set -- env DISPLAY=":$display" VIDPRISM_QUIT_WHEN_DONE=1 "$BIN" ;;
    process)
      set -- "$BIN" process --json -p thumbnail -j "$JOBS" -o "$WORK/out" ;;
  esac
  # shellcheck disable=SC2046
  XDG_CONFIG_HOME="$WORK/config" VIDPRISM_CONFIG_DIR="$WORK/config/vidprism" \
    VIDPRISM_DATA_DIR="$WORK/data" /usr/bin/time -f "%e %U %S" -o "$WORK/time.tmp" \
    "$@" "$WORK"/clips/*.mp4 >/dev/null 2>"$WORK/run.stderr" \
    || { echo "bench-window: $name failed:"; cat "$WORK/run.stderr"; exit 1; }
  made=$(find "$WORK/out" -name '*.jpg' | wc -l)
  [ "$made" -eq "$CLIPS" ] || { echo "bench-window: only $made of $CLIPS thumbnails"; exit 1; }
  awk '{printf "%s %.2f\n", $1, $2 + $3}' "$WORK/time.tmp" >>"$WORK/$name.times"
}
rm -f "$WORK"/*.times
i=0
while [ $i -lt "$ROUNDS" ]; do
  run process
  run window
  [ -z "$BEFORE" ] || run before
  i=$((i + 1))
done
median() { cut -d' ' -f"$2" "$1" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
p=$(median "$WORK/process.times" 1); w=$(median "$WORK/window.times" 1)
echo
echo "window vs process, $CLIPS clips 320x240 0.5 s, thumbnail preset, $JOBS jobs at once, median of $ROUNDS alternating rounds"
echo "process runs (wall cpu): $(tr '\n' ' ' <"$WORK/process.times")"
echo "window runs (wall cpu):  $(tr '\n' ' ' <"$WORK/window.times")"
printf "process %ss (cpu %ss), window %ss (cpu %ss), ratio %.3f (target <= 1.10)\n" \
  "$p" "$(median "$WORK/process.times" 2)" "$w" "$(median "$WORK/window.times" 2)" "$(echo "$w / $p" | bc -l)"
if [ -n "$BEFORE" ]; then
  b=$(median "$WORK/before.times" 1)
  echo "before runs (wall cpu):  $(tr '\n' ' ' <"$WORK/before.times")"
  printf "window before %ss (cpu %ss), ratio %.3f\n" \
    "$b" "$(median "$WORK/before.times" 2)" "$(echo "$b / $p" | bc -l)"
fi
rm -rf "$WORK/clips" "$WORK/out"
