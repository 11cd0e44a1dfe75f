#!/bin/sh
# The benchmark's reference (scripts/bench.sh): what a user could write by hand
# for the "web" ladder: 1080p, 720p, 480p and 360p H.264/AAC MP4 (x264
# veryfast CRF 23, AAC 128 kb/s stereo, faststart) and a 640-px-wide JPEG of
# the first frame, the same settings as vidprism's built-in `web` preset.
#   ffmpeg-ladder.sh split SRC OUTDIR   one ffmpeg process that decodes once and
#                                       splits the picture (the strong anchor)
#   ffmpeg-ladder.sh seq   SRC OUTDIR   one ffmpeg process per output, each
#                                       decoding again (a queue of jobs)
set -eu
[ $# -eq 3 ] || { echo "usage: $0 split|seq SRC OUTDIR" >&2; exit 2; }
mode=$1 src=$2 out=$3
mkdir -p "$out"
# Word-split on purpose: the encoder options every rendition shares.
x="-c:v libx264 -preset veryfast -crf 23 -pix_fmt yuv420p -c:a aac -b:a 128k -ac 2 -movflags +faststart"
case $mode in
split)
  # shellcheck disable=SC2086
  ffmpeg -v error -y -i "$src" -filter_complex \
    "[0:v]split=5[a][b][c][d][e];[a]scale=-2:1080[v1080];[b]scale=-2:720[v720];[c]scale=-2:480[v480];[d]scale=-2:360[v360];[e]scale=640:-2[t]" \
    -map "[v1080]" -map 0:a? $x "$out/1080p.mp4" \
    -map "[v720]" -map 0:a? $x "$out/720p.mp4" \
    -map "[v480]" -map 0:a? $x "$out/480p.mp4" \
    -map "[v360]" -map 0:a? $x "$out/360p.mp4" \
    -map "[t]" -frames:v 1 "$out/thumbnail.jpg" ;;
seq)
  for h in 1080 720 480 360; do
    # shellcheck disable=SC2086
    ffmpeg -v error -y -i "$src" -vf "scale=-2:$h" $x "$out/${h}p.mp4"
  done
  ffmpeg -v error -y -i "$src" -frames:v 1 -vf scale=640:-2 "$out/thumbnail.jpg" ;;
*) echo "usage: $0 split|seq SRC OUTDIR" >&2; exit 2 ;;
esac
