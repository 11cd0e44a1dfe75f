#!/bin/sh
# The streaming part of `make bench` (issue 15): the `stream` preset (the
# same 4-rung H.264 ladder as `web`, capped, keyframes forced every 4 s,
# then packaged: CMAF files, playlists, MPD, page) against `web` on the
# same 10 s 1080p clip, alternating in the same run, ROUNDS rounds (at
# least 5); prints each median wall and CPU time and the ratio of the
# median walls (target <= 1.05).
# Usage: bench-stream.sh BIN SRC WORKDIR [ROUNDS]
set -eu
BIN=$1 SRC=$2 WORK=$3 ROUNDS=${4:-5}
[ "$ROUNDS" -ge 5 ] || ROUNDS=5
command -v /usr/bin/time >/dev/null || { echo "bench-stream: needs GNU time (apt install time)" >&2; exit 1; }
mkdir -p "$WORK"
rm -f "$WORK"/web.times "$WORK"/stream.times

run() { # preset
  out="$WORK/out-$1"
  rm -rf "$out"; mkdir -p "$out"
  /usr/bin/time -f "%e %U %S" -o "$WORK/time.tmp" "$BIN" process --preset "$1" --json -o "$out" "$SRC" \
    >"$WORK/$1.events" 2>"$WORK/$1.stderr" || { echo "bench-stream: $1 failed:"; cat "$WORK/$1.stderr"; exit 1; }
  awk '{printf "%s %.2f\n", $1, $2 + $3}' "$WORK/time.tmp" >>"$WORK/$1.times"
}

i=0
while [ $i -lt "$ROUNDS" ]; do
  # Alternate, and swap who goes first each round, so drift in the
  # machine's speed (other jobs on it) hits both alike.
  if [ $((i % 2)) -eq 0 ]; then run web; run stream; else run stream; run web; fi
  i=$((i + 1))
done

median() { # file column
  cut -d' ' -f"$2" "$1" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
echo
echo "stream vs web, 10 s 1080p source, median of $ROUNDS alternating rounds ($(nproc) cores, $BIN)"
printf "%-8s %8s %8s\n" preset wall_s cpu_s
for p in web stream; do
  printf "%-8s %8s %8s\n" "$p" "$(median "$WORK/$p.times" 1)" "$(median "$WORK/$p.times" 2)"
done
printf "ratio wall stream/web: %.3f (target <= 1.05)\n" \
  "$(echo "$(median "$WORK/stream.times" 1) / $(median "$WORK/web.times" 1)" | bc -l)"
printf "ratio cpu stream/web:  %.3f\n" \
  "$(echo "$(median "$WORK/stream.times" 2) / $(median "$WORK/web.times" 2)" | bc -l)"
