#!/bin/sh
# SPDX-License-Identifier: MIT
# make install: copy the libraries, the headers, the CLI, a pkg-config file
# and a CMake package into $DESTDIR$PREFIX. Called by mk/install.mk with:
#   OUT          the build's output directory (libedgetoken.a, ...)
#   TLS          "bundled": the static mbedTLS 3.6 the port was built with
#                ($MBEDTLS_LIB, headers from $MBEDTLS_TREE, our config from
#                port/mbedtls/config) is installed too, as libmbedtls_et.a
#                and include/edgetoken/mbedtls/; "system": the port links
#                the system's -lmbedtls -lmbedx509 -lmbedcrypto
#   CONFIG_H     build/et_autoconf.h when the library was built from a
#                .config (installed, and ET_HAVE_AUTOCONF in the flags)
#   PREFIX DESTDIR BINDIR INCLUDEDIR LIBDIR PKGCONFIGDIR CMAKEDIR
set -eu
: "${OUT:?}" "${TLS:?}" "${PREFIX:?}" "${INCLUDEDIR:?}" "${LIBDIR:?}" "${BINDIR:?}"
: "${PKGCONFIGDIR:?}" "${CMAKEDIR:?}"
DESTDIR=${DESTDIR:-}
case $PREFIX in /*) ;; *) echo "install: PREFIX must be absolute (got $PREFIX)" >&2; exit 1 ;; esac
ver=$(sed -n 's/^#define ET_VERSION "\(.*\)"$/\1/p' core/include/edgetoken/edgetoken.h)
inc=$DESTDIR$INCLUDEDIR
lib=$DESTDIR$LIBDIR

install -d "$inc/edgetoken" "$lib" "$DESTDIR$BINDIR" "$DESTDIR$PKGCONFIGDIR" "$DESTDIR$CMAKEDIR"
install -m 644 core/include/edgetoken/*.h port/include/edgetoken/*.h "$inc/edgetoken/"
install -m 644 "$OUT/libedgetoken.a" "$OUT/libedgetoken_posix.a" "$lib/"
[ ! -x "$OUT/edgetoken" ] || install -m 755 "$OUT/edgetoken" "$DESTDIR$BINDIR/"
# The CLI's man page and completions (mk/cli-docs.mk), where man, bash-completion
# and zsh look for them under the prefix.
if [ -f "$OUT/doc/edgetoken.1" ]; then
  share=$DESTDIR$PREFIX/share
  install -d "$share/man/man1" "$share/bash-completion/completions" "$share/zsh/site-functions"
  install -m 644 "$OUT/doc/edgetoken.1" "$share/man/man1/edgetoken.1"
  install -m 644 "$OUT/doc/edgetoken.bash" "$share/bash-completion/completions/edgetoken"
  install -m 644 "$OUT/doc/_edgetoken" "$share/zsh/site-functions/_edgetoken"
fi
defs=
if [ -n "${CONFIG_H:-}" ]; then
  install -m 644 "$CONFIG_H" "$inc/edgetoken/et_autoconf.h"
  defs=ET_HAVE_AUTOCONF
fi

# mbedTLS: the port's headers (et_mbedtls.h, et_posix.h) include mbedTLS's,
# which must be configured as the library was. The bundled build installs
# mbedTLS's headers in a directory of their own, with our configuration as
# its default mbedtls/mbedtls_config.h, so a consumer needs no
# MBEDTLS_CONFIG_FILE and never mixes them with a system mbedTLS.
if [ "$TLS" = bundled ]; then
  : "${MBEDTLS_LIB:?}" "${MBEDTLS_TREE:?}"
  tls=$inc/edgetoken/mbedtls
  rm -rf "$tls"
  install -d "$tls/mbedtls" "$tls/psa"
  install -m 644 "$MBEDTLS_TREE"/include/mbedtls/*.h "$tls/mbedtls/"
  install -m 644 "$MBEDTLS_TREE"/include/psa/*.h "$tls/psa/"
  install -m 644 port/mbedtls/config/et_mbedtls_config.h "$tls/mbedtls/mbedtls_config.h"
  install -m 644 port/mbedtls/config/et_psa_config.h "$tls/"
  install -m 644 "$MBEDTLS_LIB" "$lib/libmbedtls_et.a"
  pc_cflags="-I\${includedir} -I\${includedir}/edgetoken/mbedtls"
  pc_libs="-L\${libdir} -ledgetoken_posix -ledgetoken -lmbedtls_et"
else
  pc_cflags="-I\${includedir}"
  pc_libs="-L\${libdir} -ledgetoken_posix -ledgetoken -lmbedtls -lmbedx509 -lmbedcrypto"
fi
# jsmn (header-only) comes from the system (Debian's libjsmn-dev) unless the
# build was pointed elsewhere: then the consumer needs it too.
if [ -n "${JSMN_INCLUDE:-}" ]; then
  install -m 644 "$JSMN_INCLUDE/jsmn.h" "$inc/edgetoken/jsmn.h"
  pc_cflags="$pc_cflags -I\${includedir}/edgetoken"
fi
[ -z "$defs" ] || pc_cflags="$pc_cflags -D$defs"

cat >"$DESTDIR$PKGCONFIGDIR/edgetoken.pc" <<PC
prefix=$PREFIX
includedir=$INCLUDEDIR
libdir=$LIBDIR

Name: edgetoken
Description: Entra ID OAuth 2.0 tokens for edge devices (allocation-free C99 core, POSIX + mbedTLS port)
Version: $ver
Cflags: $pc_cflags
Libs: $pc_libs
PC
# pkg-config's own variables, so the file moves with the prefix: prefix-relative paths.
case $INCLUDEDIR in "$PREFIX"/*) sed -i "s|^includedir=$PREFIX|includedir=\${prefix}|" "$DESTDIR$PKGCONFIGDIR/edgetoken.pc" ;; esac
case $LIBDIR in "$PREFIX"/*) sed -i "s|^libdir=$PREFIX|libdir=\${prefix}|" "$DESTDIR$PKGCONFIGDIR/edgetoken.pc" ;; esac

# The CMake package: imported targets over the installed archives, found
# relative to the package's own directory (the tree can move).
rel() { # path of $2 relative to $1 (both absolute)
  realpath -m --relative-to="$1" "$2"
}
sed -e "s|@ET_VERSION@|$ver|g" -e "s|@ET_TO_PREFIX@|$(rel "$CMAKEDIR" "$PREFIX")|g" \
  -e "s|@ET_INCLUDEDIR_REL@|$(rel "$PREFIX" "$INCLUDEDIR")|g" \
  -e "s|@ET_LIBDIR_REL@|$(rel "$PREFIX" "$LIBDIR")|g" \
  -e "s|@ET_TLS@|$TLS|g" -e "s|@ET_DEFINES@|$defs|g" \
  -e "s|@ET_JSMN@|${JSMN_INCLUDE:+edgetoken}|g" \
  cmake/edgetokenConfig.cmake.in >"$DESTDIR$CMAKEDIR/edgetokenConfig.cmake"
sed -e "s|@ET_VERSION@|$ver|g" cmake/edgetokenConfigVersion.cmake.in \
  >"$DESTDIR$CMAKEDIR/edgetokenConfigVersion.cmake"
install -d "$DESTDIR$PREFIX/share/doc/edgetoken"
install -m 644 LICENSE README.md CHANGELOG.md "$DESTDIR$PREFIX/share/doc/edgetoken/"
echo "install: edgetoken $ver ($TLS mbedTLS) in $DESTDIR$PREFIX"
