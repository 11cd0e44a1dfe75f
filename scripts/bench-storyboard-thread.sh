#!/bin/sh
# The storyboard thread's own CPU time (Linux /proc), on a decode-only pass
# (a preset with a storyboard and no renditions) of SRC: what the storyboard
# adds to any transcode of that source, since the tiles, sprites and poster
# are the same whatever the renditions. Also the whole pass's CPU time (the
# `thumbnail`-like preset's cost).
#   sh scripts/bench-storyboard-thread.sh BIN WORK SRC
set -eu
BIN=$1 WORK=$2 SRC=$3
mkdir -p "$WORK/config/presets"
printf 'name = "storyboard-only"\n\n[thumbnail]\nstoryboard = { interval_seconds = 5 }\nposter = "best"\n' \
  >"$WORK/config/presets/storyboard-only.toml"
out="$WORK/out-storyboard-only"
rm -rf "$out"; mkdir -p "$out"
tick=$(getconf CLK_TCK)
start=$(date +%s.%N)
VIDPRISM_CONFIG_DIR="$WORK/config" "$BIN" process --preset storyboard-only --json -o "$out" "$SRC" \
  >"$WORK/storyboard-only.json" 2>"$WORK/storyboard-only.stderr" &
pid=$!
thread=0 total=0
while kill -0 "$pid" 2>/dev/null; do
  for task in /proc/"$pid"/task/*; do
    if [ "$(cat "$task/comm" 2>/dev/null)" = storyboard ]; then
      # utime and stime, after the command name (which has no spaces here).
      t=$(awk '{print $14 + $15}' "$task/stat" 2>/dev/null || echo 0)
      [ "${t:-0}" -gt "$thread" ] && thread=$t
    fi
  done
  t=$(awk '{print $14 + $15}' /proc/"$pid"/stat 2>/dev/null || echo 0)
  [ "${t:-0}" -gt "$total" ] && total=$t
  sleep 0.2
done
wait "$pid" || { echo "bench-storyboard-thread: the run failed"; cat "$WORK/storyboard-only.stderr"; exit 1; }
grep -q '"storyboard_ready"' "$WORK/storyboard-only.json" || { echo "no storyboard made"; exit 1; }
end=$(date +%s.%N)
printf "storyboard thread cpu %.2f s; decode-only pass cpu %.2f s (at least), wall %.1f s\n" \
  "$(echo "$thread / $tick" | bc -l)" "$(echo "$total / $tick" | bc -l)" "$(echo "$end - $start" | bc -l)"
