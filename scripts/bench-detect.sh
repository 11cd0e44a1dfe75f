#!/bin/sh
# Interlace detection's cost (issue 27): two builds of
# examples/detect_cost.rs (vidprism-engine; e.g. before and after a change)
# timing `plan_pictures` with deinterlace = "auto" on the 10 s 1080p25
# bench source of bench-deinterlace.sh, in alternating rounds; each run
# prints the median of 3 decisions (wall_ms cpu_ms). Prints the medians
# of the rounds and the ratios B / A.
#   sh scripts/bench-detect.sh A_BIN B_BIN [WORK] [ROUNDS]
set -eu
cd "$(dirname "$0")/.."
A=$1
B=$2
WORK=${3:-target/bench-deinterlace}
ROUNDS=${4:-5}
mkdir -p "$WORK/sources"
P="$WORK/sources/src-1080p25-10s.mp4"
[ -s "$P" ] || ffmpeg -v error -y -f lavfi -i "testsrc2=s=1920x1080:r=25:d=10" -f lavfi -i "sine=f=440:d=10" \
  -c:v libx264 -preset veryfast -crf 18 -c:a aac -b:a 128k -shortest "$P"
rm -f "$WORK/a.times" "$WORK/b.times"
i=0
while [ $i -lt "$ROUNDS" ]; do
  "$A" "$P" 3 >>"$WORK/a.times"
  "$B" "$P" 3 >>"$WORK/b.times"
  i=$((i + 1))
done
median() { # file column
  cut -d' ' -f"$2" "$1" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
echo "detection on a 10 s 1080p25 source, median of $ROUNDS alternating rounds ($(nproc) cores)"
printf "%-4s %8s %8s\n" run wall_ms cpu_ms
for n in a b; do
  printf "%-4s %8s %8s\n" "$n" "$(median "$WORK/$n.times" 1)" "$(median "$WORK/$n.times" 2)"
done
printf "B / A: wall %.3f, CPU %.3f\n" \
  "$(echo "$(median "$WORK/b.times" 1) / $(median "$WORK/a.times" 1)" | bc -l)" \
  "$(echo "$(median "$WORK/b.times" 2) / $(median "$WORK/a.times" 2)" | bc -l)"
