#!/bin/sh
# What a storyboard costs (issue 15, target: at most 3% more CPU): the web
# ladder on the 60 s 1080p bench clip, as two user presets that differ only
# in `storyboard = { interval_seconds = 5 }` and `poster = "best"`, run
# alternately ROUNDS times (at least 5); prints the median CPU time (user +
# sys of the whole process tree, GNU time) of each and the median of the
# per-round ratios.
#   sh scripts/bench-storyboard.sh BIN WORK ROUNDS SRC60
set -eu
BIN=$1 WORK=$2 ROUNDS=$3 SRC=$4
[ "$ROUNDS" -ge 5 ] || ROUNDS=5
mkdir -p "$WORK/config/presets"
ladder() { # name, extra thumbnail lines
  printf 'name = "%s"\n\n[thumbnail]\n%s\n' "$1" "$2"
  for r in 1080 720 480 360; do
    printf '\n[[renditions]]\nname = "%sp"\ncontainer = "mp4"\nvideo_codec = "h264"\nsize = %s\ncrf = 23\nspeed = "veryfast"\naudio_codec = "aac"\naudio_bitrate_kbps = 128\n' "$r" "$r"
  done
}
ladder web-plain "" >"$WORK/config/presets/web-plain.toml"
ladder web-storyboard 'storyboard = { interval_seconds = 5 }
poster = "best"' >"$WORK/config/presets/web-storyboard.toml"

run() { # preset
  out="$WORK/out-$1"
  rm -rf "$out"; mkdir -p "$out"
  VIDPRISM_CONFIG_DIR="$WORK/config" /usr/bin/time -f "%e %U %S" -o "$WORK/time.tmp" \
    "$BIN" process --preset "$1" --json -o "$out" "$SRC" >"$WORK/$1.json" 2>"$WORK/$1.stderr" \
    || { echo "bench-storyboard: $1 failed:"; cat "$WORK/$1.stderr"; exit 1; }
  awk '{printf "%.2f\n", $2 + $3}' "$WORK/time.tmp"
}

rm -f "$WORK/storyboard.times"
i=0
while [ "$i" -lt "$ROUNDS" ]; do
  # Alternate which goes first, so drift in the machine's speed hits both.
  if [ $((i % 2)) -eq 0 ]; then
    a=$(run web-plain); b=$(run web-storyboard)
  else
    b=$(run web-storyboard); a=$(run web-plain)
  fi
  grep -q '"storyboard_ready"' "$WORK/web-storyboard.json" \
    || { echo "bench-storyboard: no storyboard was made"; exit 1; }
  echo "$a $b $(echo "$b / $a" | bc -l)" >>"$WORK/storyboard.times"
  echo "round $((i + 1)): cpu without $a s, with $b s" >&2
  i=$((i + 1))
done
median() { # column
  cut -d' ' -f"$1" "$WORK/storyboard.times" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
echo "storyboard on the 60 s 1080p clip, web ladder, median of $ROUNDS alternating rounds"
printf "cpu_s without %s, with %s; median ratio %.3f (target <= 1.03)\n" \
  "$(median 1)" "$(median 2)" "$(median 3)"
