# SPDX-License-Identifier: MIT
# edgetoken: plain make, no configure step.
#   make            library + CLI (build/gcc)
#   make test       everything CI runs (installs missing Debian packages)
#   make demo       CLI against the local Entra ID emulator (installs only what it needs)
#   make size       Cortex-M4 footprint of core
#   make bench      edgetoken vs curl, side by side
#   make fuzz       libFuzzer targets (FUZZ_SECONDS each)
#   make fuzz-long  every libFuzzer target to FUZZ_RUNS (10 M) executions, with a table
#   make menuconfig Kconfig -> .config -> $(BUILD)/et_autoconf.h
#   make install    PREFIX=/usr/local [DESTDIR=...]: libraries, headers, pkg-config, CMake package
#   make help       every target and variable
# Variants: make VARIANT=clang CC=clang, make VARIANT=asan (clang + ASan/UBSan).

VARIANT ?= gcc
ifeq ($(VARIANT),clang)
CC := clang
endif
ifeq ($(VARIANT),asan)
CC := clang
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
endif
ifeq ($(VARIANT),gcc)
CC := gcc
endif

PYTHON ?= $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)
# BUILD: where everything goes (parallel checkouts or jobs use their own).
BUILD ?= build
OUT := $(BUILD)/$(VARIANT)
# mbedTLS: 3.6 LTS (TLS 1.3 + 1.2) compiled from Debian 13's source package
# with our config (port/mbedtls/config), once per BUILD dir and variant with
# the variant's compiler and flags (ASan's too). MBEDTLS_VERSION=2.28
# compiles Debian 12's 2.28 source instead (one version per BUILD dir).
# MBEDTLS=system links Debian 12's libmbedtls-dev (2.28, Debian's config)
# into the host builds, which then go to $(BUILD)/VARIANT-system-mbedtls.
# MBEDTLS_SRC=/path compiles a tree of your own.
MBEDTLS ?= source
MBEDTLS_VERSION ?= 3.6
MBEDTLS_DIR := $(BUILD)/mbedtls-$(MBEDTLS_VERSION)
# A symlink to the unpacked tree, so rules can name its headers.
MBEDTLS_TREE := $(MBEDTLS_DIR)/tree
MBEDTLS_CFG := port/mbedtls/config/et_mbedtls_config.h
# What a library build depends on besides the tree.
MBEDTLS_LIB_DEPS := $(wildcard port/mbedtls/config/*) tools/mbedtls-build.sh
MBEDTLS_DEFS := -DMBEDTLS_CONFIG_FILE='"et_mbedtls_config.h"' -Iport/mbedtls/config \
  -I$(MBEDTLS_TREE)/include
ifeq ($(MBEDTLS),system)
OUT := $(BUILD)/$(VARIANT)-system-mbedtls
HOST_MBEDTLS_DEFS :=
HOST_MBEDTLS_LIB :=
HOST_MBEDTLS_TREE :=
HOST_MBEDTLS_CFG :=
LDLIBS_TLS := -lmbedtls -lmbedx509 -lmbedcrypto
else
HOST_MBEDTLS_DEFS := $(MBEDTLS_DEFS)
HOST_MBEDTLS_LIB := $(OUT)/mbedtls/libmbedtls_et.a
HOST_MBEDTLS_TREE := $(MBEDTLS_TREE)
HOST_MBEDTLS_CFG := $(MBEDTLS_CFG)
LDLIBS_TLS := $(HOST_MBEDTLS_LIB)
endif
# Objects do not record which mbedTLS headers they saw: a BUILD dir holds
# one version, so another version wants another BUILD=.
MBEDTLS_STAMP := $(BUILD)/mbedtls-version
MBEDTLS_BUILT := $(shell cat $(MBEDTLS_STAMP) 2>/dev/null)
ifeq ($(filter clean,$(MAKECMDGOALS)),)
ifneq ($(filter-out $(MBEDTLS_VERSION),$(MBEDTLS_BUILT)),)
$(error $(BUILD) holds mbedTLS $(MBEDTLS_BUILT) builds: use another BUILD= for MBEDTLS_VERSION=$(MBEDTLS_VERSION))
endif
endif
# jsmn (header-only): Debian's libjsmn-dev puts jsmn.h in /usr/include;
# JSMN_INCLUDE=dir (the directory holding jsmn.h) points every compiler of
# every target at another copy, through CPATH. mk/deps.mk stops early with
# a clear message when neither has it.
JSMN_INCLUDE ?=
ifneq ($(JSMN_INCLUDE),)
export CPATH := $(abspath $(JSMN_INCLUDE))$(if $(CPATH),:$(CPATH))
endif
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla
# With a .config (from make menuconfig), Kconfig's values win over the
# defaults in et_config.h; each BUILD dir generates its own header from it.
KCONFIG_PY = $(PYTHON) /usr/lib/python3/dist-packages
CONFIG_H := $(if $(wildcard .config),$(BUILD)/et_autoconf.h)
CONFIG_DEFS := $(if $(CONFIG_H),-DET_HAVE_AUTOCONF -I$(BUILD))
CFLAGS ?= -O2 -g
# Host builds compile debug logging in (the CLI's --verbose); the port
# filters at run time. Devices keep Kconfig's level.
HOST_DEFS := $(if $(CONFIG_H),,-DCONFIG_ET_LOG_LEVEL=4)
ALL_CFLAGS := -std=c99 -D_POSIX_C_SOURCE=200809L $(WARN) $(CFLAGS) $(SAN) $(CONFIG_DEFS) $(HOST_DEFS) \
  -Icore/include -Iport/include $(HOST_MBEDTLS_DEFS)

CORE_SRC := $(sort $(wildcard core/src/*.c))
PORT_SRC := $(sort $(wildcard port/common/*.c port/posix/*.c port/mbedtls/*.c))
CLI_SRC := $(sort $(wildcard examples/cli/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))

CORE_OBJ := $(CORE_SRC:%.c=$(OUT)/%.o)
PORT_OBJ := $(PORT_SRC:%.c=$(OUT)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(OUT)/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(OUT)/tests/%)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)

.PHONY: all cli unit test demo size bench fuzz fuzz-long menuconfig check-core deps clean mbedtls-source
all: cli

cli: $(OUT)/edgetoken
unit: $(UNIT_BIN)

$(OUT)/%.o: %.c $(wildcard core/include/edgetoken/*.h port/include/edgetoken/*.h port/*/*.h examples/cli/*.h tests/unit/*.h) $(CONFIG_H) \
  $(HOST_MBEDTLS_CFG) | $(HOST_MBEDTLS_TREE)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(OUT)/libedgetoken.a: $(CORE_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(OUT)/libedgetoken_posix.a: $(PORT_OBJ)
	@rm -f $@
	ar rcs $@ $^

# The CLI alone links libqrencode (device-login's QR code); the libraries
# do not depend on it.
LDLIBS_CLI := -lqrencode
$(OUT)/edgetoken: $(CLI_OBJ) $(OUT)/libedgetoken_posix.a $(OUT)/libedgetoken.a
	$(CC) $(ALL_CFLAGS) $^ $(LDLIBS_TLS) $(LDLIBS_CLI) -o $@

# The tree (Debian's source package, fetched once per BUILD dir and version).
$(MBEDTLS_TREE):
	@mkdir -p $(MBEDTLS_DIR)
	d=$$(MBEDTLS_SRC='$(MBEDTLS_SRC)' MBEDTLS_VERSION='$(MBEDTLS_VERSION)' \
	  tools/mbedtls-source.sh $(MBEDTLS_DIR)) && ln -sfn "$$d" $@
	echo $(MBEDTLS_VERSION) >$(MBEDTLS_STAMP)
mbedtls-source: $(MBEDTLS_TREE)
# The host library, with the variant's compiler and flags; the links below
# name it in LDLIBS_TLS and depend on it here.
ifneq ($(HOST_MBEDTLS_LIB),)
$(HOST_MBEDTLS_LIB): $(MBEDTLS_LIB_DEPS) | $(MBEDTLS_TREE)
	@mkdir -p $(dir $@)
	tools/mbedtls-build.sh $(MBEDTLS_TREE) $@ $(CC) ar -std=c99 $(CFLAGS) $(SAN)
# (every program that links mbedTLS: the CLI, the unit tests, the examples
# in mk/examples.mk and the C++ consumer in mk/cxx.mk; with -j a link must
# not start before the library is built)
$(OUT)/edgetoken $(UNIT_BIN) $(OUT)/modem_token $(OUT)/event_loop $(OUT)/tests/cxx_consumer: \
  $(HOST_MBEDTLS_LIB)
endif

# fake_port.o: the scripted port the flow tests share (not a test itself).
$(OUT)/tests/%: $(OUT)/tests/unit/%.o $(OUT)/tests/unit/fake_port.o \
  $(OUT)/libedgetoken_posix.a $(OUT)/libedgetoken.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $^ -lcmocka $(LDLIBS_TLS) -o $@
# Core built for one pre-parsed authority and without client_secret_basic
# (the device options of et_config.h), with its own test.
FIXED_DEFS := -DCONFIG_ET_FIXED_AUTHORITY=1 -DCONFIG_ET_FIXED_AUTHORITY_HOST='"login.example.test"' \
  -DCONFIG_ET_FIXED_AUTHORITY_PORT=8443 -DCONFIG_ET_FIXED_AUTHORITY_PREFIX='"/idp"' \
  -DCONFIG_ET_CRED_SECRET_BASIC=0 -DCONFIG_ET_RETRY_AFTER_DATE=0
FIXED_OBJ := $(CORE_SRC:%.c=$(OUT)/fixed/%.o) $(OUT)/fixed/tests/unit/fake_port.o \
  $(OUT)/fixed/tests/unit/fixed_authority_test.o
$(OUT)/fixed/%.o: %.c $(wildcard core/include/edgetoken/*.h core/src/*.h tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(FIXED_DEFS) -c $< -o $@
$(OUT)/fixed/fixed_authority_test: $(FIXED_OBJ)
	$(CC) $(ALL_CFLAGS) $^ -lcmocka -o $@
fixed-authority-test: $(OUT)/fixed/fixed_authority_test
.PHONY: fixed-authority-test

# test_qr tests the CLI's QR code: its object and header, libqrencode.
$(OUT)/tests/test_qr: $(OUT)/examples/cli/cli_qr.o
$(OUT)/tests/test_qr: LDLIBS_TLS += $(LDLIBS_CLI)
$(OUT)/tests/unit/test_qr.o: ALL_CFLAGS += -Iexamples/cli
# test_cli_record: the CLI's store records; test_uart_modem: the UART modem
# transport (not in the POSIX port's library).
$(OUT)/tests/test_cli_record: $(OUT)/examples/cli/cli_record.o
$(OUT)/tests/unit/test_cli_record.o: ALL_CFLAGS += -Iexamples/cli
$(OUT)/tests/test_uart_modem: $(OUT)/port/uart/uart_modem.o
$(OUT)/tests/unit/test_posix_listener.o: ALL_CFLAGS += -Iport/posix

# libFuzzer: clang only, core sources compiled into each target.
FUZZ_CFLAGS := -std=c99 -g -O1 -fsanitize=fuzzer,address,undefined $(WARN) -Icore/include
$(BUILD)/fuzz/%: tests/fuzz/%.c $(CORE_SRC) tests/fuzz/fuzz.h
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) $(filter %.c,$^) -o $@
# Targets that reach beyond core: the port or CLI sources each one adds
# (pure parsers; no sockets, TLS or mbedTLS library are linked).
FUZZ_PORT := -D_POSIX_C_SOURCE=200809L -Iport/include -Iport/posix
$(BUILD)/fuzz/fuzz_listener: port/posix/posix_listener.c port/posix/px_listener.h
$(BUILD)/fuzz/fuzz_listener: FUZZ_CFLAGS += $(FUZZ_PORT)
$(BUILD)/fuzz/fuzz_authority: FUZZ_CFLAGS += -D_POSIX_C_SOURCE=200809L
# The CLI's headers name mbedTLS's (through et_posix.h): the tree, not the library.
FUZZ_CLI := $(FUZZ_PORT) -Iexamples/cli $(MBEDTLS_DEFS)
$(BUILD)/fuzz/fuzz_cli_args: examples/cli/cli_args.c examples/cli/cli_profile.c examples/cli/cli_stdin.c \
  examples/cli/cli_output.c examples/cli/cli_secret.c examples/cli/cli.h | $(MBEDTLS_TREE)
$(BUILD)/fuzz/fuzz_cli_args: FUZZ_CFLAGS += $(FUZZ_CLI)
$(BUILD)/fuzz/fuzz_store: port/posix/posix_store.c port/posix/posix_log.c port/posix/posix_clock.c port/common/diag.c \
  | $(MBEDTLS_TREE)
$(BUILD)/fuzz/fuzz_store: FUZZ_CFLAGS += $(FUZZ_PORT) $(MBEDTLS_DEFS)
$(BUILD)/fuzz/fuzz_cli_records: examples/cli/cli_record.c examples/cli/cli_record.h
$(BUILD)/fuzz/fuzz_cli_records: FUZZ_CFLAGS += -D_POSIX_C_SOURCE=200809L -Iexamples/cli
$(BUILD)/fuzz/fuzz_uart_modem: port/uart/uart_modem.c port/include/edgetoken/et_uart_modem.h
$(BUILD)/fuzz/fuzz_uart_modem: FUZZ_CFLAGS += -Iport/include
$(BUILD)/fuzz/fuzz_adme_error: FUZZ_CFLAGS += -D_POSIX_C_SOURCE=200809L
FUZZ_SECONDS ?= 60
fuzz: $(FUZZ_BIN)
	tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BIN)
# Every target (or FUZZ_TARGETS="json token ...") to FUZZ_RUNS executions
# (FUZZ_MAX_SECONDS=N: or N seconds), then a table; FUZZ_MERGE=1 merges new
# coverage into tests/fuzz/corpus.
FUZZ_RUNS ?= 10000000
fuzz-long: $(if $(FUZZ_TARGETS),$(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%),$(FUZZ_BIN))
	tests/fuzz/long.sh $(FUZZ_RUNS) $^

# Bare-metal build of core: must compile warning-free and stay off the heap.
ARM_CC := arm-none-eabi-gcc
# jsmn is one header; the cross compiler does not search the host's
# /usr/include, so it gets a directory of its own (JSMN_H= for a firmware tree).
JSMN_H ?= $(if $(JSMN_INCLUDE),$(JSMN_INCLUDE),/usr/include)/jsmn.h
ARM_CFLAGS := -std=c99 -mcpu=cortex-m4 -mthumb -Os -ffreestanding -ffunction-sections \
  -fdata-sections $(WARN) -Icore/include -I$(BUILD)/arm/jsmn $(CONFIG_DEFS)
ARM_OBJ := $(CORE_SRC:%.c=$(BUILD)/arm/%.o)
$(BUILD)/arm/jsmn/jsmn.h: $(JSMN_H)
	@mkdir -p $(dir $@)
	cp $< $@
$(BUILD)/arm/%.o: %.c $(wildcard core/include/edgetoken/*.h) $(BUILD)/arm/jsmn/jsmn.h $(CONFIG_H)
	@mkdir -p $(dir $@)
	$(ARM_CC) $(ARM_CFLAGS) -c $< -o $@
$(BUILD)/arm/libedgetoken.a: $(ARM_OBJ)
	@rm -f $@
	arm-none-eabi-ar rcs $@ $^
check-core: $(BUILD)/arm/libedgetoken.a $(OUT)/libedgetoken.a
	tools/check-core.sh $(BUILD)/arm/libedgetoken.a $(OUT)/libedgetoken.a
size: $(BUILD)/arm/libedgetoken.a
	tools/size.sh $(BUILD)/arm/libedgetoken.a

deps:
	tools/setup.sh

test: deps
	tools/test.sh

demo: deps-demo
	tools/demo.sh

bench: deps
	tools/bench.sh

menuconfig:
	$(KCONFIG_PY)/menuconfig.py Kconfig
	@mkdir -p $(BUILD)
	$(KCONFIG_PY)/genconfig.py --header-path $(BUILD)/et_autoconf.h Kconfig

$(BUILD)/et_autoconf.h: .config Kconfig
	@mkdir -p $(BUILD)
	$(KCONFIG_PY)/genconfig.py --header-path $@ Kconfig

clean:
	rm -rf $(BUILD)

# Further targets (device builds, ...) live in mk/*.mk.
include $(wildcard mk/*.mk)
