# SPDX-License-Identifier: MIT
# make install [PREFIX=/usr/local] [DESTDIR=/staging]: the libraries
# (libedgetoken.a, libedgetoken_posix.a and, for the default build, the
# static mbedTLS 3.6 they were built with as libmbedtls_et.a), the public
# headers, the edgetoken CLI (its man page, bash and zsh completions), a pkg-config file and a CMake package
# (tools/install.sh). MBEDTLS=system installs a package that links the
# system's mbedTLS instead. BINDIR, INCLUDEDIR, LIBDIR, PKGCONFIGDIR and
# CMAKEDIR may be set one by one. tests/packaging/install.sh builds
# consumers against the result.
.PHONY: install
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
INCLUDEDIR ?= $(PREFIX)/include
LIBDIR ?= $(PREFIX)/lib
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
CMAKEDIR ?= $(LIBDIR)/cmake/edgetoken

install: $(OUT)/libedgetoken.a $(OUT)/libedgetoken_posix.a $(OUT)/edgetoken $(HOST_MBEDTLS_LIB) \
    $(CONFIG_H) cmake/edgetokenConfig.cmake.in cmake/edgetokenConfigVersion.cmake.in $(CLI_DOCS)
	OUT='$(OUT)' TLS='$(if $(HOST_MBEDTLS_LIB),bundled,system)' \
	  MBEDTLS_LIB='$(HOST_MBEDTLS_LIB)' MBEDTLS_TREE='$(HOST_MBEDTLS_TREE)' \
	  CONFIG_H='$(CONFIG_H)' JSMN_INCLUDE='$(JSMN_INCLUDE)' \
	  PREFIX='$(PREFIX)' DESTDIR='$(DESTDIR)' BINDIR='$(BINDIR)' INCLUDEDIR='$(INCLUDEDIR)' \
	  LIBDIR='$(LIBDIR)' PKGCONFIGDIR='$(PKGCONFIGDIR)' CMAKEDIR='$(CMAKEDIR)' \
	  tools/install.sh
