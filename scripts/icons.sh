#!/bin/sh
# Renders assets/icon.svg into packaging/icons/<size>.png (16..256 px).
# The PNGs are committed, so building and packaging never need this script;
# run it after editing the SVG. Uses rsvg-convert when present, else
# ImageMagick (`magick` or `convert`).
set -eu
cd "$(dirname "$0")/.."
src=assets/icon.svg
out=packaging/icons
mkdir -p "$out"
for size in 16 32 48 64 128 256; do
  png="$out/${size}x${size}.png"
  if command -v rsvg-convert >/dev/null 2>&1; then
    rsvg-convert -w "$size" -h "$size" -o "$png" "$src"
  elif command -v magick >/dev/null 2>&1; then
    magick -background none -density 384 "$src" -resize "${size}x${size}" "$png"
  elif command -v convert >/dev/null 2>&1; then
    convert -background none -density 384 "$src" -resize "${size}x${size}" "$png"
  else
    echo "icons.sh: install librsvg2-bin (rsvg-convert) or imagemagick" >&2
    exit 1
  fi
  echo "$png"
done
