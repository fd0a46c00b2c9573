#!/bin/sh
# mbedTLS source for the device and zero-heap builds: Debian's source package
# `mbedtls`, fetched with `apt-get source` through a private apt
# configuration (own sources list, lists and cache under DEST) so the
# machine's apt setup is never touched. The deb-src entries are derived at
# run time from the machine's own apt sources (deb822 *.sources or
# sources.list), so no mirror is named here.
#   tools/mbedtls-source.sh DEST     -> prints the unpacked tree's absolute path
# MBEDTLS_SRC=/path skips the download: a firmware tree that brings its own.
set -eu
dest=${1:?usage: mbedtls-source.sh DEST}
if [ -n "${MBEDTLS_SRC:-}" ]; then
  [ -f "$MBEDTLS_SRC/include/mbedtls/version.h" ] ||
    { echo "mbedtls-source: MBEDTLS_SRC=$MBEDTLS_SRC has no include/mbedtls/version.h" >&2; exit 1; }
  (cd "$MBEDTLS_SRC" && pwd)
  exit 0
fi
# Prints the absolute path of the unpacked tree (empty if none yet).
found() {
  v=$(ls -d "$dest"/src/mbedtls-2.28.*/include/mbedtls/version.h 2>/dev/null | head -n 1)
  [ -z "$v" ] || (cd "$(dirname "$v")/../.." && pwd)
}
if [ -n "$(found)" ]; then
  found
  exit 0
fi

mkdir -p "$dest/src"
apt_dir=$(cd "$dest" && pwd)/apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/parts" "$dest/src"
list=$apt_dir/sources.list
: >"$list"

# deb822: one stanza per paragraph; keep Types: deb ones as deb-src.
for f in /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] || continue
  awk '
    function flush() {
      if (types ~ /(^| )deb( |$)/ && uris != "" && suites != "" && enabled != "no") {
        n = split(uris, u, " "); m = split(suites, s, " ")
        for (i = 1; i <= n; i++) for (j = 1; j <= m; j++)
          printf "deb-src %s%s %s %s\n", (key != "" ? "[signed-by=" key "] " : ""), u[i], s[j], comps
      }
      types = uris = suites = comps = key = enabled = ""
    }
    /^[ \t]*#/ { next }
    /^[ \t]*$/ { flush(); next }
    { k = tolower($1); sub(/:$/, "", k); v = $0; sub(/^[^:]*:[ \t]*/, "", v)
      if (k == "types") types = v; else if (k == "uris") uris = v
      else if (k == "suites") suites = v; else if (k == "components") comps = v
      else if (k == "signed-by") key = v; else if (k == "enabled") enabled = tolower(v) }
    END { flush() }' "$f" >>"$list"
done
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
  [ -f "$f" ] || continue
  sed -n 's/^[ \t]*deb[ \t]\+/deb-src /p' "$f" >>"$list"
done
[ -s "$list" ] || { echo "mbedtls-source: no deb entries in the machine's apt sources" >&2; exit 1; }

set -- -o Dir::Etc::SourceList="$list" -o Dir::Etc::SourceParts="$apt_dir/parts" \
  -o Dir::State::Lists="$apt_dir/lists" -o Dir::Cache="$apt_dir/cache" \
  -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o Debug::NoLocking=true \
  -o APT::Sandbox::User=root
echo "mbedtls-source: apt-get update (private lists in $apt_dir)" >&2
apt-get -qq "$@" update >&2
echo "mbedtls-source: apt-get source mbedtls" >&2
(cd "$dest/src" && apt-get -qq "$@" source mbedtls >&2)
[ -n "$(found)" ] || { echo "mbedtls-source: no mbedtls-2.28.x tree after apt-get source" >&2; exit 1; }
found
