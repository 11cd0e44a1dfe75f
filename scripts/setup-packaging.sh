#!/bin/sh
# Installs what packaging needs, and only what is missing: the validators
# (desktop-file-utils, appstream), rsvg-convert for scripts/icons.sh, and
# cargo-deb. Debian/Ubuntu only. Safe to run again. `make test` does not need it.
set -eu

DEB_PKGS="desktop-file-utils appstream librsvg2-bin xvfb xauth ffmpeg binutils"

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "setup-packaging: .deb packaging needs Debian/Ubuntu" >&2
  exit 1
fi

missing=""
for p in $DEB_PKGS; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  case "$status" in *"ok installed"*) ;; *) missing="$missing $p" ;; esac
done
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
if [ -n "$missing" ]; then
  echo "setup-packaging: installing$missing"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi

if ! cargo deb --version >/dev/null 2>&1; then
  echo "setup-packaging: installing cargo-deb"
  cargo install cargo-deb --locked
fi
