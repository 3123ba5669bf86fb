#!/usr/bin/env bash
# Fetches BearSSL's sources from Debian's source package into third_party/bearssl (git-ignored),
# verifies the upstream tarball's checksum, and leaves the tree ready for CMake.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/third_party/bearssl"
# sha256 of Debian's bearssl_0.6+dfsg.1.orig.tar.xz (bookworm main).
ORIG_SHA256=102a625bd8f6155260867a50c508df8d8c3f796985dd744df1a68e5cd1a79004
[ -f "$dest/inc/bearssl.h" ] && exit 0

if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
  if [ "$(id -u)" != 0 ]; then
    echo "BearSSL sources need a deb-src entry for bookworm main (run scripts/deps.sh as root)" >&2; exit 1
  fi
  cat > /etc/apt/sources.list.d/bookworm-src.sources <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  apt-get update -qq >/dev/null
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# apt downloads as its _apt user: as root, let it write here (else apt warns that it downloads
# "unsandboxed as root").
if [ "$(id -u)" = 0 ] && id _apt >/dev/null 2>&1; then chown _apt "$work"; fi
(cd "$work" && apt-get source --download-only -qq bearssl >/dev/null)
orig=$(ls "$work"/bearssl_*.orig.tar.* | head -n1)
got=$(sha256sum "$orig" | cut -d' ' -f1)
if [ "$got" != "$ORIG_SHA256" ]; then
  echo "BearSSL source checksum mismatch: $got (expected $ORIG_SHA256)" >&2; exit 1
fi
mkdir -p "$dest.tmp"
tar -xf "$orig" -C "$dest.tmp" --strip-components=1
rm -rf "$dest"; mv "$dest.tmp" "$dest"
echo "BearSSL $(basename "$orig") unpacked in third_party/bearssl" >&2
