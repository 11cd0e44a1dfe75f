#!/bin/sh
# The benchmark's sources (scripts/bench.sh), made once in DIR (default
# ./bench-sources) and kept; prints DIR last.
#   src-1080p-10s.mp4   1920x1080 30 fps H.264 + AAC, 10 s  (the ladder benchmark)
#   src-1080p-60s.mp4   the same, 60 s                      (memory must not grow with length)
# Needs the ffmpeg command-line tool (Debian package ffmpeg; make setup installs it).
set -eu
dir=${1:-bench-sources}
mkdir -p "$dir"
make_clip() { # seconds name
  [ -s "$dir/$2" ] && return 0
  ffmpeg -v error -y -f lavfi -i "testsrc2=s=1920x1080:r=30:d=$1" -f lavfi -i "sine=f=440:d=$1" \
    -c:v libx264 -preset veryfast -crf 23 -pix_fmt yuv420p -c:a aac -b:a 128k -shortest "$dir/$2"
}
make_clip 10 src-1080p-10s.mp4
make_clip 60 src-1080p-60s.mp4
echo "$dir"
