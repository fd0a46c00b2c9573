# SPDX-License-Identifier: MIT
# Before building anything, check that the packages the goals need are
# installed, and say which are missing and how to get them, instead of a
# compiler's "jsmn.h: No such file or directory" halfway through.
# `make deps` (tools/setup.sh) installs them all; test, demo and bench
# install theirs first and are not checked here. NO_DEPS_CHECK=1 skips it.
ET_GOALS := $(or $(MAKECMDGOALS),all)
ET_SETUP_GOALS := deps deps-demo test demo bench bench-parse help clean mutate fleet
ET_CHECKED_GOALS := $(filter-out $(ET_SETUP_GOALS),$(ET_GOALS))
et_has_file = $(wildcard $(1))
et_has_cmd = $(shell command -v $(1) 2>/dev/null)
# $(call et_need,TEST,PACKAGE (what)): the package when TEST is empty.
et_need = $(if $(strip $(1)),,$(2))
et_lp := (
et_rp := )
ET_HOST_GOALS := all cli unit examples cxx-test install cli-docs lwip-check lwip-token zero-heap \
  zero-heap-test fuzz fuzz-long
ET_ARM_GOALS := size size-table check-core firmware firmware-test lwip-check
ET_JSMN_FOUND := $(if $(JSMN_INCLUDE),$(wildcard $(JSMN_INCLUDE)/jsmn.h),$(wildcard /usr/include/jsmn.h))

ifeq ($(NO_DEPS_CHECK),)
ifneq ($(ET_CHECKED_GOALS),)
ET_MISSING :=
ET_MISSING += $(call et_need,$(call et_has_cmd,make),make)
ET_MISSING += $(call et_need,$(ET_JSMN_FOUND),libjsmn-dev$(if $(JSMN_INCLUDE),[no:$(JSMN_INCLUDE)/jsmn.h]))
ifneq ($(filter $(ET_HOST_GOALS) $(ET_ARM_GOALS) %.o %.a,$(ET_CHECKED_GOALS))$(filter-out $(ET_HOST_GOALS) $(ET_ARM_GOALS) menuconfig,$(ET_CHECKED_GOALS)),)
ET_MISSING += $(call et_need,$(call et_has_cmd,$(CC)),$(if $(filter clang,$(CC)),clang,build-essential)[$(CC)])
ET_MISSING += $(call et_need,$(call et_has_cmd,ar),binutils)
ifeq ($(VARIANT),asan)
ET_MISSING += $(call et_need,$(wildcard /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.asan*),libclang-rt-14-dev)
endif
ifeq ($(MBEDTLS),system)
ET_MISSING += $(call et_need,$(wildcard /usr/include/mbedtls/ssl.h),libmbedtls-dev)
else ifeq ($(MBEDTLS_SRC)$(wildcard $(MBEDTLS_TREE)/include),)
# tools/mbedtls-source.sh fetches Debian's source package with apt-get.
ET_MISSING += $(call et_need,$(call et_has_cmd,apt-get),apt-get[or MBEDTLS_SRC=/path])
ET_MISSING += $(call et_need,$(call et_has_cmd,dpkg-source),dpkg-dev)
endif
endif
# The CLI's QR code (and test_qr).
ifneq ($(filter-out check-core size size-table firmware firmware-test lwip-check menuconfig %.o %.a,$(ET_CHECKED_GOALS)),)
ET_MISSING += $(call et_need,$(wildcard /usr/include/qrencode.h),libqrencode-dev)
endif
ifneq ($(filter unit,$(ET_CHECKED_GOALS)),)
ET_MISSING += $(call et_need,$(wildcard /usr/include/cmocka.h),libcmocka-dev)
endif
ifneq ($(filter cxx-test,$(ET_CHECKED_GOALS)),)
ET_MISSING += $(call et_need,$(call et_has_cmd,$(CXX_CONSUMER)),$(if $(filter g++,$(CXX_CONSUMER)),g++,clang)[$(CXX_CONSUMER)])
endif
ifneq ($(filter fuzz fuzz-long,$(ET_CHECKED_GOALS)),)
ET_MISSING += $(call et_need,$(call et_has_cmd,clang),clang)
endif
ifneq ($(filter $(ET_ARM_GOALS),$(ET_CHECKED_GOALS)),)
ET_MISSING += $(call et_need,$(call et_has_cmd,$(ARM_CC)),gcc-arm-none-eabi)
ET_MISSING += $(call et_need,$(wildcard /usr/lib/arm-none-eabi/include/string.h),libnewlib-arm-none-eabi)
endif
ifneq ($(filter firmware-test,$(ET_CHECKED_GOALS)),)
ET_MISSING += $(call et_need,$(call et_has_cmd,qemu-system-arm),qemu-system-arm)
endif
ifneq ($(filter lwip-check lwip-token,$(ET_CHECKED_GOALS)),)
ET_MISSING += $(call et_need,$(wildcard $(or $(LWIP_INC),/usr/include/lwip)/lwip/sockets.h),liblwip-dev)
endif
ifneq ($(filter menuconfig,$(ET_CHECKED_GOALS))$(CONFIG_H),)
ET_MISSING += $(call et_need,$(wildcard /usr/lib/python3/dist-packages/kconfiglib.py),python3-kconfiglib)
endif
ET_MISSING := $(strip $(ET_MISSING))
ifneq ($(ET_MISSING),)
$(info make: missing for '$(ET_CHECKED_GOALS)': $(subst [, $(et_lp),$(subst ],$(et_rp),$(ET_MISSING))))
$(info make: install every package the targets use with `make deps` (tools/setup.sh, root or sudo),)
$(info make: or only these: apt-get install $(filter-out apt-get%,$(foreach m,$(ET_MISSING),$(firstword $(subst [, ,$(m))))))
$(if $(filter libjsmn-dev%,$(ET_MISSING)),$(info make: jsmn elsewhere (not Debian): JSMN_INCLUDE=/dir/holding/jsmn.h (https://github.com/zserge/jsmn)))
$(error missing packages; NO_DEPS_CHECK=1 skips this check)
endif
endif
endif

# `make demo` needs the compiler, jsmn, Python and OpenSSL, not the ARM
# toolchain or QEMU.
.PHONY: deps-demo help
deps-demo:
	tools/setup.sh demo

help:
	@echo 'edgetoken: plain make, no configure step. Targets:'
	@echo '  make                 the library, the POSIX port and the CLI: $(OUT)/edgetoken'
	@echo '  make test            everything CI runs; last line "N passed, N failed[, N skipped]"'
	@echo '  make demo            the CLI against the local Entra ID emulator (installs what it needs)'
	@echo '  make deps            install every Debian package the targets use (tools/setup.sh)'
	@echo '  make install         PREFIX=/usr/local DESTDIR=: headers, libedgetoken.a,'
	@echo '                       libedgetoken_posix.a, libmbedtls_et.a, edgetoken.pc, CMake package, CLI,'
	@echo '                       its man page and bash/zsh completions'
	@echo '  make cli-docs        the CLI'"'"'s man page, bash and zsh completions (from its option table)'
	@echo '  make unit            the unit tests (cmocka) in $(OUT)/tests'
	@echo '  make fixed-authority-test   core built for one fixed authority, its test'
	@echo '  make cxx-test        a C++ program using the headers and libraries'
	@echo '  make examples        the modem and event-loop examples'
	@echo '  make menuconfig      Kconfig -> .config -> $(BUILD)/et_autoconf.h'
	@echo '  make check-core      core for Cortex-M4: no heap, stdio, OS calls or globals'
	@echo '  make size            Cortex-M4 flash/RAM table'
	@echo '  make firmware-test   the Cortex-M4 self-test image under QEMU'
	@echo '  make zero-heap       the CLI on a static mbedTLS arena, heap calls trapped'
	@echo '  make lwip-check, lwip-token   the lwIP port'
	@echo '  make bench, bench-parse       edgetoken vs curl; JSON parse cost vs cJSON'
	@echo '  make fuzz            libFuzzer targets, FUZZ_SECONDS each'
	@echo '  make fleet           100,000 devices for a week over the cache and retry policy (docs/fleet.md)'
	@echo '  make fuzz-long       every target to FUZZ_RUNS (10 M) runs, table; FUZZ_TARGETS, FUZZ_MAX_SECONDS, FUZZ_MERGE=1'
	@echo '  make mutate          known bugs the tests must catch (before a release)'
	@echo '  make analyze         gcc -fanalyzer and clang --analyze on core and the ports'
	@echo '  make coverage        core'"'"'s line/branch coverage by the unit tests vs tools/coverage-floor.tsv'
	@echo '  make faults, faults-full   fault-injection sweep of token, refresh, login (tests/faults)'
	@echo '  make clean           remove $(BUILD)'
	@echo 'Variables:'
	@echo '  BUILD=dir            output directory, relative or absolute (default build)'
	@echo '  VARIANT=gcc|clang|asan   compiler and sanitizers'
	@echo '  CFLAGS=...           host flags (default -O2 -g); -DCONFIG_ET_...=value for settings'
	@echo '  MBEDTLS=system       link Debian 12'"'"'s libmbedtls-dev (2.28) instead of 3.6 from source'
	@echo '  MBEDTLS_VERSION=2.28, MBEDTLS_SRC=/path   another mbedTLS source'
	@echo '  JSMN_INCLUDE=dir     where jsmn.h is when it is not /usr/include'
	@echo '  PREFIX, DESTDIR, LIBDIR, INCLUDEDIR, ...  make install'
	@echo '  NO_DEPS_CHECK=1      skip the check for missing packages'
