#!/usr/bin/env bash
# Obtain quickjs-ng sources from Debian's architecture-independent `qjs-src`
# package, without touching the machine's own APT setup: a private APT root
# under .cache/apt names Debian sid (then forky, then trixie-backports) on the
# mirror host the machine's own sources already use. The .deb must match one
# of the accepted (version, sha256) pairs in build/qjs-src.sums; it is unpacked
# into .cache/quickjs-ng/ and later runs are offline. Our fixes to the engine
# sources (build/patches/*.patch, applied in name order with `patch -p1`) are
# re-applied whenever they change, from the cached .deb.
#
# Output: .cache/quickjs-ng/src/quickjs-ng/{quickjs.c,...} and
#         .cache/quickjs-ng/VERSION ("<version> <suite>").
# Env: QJS_APT_MIRROR overrides the mirror URI (default: read from /etc/apt).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE="$ROOT/.cache"
DEST="$CACHE/quickjs-ng"
APTROOT="$CACHE/apt"
SUMS="$ROOT/build/qjs-src.sums"
SUITES=(sid forky trixie-backports)

PATCHES=("$ROOT"/build/patches/*.patch)
PATCHSUM=$(cat /dev/null "${PATCHES[@]}" 2>/dev/null | sha256sum | cut -d' ' -f1)

say() { echo "fetch-quickjs: $*" >&2; }

# Accepted "version sha256" pairs (comments and blank lines ignored).
accepted() { grep -Ev '^\s*(#|$)' "$SUMS"; }

sha_ok() { # file -> prints version if its sha256 is accepted
  local sum
  sum=$(sha256sum "$1" | cut -d' ' -f1)
  accepted | awk -v s="$sum" '$2 == s { print $1; exit }'
}

unpack() { # deb version suite
  rm -rf "$DEST.tmp"
  mkdir -p "$DEST.tmp"
  dpkg-deb -x "$1" "$DEST.tmp"
  mkdir -p "$DEST.tmp/src"
  mv "$DEST.tmp/usr/src/quickjs-ng" "$DEST.tmp/src/quickjs-ng"
  rm -rf "$DEST.tmp/usr"
  local p
  for p in "${PATCHES[@]}"; do
    [[ -f "$p" ]] || continue
    patch -s -p1 -d "$DEST.tmp/src/quickjs-ng" < "$p" || { say "patch $(basename "$p") failed for $2"; return 1; }
  done
  echo "$PATCHSUM" > "$DEST.tmp/PATCHES"
  echo "$2 $3" > "$DEST.tmp/VERSION"
  rm -rf "$DEST"
  mv "$DEST.tmp" "$DEST"
}

# 1. Already unpacked: nothing to do (offline).
if [[ -f "$DEST/VERSION" && -f "$DEST/src/quickjs-ng/quickjs.c" &&
      "$(cat "$DEST/PATCHES" 2>/dev/null)" == "$PATCHSUM" ]]; then
  say "using cached quickjs-ng $(cat "$DEST/VERSION") (offline)"
  exit 0
fi

# 2. A cached .deb with an accepted checksum: unpack it (offline).
mkdir -p "$APTROOT/debs"
for deb in "$APTROOT"/debs/qjs-src_*.deb; do
  [[ -f "$deb" ]] || continue
  ver=$(sha_ok "$deb")
  if [[ -n "$ver" ]]; then
    suite=$(cat "$deb.suite" 2>/dev/null || echo cached)
    unpack "$deb" "$ver" "$suite" || continue
    say "unpacked cached qjs-src $ver (from $suite)"
    exit 0
  fi
done

# 3. Download through a private APT root.
mirror_from_system() {
  # Debian archive URI from deb822 (*.sources) or one-line (*.list) files.
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" ]] || continue
    awk '/^URIs:/ { for (i = 2; i <= NF; i++) print $i }' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f "$f" ]] || continue
    awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /\]$/ && $i !~ /=/) { print $i; break } }' "$f"
  done
}
MIRROR=${QJS_APT_MIRROR:-$(mirror_from_system | grep -E '/debian/?$' | head -n1)}
[[ -n "$MIRROR" ]] || { say "no Debian mirror found in /etc/apt; set QJS_APT_MIRROR"; exit 1; }
MIRROR=${MIRROR%/}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
ARCH=$(dpkg --print-architecture)

for suite in "${SUITES[@]}"; do
  dir="$APTROOT/$suite"
  mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/parts"
  : > "$dir/status"
  cat > "$dir/sources.list" <<SRC
deb [arch=$ARCH signed-by=$KEYRING] $MIRROR $suite main
SRC
  opts=(
    -o "Dir::Etc::sourcelist=$dir/sources.list"
    -o "Dir::Etc::sourceparts=$dir/parts"
    -o "Dir::Etc::preferences=/nonexistent"
    -o "Dir::Etc::preferencesparts=$dir/parts"
    -o "Dir::State::Lists=$dir/lists"
    -o "Dir::State::status=$dir/status"
    -o "Dir::Cache=$dir/cache"
    -o "Acquire::Languages=none"
    -o "APT::Get::List-Cleanup=false"
    -o "Debug::NoLocking=true"
    -o "APT::Sandbox::User=root"
  )
  say "trying Debian $suite"
  if ! apt-get "${opts[@]}" -qq update >&2; then
    # An older keyring may lack the key signing this suite. The .deb is
    # accepted only if its sha256 is pinned in qjs-src.sums, so the index
    # signature is not what we trust: retry without it.
    say "apt-get update for $suite failed; retrying without the Release signature (the .deb's pinned sha256 still decides)"
    echo "deb [arch=$ARCH trusted=yes] $MIRROR $suite main" > "$dir/sources.list"
    if ! apt-get "${opts[@]}" -qq update >&2; then
      say "apt-get update for $suite failed"
      continue
    fi
  fi
  cands=$(apt-cache "${opts[@]}" madison qjs-src 2>/dev/null | awk -F'|' '{ gsub(/ /, "", $2); print $2 }')
  for ver in $cands; do
    if ! accepted | awk -v v="$ver" '$1 == v { f = 1 } END { exit !f }'; then
      say "$suite has qjs-src $ver, which is not in build/qjs-src.sums"
      continue
    fi
    rm -f "$dir"/qjs-src_*.deb
    if ! (cd "$dir" && apt-get "${opts[@]}" -qq download "qjs-src=$ver" >&2); then
      say "download of qjs-src $ver from $suite failed"
      continue
    fi
    deb=$(ls "$dir"/qjs-src_*.deb | head -n1)
    got=$(sha_ok "$deb")
    if [[ "$got" != "$ver" ]]; then
      say "qjs-src $ver from $suite: sha256 $(sha256sum "$deb" | cut -d' ' -f1) not accepted"
      continue
    fi
    mv "$deb" "$APTROOT/debs/"
    deb="$APTROOT/debs/$(basename "$deb")"
    echo "$suite" > "$deb.suite"
    unpack "$deb" "$ver" "$suite" || continue
    say "using qjs-src $ver from Debian $suite"
    exit 0
  done
done
say "no accepted qjs-src version could be obtained (tried: ${SUITES[*]})"
exit 1
