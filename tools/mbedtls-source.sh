#!/bin/sh
# SPDX-License-Identifier: MIT
# mbedTLS source for the builds that compile it: Debian's source package
# `mbedtls`, fetched with `apt-get source --download-only` through a private
# apt configuration (own sources list, lists and cache under DEST) so the
# machine's apt setup is never touched.
#   tools/mbedtls-source.sh DEST     -> prints the unpacked tree's absolute path
# MBEDTLS_VERSION picks the release line and with it Debian's suite:
#   3.6  (default) 3.6 LTS from Debian 13 (trixie)
#   2.28           2.28 LTS from Debian 12 (bookworm)
# The mirror is the machine's own Debian mirror, read from its apt sources
# (deb822 *.sources or sources.list): its release, -updates and -security
# entries become deb-src lines for the wanted suite, so no host is named here.
# Fixes for a release's known bugs, tools/mbedtls-patches/<version>/*.patch,
# are applied once after unpacking (none for another release).
# MBEDTLS_SRC=/path skips the download: a firmware tree that brings its own.
set -eu
patches=$(cd "$(dirname "$0")" && pwd)/mbedtls-patches
dest=${1:?usage: mbedtls-source.sh DEST}
ver=${MBEDTLS_VERSION:-3.6}
case $ver in
  3.6) suite=trixie ;;
  2.28) suite=bookworm ;;
  *) echo "mbedtls-source: MBEDTLS_VERSION=$ver: use 3.6 or 2.28" >&2; exit 1 ;;
esac
if [ -n "${MBEDTLS_SRC:-}" ]; then
  [ -f "$MBEDTLS_SRC/include/mbedtls/version.h" ] ||
    { echo "mbedtls-source: MBEDTLS_SRC=$MBEDTLS_SRC has no include/mbedtls/version.h" >&2; exit 1; }
  (cd "$MBEDTLS_SRC" && pwd)
  exit 0
fi
# Prints the absolute path of the unpacked tree (empty if none yet).
found() {
  v=$(ls -d "$dest"/src/mbedtls-"$ver".*/include/mbedtls/version.h 2>/dev/null | sort -V | tail -n 1)
  [ -z "$v" ] || (cd "$(dirname "$v")/../.." && pwd)
}
if [ -n "$(found)" ]; then
  found
  exit 0
fi

mkdir -p "$dest/src"
apt_dir=$(cd "$dest" && pwd)/apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/parts"
list=$apt_dir/sources.list

# One "URI SUITE KEY" line per binary entry of the machine's apt sources
# (KEY: its signed-by file, or -).
entries() {
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk '
      function flush() {
        if (types ~ /(^| )deb( |$)/ && uris != "" && suites != "" && enabled != "no") {
          n = split(uris, u, " "); m = split(suites, s, " ")
          for (i = 1; i <= n; i++) for (j = 1; j <= m; j++)
            print u[i], s[j], (key != "" ? key : "-")
        }
        types = uris = suites = key = enabled = ""
      }
      /^[ \t]*#/ { next }
      /^[ \t]*$/ { flush(); next }
      { k = tolower($1); sub(/:$/, "", k); v = $0; sub(/^[^:]*:[ \t]*/, "", v)
        if (k == "types") types = v; else if (k == "uris") uris = v
        else if (k == "suites") suites = v; else if (k == "signed-by") key = v
        else if (k == "enabled") enabled = tolower(v) }
      END { flush() }' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk '$1 == "deb" {
        key = "-"; i = 2
        if ($2 ~ /^\[/) {
          for (; i <= NF; i++) {
            o = $i; gsub(/[][]/, "", o)
            if (o ~ /^signed-by=/) { key = o; sub(/^signed-by=/, "", key) }
            if ($i ~ /\]$/) break
          }
          i++
        }
        print $i, $(i + 1), key
      }' "$f"
  done
}
# The release suite, its -updates and its -security (also the old
# "codename/updates" spelling) map to the same pockets of $suite; backports
# and anything else are left out.
entries | while read -r uri s key; do
  case $s in
    *-updates) pocket=-updates ;;
    *-security | */updates) pocket=-security ;;
    *[!a-z]*) continue ;;
    *) pocket= ;;
  esac
  opt=
  [ "$key" = - ] || opt="[signed-by=$key] "
  echo "deb-src $opt$uri $suite$pocket main"
done | sort -u >"$list"
[ -s "$list" ] || { echo "mbedtls-source: no Debian deb entries in the machine's apt sources" \
  "(MBEDTLS_SRC=/path builds another mbedTLS tree)" >&2; exit 1; }

set -- -o Dir::Etc::SourceList="$list" -o Dir::Etc::SourceParts="$apt_dir/parts" \
  -o Dir::State::Lists="$apt_dir/lists" -o Dir::Cache="$apt_dir/cache" \
  -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o Debug::NoLocking=true \
  -o APT::Sandbox::User=root
echo "mbedtls-source: apt-get update for $suite (private lists in $apt_dir)" >&2
apt-get -qq "$@" update >&2
echo "mbedtls-source: apt-get source --download-only mbedtls ($suite)" >&2
(cd "$dest/src" && apt-get -qq "$@" source --download-only mbedtls >&2)

dsc=$(ls "$dest"/src/mbedtls_"$ver".*.dsc 2>/dev/null | sort -V | tail -n 1)
[ -n "$dsc" ] || { echo "mbedtls-source: $suite's source package is not mbedTLS $ver" >&2; exit 1; }
up=$(basename "$dsc" .dsc)
up=${up#mbedtls_}
up=${up%%-*}
tree=$dest/src/mbedtls-$up
rm -rf "$tree"
if command -v dpkg-source >/dev/null 2>&1; then
  # Debian's tree: the orig plus Debian's patches (apt-get checked the hashes).
  (cd "$dest/src" && dpkg-source --no-check -x "$(basename "$dsc")" "mbedtls-$up" >&2)
else
  # No dpkg-dev: the upstream orig alone (Debian's patches only touch its
  # CMake files and a GCC 14 warning).
  orig=$(ls "$dest"/src/mbedtls_"$up".orig.tar.* | head -n 1)
  mkdir -p "$tree.tmp"
  tar -xf "$orig" -C "$tree.tmp"
  mv "$tree.tmp"/* "$tree"
  rmdir "$tree.tmp"
fi
for p in "$patches/$up"/*.patch; do
  [ -f "$p" ] || continue
  echo "mbedtls-source: applying $(basename "$p")" >&2
  command -v patch >/dev/null 2>&1 || { echo "mbedtls-source: needs patch(1)" >&2; rm -rf "$tree"; exit 1; }
  patch -s -p1 -d "$tree" <"$p" || { rm -rf "$tree"; exit 1; }
done
[ -n "$(found)" ] || { echo "mbedtls-source: no mbedtls-$ver.x tree in $dest/src" >&2; exit 1; }
found
