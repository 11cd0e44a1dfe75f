#!/bin/sh
# Issue 25's window figures (BENCHMARKS.md, "Compare view and preview"):
# the real window's compare view on a finished 1080p job, on a virtual X
# screen (Xvfb, openbox, the machine's software renderer), driven by
# xdotool. Per round, a fresh window is opened on a job store holding the
# finished job; then
#  - scrub: SCRUBS clicks on the time slider at spread places (a fixed sequence),
#    each waited for: from the window's seek to both exact pictures on
#    screen (the frame that first draws them), as the window writes them
#    (VIDPRISM_UI_STATS, src/ui/systems/ui_stats.rs); and to a first
#    picture on both sides (the keyframe before, shown while the exact one
#    decodes);
#  - play at 1:1: zoom 1:1, play PLAY_S seconds from the start: pictures
#    shown a second on each side (new exact pictures drawn) and the window
#    process's CPU (all its threads: UI, decoders, the renderer), in % of
#    one core.
# Prints each round's figures and their medians over ROUNDS rounds, and
# the load average before and after.
#
# The source (60 s 1080p30 testsrc2, x264 veryfast CRF 20) and its 1080p
# rendition (CRF 26) are made by the ffmpeg CLI once into WORK; the job is
# recorded as finished by the engine's `finished_job` example (no encode
# in the window). Settings, data and figures are all inside WORK.
#
# Usage: bench-compare-window.sh [BIN]   (default target/release/vidprism,
# built). Needs ffmpeg, Xvfb, openbox, xdotool (scripts/setup.sh).
set -eu
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5}
SCRUBS=${SCRUBS:-50}
PLAY_S=${PLAY_S:-10}
WORK=$PWD/target/bench/compare-window
for tool in ffmpeg Xvfb openbox xdotool; do
  command -v "$tool" >/dev/null || { echo "bench-compare-window: needs $tool (scripts/setup.sh)" >&2; exit 1; }
done
if [ $# -ge 1 ]; then
  BIN=$1
else
  cargo build --release --quiet --bin vidprism
  BIN=target/release/vidprism
fi
BIN=$(realpath "$BIN")
cargo build --release --quiet --workspace --example finished_job
FINISHED=$(realpath target/release/examples/finished_job)

mkdir -p "$WORK"
if [ ! -s "$WORK/rendition.mp4" ]; then
  ffmpeg -hide_banner -v error -y -f lavfi -i testsrc2=s=1920x1080:r=30:d=60 \
    -c:v libx264 -preset veryfast -crf 20 -pix_fmt yuv420p "$WORK/source.mp4"
  ffmpeg -hide_banner -v error -y -i "$WORK/source.mp4" \
    -c:v libx264 -preset veryfast -crf 26 "$WORK/rendition.mp4"
fi

display=99
while [ -e "/tmp/.X$display-lock" ]; do display=$((display + 1)); done
export DISPLAY=":$display"
Xvfb "$DISPLAY" -screen 0 1280x800x24 -nolisten tcp >"$WORK/xvfb.log" 2>&1 &
xvfb=$!
app=""
wm=""
trap 'for p in $app $wm $xvfb; do kill "$p" 2>/dev/null || true; done' EXIT INT TERM
sleep 1
openbox >"$WORK/openbox.log" 2>&1 &
wm=$!
sleep 1

ms() { date +%s%3N; }
# click X Y: the pointer there, then a click once the window saw it hover
# (a press in the same frame as the move can miss the control), held a
# little (a slider takes the press, not a click within one frame).
click() {
  xdotool mousemove --window "$wid" "$1" "$2"
  sleep 0.3
  xdotool mousedown 1
  sleep 0.4
  xdotool mouseup 1
}
seeks() { grep -c '"event":"seek"' "$STATS" 2>/dev/null || true; }
# scrub X Y N: clicks the slider there until the window's Nth seek (a click
# the busy window missed is clicked again, up to 5 times).
scrub() {
  tries=0
  while [ "$(seeks)" -lt "$3" ]; do
    [ $tries -lt 5 ] || { echo "bench-compare-window: the slider never moved" >&2; exit 1; }
    click "$1" "$2"
    j=0
    while [ $j -lt 20 ] && [ "$(seeks)" -lt "$3" ]; do sleep 0.1; j=$((j + 1)); done
    tries=$((tries + 1))
  done
}
# A JSON field of the stats lines (flat objects, as ui_stats writes them).
FIELD='function field(line, key,   v) {
  if (!match(line, "\"" key "\":(\"[^\"]*\"|[^,}]*)")) return ""
  v = substr(line, RSTART + length(key) + 3, RLENGTH - length(key) - 3)
  gsub(/"/, "", v); return v }'
# place NAME: "x y x0 x1": the centre of the control NAME and its left and
# right, once the window wrote where it is (waits up to 60 s).
place() {
  i=0
  while [ $i -lt 1200 ]; do
    at=$(awk -v name="$1" "$FIELD"'
      field($0, "event") == "place" && field($0, "name") == name {
        split(substr($0, index($0, "[") + 1), r, /[],]/)
        x = int((r[1] + r[3]) / 2); y = int((r[2] + r[4]) / 2); x0 = int(r[1]); x1 = int(r[3]) }
      END { if (x != "") print x, y, x0, x1 }' "$STATS" 2>/dev/null || true)
    [ -n "$at" ] && { echo "$at"; return; }
    sleep 0.05; i=$((i + 1))
  done
  echo "bench-compare-window: the window never showed $1" >&2; exit 1
}
# settled N: waits (up to 60 s) until the window's Nth seek has both exact
# pictures shown.
settled() {
  i=0
  while [ $i -lt 1200 ]; do
    done=$(awk -v n="$1" "$FIELD"'
      field($0, "event") == "seek" { seeks++; t = field($0, "time_s"); got[0] = got[1] = 0 }
      seeks == n && field($0, "event") == "shown" && field($0, "exact") == "true" \
        && field($0, "view_s") == t { got[field($0, "side")] = 1 }
      END { print (seeks >= n && got[0] && got[1]) ? 1 : 0 }' "$STATS" 2>/dev/null || true)
    [ "$done" = 1 ] && return
    sleep 0.05; i=$((i + 1))
  done
  echo "bench-compare-window: seek $1 never showed both exact pictures" >&2; exit 1
}

# round N: one window, SCRUBS scrubs then PLAY_S s of play; appends its
# figures to $WORK/rounds.
round() {
  rn=$1
  STATS=$WORK/stats-$rn.jsonl
  rm -rf "$WORK/data" "$WORK/config" "$STATS"
  mkdir -p "$WORK/data" "$WORK/config/vidprism"
  echo "{ \"output_dir\": \"$WORK/out\", \"presets\": [\"web\"] }" >"$WORK/config/vidprism/settings.json"
  "$FINISHED" "$WORK/data" "$WORK/source.mp4" "$WORK/rendition.mp4" 1080p
  XDG_CONFIG_HOME="$WORK/config" VIDPRISM_CONFIG_DIR="$WORK/config/vidprism" \
    VIDPRISM_DATA_DIR="$WORK/data" VIDPRISM_UI_STATS="$STATS" \
    "$BIN" >"$WORK/window.log" 2>&1 &
  app=$!
  wid=$(xdotool search --sync --name '^VidPrism$' | head -n 1)
  xdotool windowactivate --sync "$wid" 2>/dev/null || true
  # An empty spot of the row (its middle has controls of its own).
  at=$(place "row source.mp4"); [ -n "$at" ] || exit 1
  set -- $at
  click "$(awk -v a="$3" -v b="$4" 'BEGIN { printf "%d", a + 0.75 * (b - a) }')" "$(($2 + 20))"
  at=$(place "Compare 1080p with the source"); [ -n "$at" ] || exit 1
  set -- $at
  click "$1" "$2"
  at=$(place "time slider"); [ -n "$at" ] || exit 1
  set -- $at
  y=$2 x0=$3 x1=$4
  sleep 2
  # Places along the slider's rail, spread over it: the golden ratio's
  # multiples (a fixed sequence that never comes back to a place). The
  # slider's place includes its time text at the right, about 65 pixels.
  n=0
  while [ $n -lt "$SCRUBS" ]; do
    x=$(awk -v i="$n" -v a="$x0" -v b="$x1" 'BEGIN { f = (i + 1) * 0.6180339887; f -= int(f)
      printf "%d", a + 4 + (b - a - 80) * f }')
    n=$((n + 1))
    scrub "$x" "$y" $n
    settled $n
  done
  xdotool key 1 Home
  settled $((n + 1))
  sleep 1
  at=$(place "Play"); [ -n "$at" ] || exit 1
  set -- $at
  xdotool mousemove --window "$wid" "$1" "$2"
  sleep 0.3
  cpu0=$(awk '{ print $14 + $15 }' "/proc/$app/stat")
  start=$(ms)
  xdotool mousedown 1 sleep 0.4 mouseup 1 mousemove 1279 799
  sleep "$PLAY_S"
  cpu1=$(awk '{ print $14 + $15 }' "/proc/$app/stat")
  stop=$(ms)
  kill "$app" 2>/dev/null || true
  wait "$app" 2>/dev/null || true
  app=""
  tick=$(getconf CLK_TCK)
  awk -v scrubs="$SCRUBS" -v start="$start" -v stop="$stop" -v cpu="$((cpu1 - cpu0))" \
    -v tick="$tick" -v round="$rn" "$FIELD"'
    function median(a, n,   i, j, t) {
      for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j > 0 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
      return a[int((n + 1) / 2)] }
    field($0, "event") == "seek" && seeks < scrubs {
      seeks++; t = field($0, "time_s"); at = field($0, "ms"); got[0] = got[1] = ""; open = 1
      any[0] = any[1] = ""; first = 1 }
    first && field($0, "event") == "shown" && field($0, "view_s") == t {
      if (any[field($0, "side")] == "") any[field($0, "side")] = field($0, "ms")
      if (any[0] != "" && any[1] != "") { early[++e] = (any[0] > any[1] ? any[0] : any[1]) - at; first = 0 } }
    open && field($0, "event") == "shown" && field($0, "exact") == "true" && field($0, "view_s") == t {
      got[field($0, "side")] = field($0, "ms")
      if (got[0] != "" && got[1] != "") {
        lat[++m] = (got[0] > got[1] ? got[0] : got[1]) - at; open = 0 } }
    field($0, "event") == "shown" && field($0, "exact") == "true" && field($0, "ms") >= start && field($0, "ms") <= stop {
      shown[field($0, "side")]++ }
    END {
      s = (stop - start) / 1000
      for (i = 1; i <= m; i++) sorted[i] = lat[i]
      min = max = lat[1]; for (i = 1; i <= m; i++) { if (lat[i] < min) min = lat[i]; if (lat[i] > max) max = lat[i] }
      printf "%d %.0f %.0f %.0f %.1f %.1f %.0f %.0f\n", round, median(sorted, m), min, max,
        shown[0] / s, shown[1] / s, 100 * cpu / tick / s, median(early, e) }' "$STATS" >>"$WORK/rounds"
  tail -n 1 "$WORK/rounds"
}

rm -f "$WORK/rounds"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "round scrub-median-ms min max play-source-pps play-rendition-pps window-cpu-% first-picture-median-ms"
r=1
while [ $r -le "$ROUNDS" ]; do
  round $r
  r=$((r + 1))
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
med() { cut -d' ' -f"$1" "$WORK/rounds" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "medians of $ROUNDS rounds: scrub to both exact pictures $(med 2) ms (of $SCRUBS each)," \
  "to a picture on both sides (the keyframe before, or exact) $(med 8) ms;" \
  "play at 1:1 $(med 5) / $(med 6) pictures a second (source / rendition), window CPU $(med 7) % of a core"
