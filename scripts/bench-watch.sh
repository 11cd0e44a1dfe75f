#!/bin/sh
# The watch-folder part of `make bench` (issue 16): `vidprism watch --json`
# on a folder, measuring
#  1. from the end of a file's last write to its `queued` line (target: the
#     settling time plus 1 s), ROUNDS files one after another;
#  2. with 10,000 files in the folder at start, from the start to the
#     "watching ... (10000 files found" line on stderr, the scan and a stat
#     of every file (target: 2 s).
# Usage: bench-watch.sh BIN WORKDIR [ROUNDS]
set -eu
BIN=$1 WORK=$2 ROUNDS=${3:-5}
SETTLE=2
FILES=10000
rm -rf "$WORK"; mkdir -p "$WORK/in" "$WORK/data" "$WORK/big"
ffmpeg -hide_banner -v error -y -f lavfi -i testsrc2=s=64x48:r=25:d=0.4 \
  -c:v libx264 -preset ultrafast -pix_fmt yuv420p "$WORK/clip.mp4"
now_ms() { date +%s%3N; }

# 1. last write -> queued.
mkfifo "$WORK/events"
VIDPRISM_DATA_DIR="$WORK/data" "$BIN" watch --json --settle $SETTLE -p thumbnail \
  -o "$WORK/out" "$WORK/in" >"$WORK/events" 2>"$WORK/watch.stderr" &
WATCH=$!
: >"$WORK/queued.ms"
while IFS= read -r line; do
  case $line in *'"event":"queued"'*) now_ms >>"$WORK/queued.ms" ;; esac
done <"$WORK/events" &
READER=$!
sleep 1
: >"$WORK/written.ms"
i=0
while [ $i -lt "$ROUNDS" ]; do
  cp "$WORK/clip.mp4" "$WORK/in/f$i.mp4"
  now_ms >>"$WORK/written.ms"
  sleep $((SETTLE + 2))
  i=$((i + 1))
done
kill -TERM $WATCH; wait $WATCH || true; wait $READER || true
echo
echo "watch: last write -> queued, settling time $SETTLE s ($ROUNDS files; target <= $((SETTLE + 1)) s)"
paste -d' ' "$WORK/written.ms" "$WORK/queued.ms" \
  | awk -v s=$SETTLE '{d=($2-$1)/1000; printf "  %.2f s\n", d; if (d > max) max = d}
      END {printf "  max %.2f s: %s\n", max, (max <= s + 1) ? "met" : "NOT met"}'

# 2. 10,000 files at start: scanned and looked at.
i=0
while [ $i -lt $FILES ]; do ln "$WORK/clip.mp4" "$WORK/big/f$i.mp4"; i=$((i + 1)); done
start=$(now_ms)
VIDPRISM_DATA_DIR="$WORK/data" "$BIN" watch --json --settle 60 -p thumbnail \
  -o "$WORK/out" "$WORK/big" >/dev/null 2>"$WORK/big.stderr" &
WATCH=$!
until grep -qs watching "$WORK/big.stderr"; do sleep 0.01; done
took=$(( $(now_ms) - start ))
kill -TERM $WATCH; wait $WATCH || true
found=$(sed -n 's/.*(\([0-9]*\) files found.*/\1/p' "$WORK/big.stderr")
printf "watch: %s files at start, %s found and looked at in %.2f s (target <= 2 s): %s\n" \
  $FILES "$found" "$(echo "$took / 1000" | bc -l)" "$( [ "$took" -le 2000 ] && echo met || echo NOT met)"
rm -rf "$WORK"
