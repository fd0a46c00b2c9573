# SPDX-License-Identifier: MIT
# Device proofs (issue 5): mbedTLS from source with our config, the
# zero-heap POSIX build, Cortex-M images under QEMU, the size table.
#   make zero-heap        $(BUILD)/zeroheap/edgetoken: static mbedTLS arena, heap trapped
#   make zero-heap-test   one token from the emulator with it, arena high-water mark
#   make firmware         $(BUILD)/firmware/*.elf for the mps2-an386 (Cortex-M4)
#   make firmware-test    run them under qemu-system-arm (semihosting exit status)
#   make size-table       flash/RAM per flavour (also printed by make size)
# The mbedTLS tree and variables (MBEDTLS_VERSION, MBEDTLS_SRC, ...) are set
# in the Makefile; ZERO_HEAP_ARENA=bytes sizes the POSIX arena.
.PHONY: zero-heap zero-heap-test firmware firmware-test size-table

# --- zero-heap POSIX build -------------------------------------------------
ZH := $(BUILD)/zeroheap
ZERO_HEAP_ARENA ?= 1048576
ZH_DEFS := -DET_ZERO_HEAP -DET_ZERO_HEAP_ARENA=$(ZERO_HEAP_ARENA) -DET_MBEDTLS_MEMORY_DEBUG
ZH_CFLAGS := -std=c99 -D_POSIX_C_SOURCE=200809L $(WARN) -O2 -g $(CONFIG_DEFS) \
  -DCONFIG_ET_LOG_LEVEL=4 $(ZH_DEFS) $(MBEDTLS_DEFS) -Icore/include -Iport/include
HEAP_WRAP := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free
ZH_SRC := $(CORE_SRC) $(PORT_SRC) $(CLI_SRC) tests/firmware/heap_trap.c
ZH_OBJ := $(ZH_SRC:%.c=$(ZH)/%.o)

$(ZH)/libmbedtls_et.a: $(MBEDTLS_LIB_DEPS) | $(MBEDTLS_TREE)
	tools/mbedtls-build.sh $(MBEDTLS_TREE) $@ gcc ar -std=gnu99 -O2 -g $(ZH_DEFS)
$(ZH)/%.o: %.c $(MBEDTLS_CFG) $(wildcard core/include/edgetoken/*.h port/include/edgetoken/*.h port/*/*.h examples/cli/*.h) $(CONFIG_H) | $(MBEDTLS_TREE)
	@mkdir -p $(dir $@)
	@echo "CC zeroheap $<"
	@$(CC) $(ZH_CFLAGS) -c $< -o $@
$(ZH)/edgetoken: $(ZH_OBJ) $(ZH)/libmbedtls_et.a
	gcc $(ZH_OBJ) $(ZH)/libmbedtls_et.a $(HEAP_WRAP) $(LDLIBS_CLI) -o $@
zero-heap: $(ZH)/edgetoken
zero-heap-test: $(ZH)/edgetoken
	$(PYTHON) tests/integration/test_zero_heap.py --zero-heap-cli $(ZH)/edgetoken \
	  --certs $(BUILD)/test-certs

# --- Cortex-M4 images under QEMU (mps2-an386) ------------------------------
# The image and its board support live in tests/firmware; the mbedTLS port
# is the one every build uses (port/mbedtls, with port/common's
# diagnostics; a device brings its own transport).
FW := $(BUILD)/firmware
FW_SRC_DIR := tests/firmware
FW_CPU := -mcpu=cortex-m4 -mthumb -mfloat-abi=soft
FW_CFLAGS := $(ARM_CFLAGS) $(FW_CPU) -Iport/include -I$(FW_SRC_DIR) -I$(FW)
FW_LDFLAGS := $(FW_CPU) -nostartfiles --specs=nano.specs -T $(FW_SRC_DIR)/mps2.ld \
  -Wl,--gc-sections $(HEAP_WRAP)
FW_MBEDTLS_DEFS := -DET_MBEDTLS_DEVICE $(MBEDTLS_DEFS)
FW_PORT_SRC := $(sort $(wildcard port/mbedtls/*.c)) port/common/diag.c
FW_PORT_HDRS := $(wildcard port/include/edgetoken/*.h port/mbedtls/*.h) $(MBEDTLS_CFG)
# The device arena given to mbedTLS (bytes): the zero-heap CLI's measured
# high-water for one token (64-bit, so more than a 32-bit device needs),
# plus margin: ~26 KB on 2.28, ~30 KB on 3.6 (TLS 1.3 and 1.2 alike).
FW_ARENA ?= $(if $(filter 2.28,$(MBEDTLS_VERSION)),30720,34816)
FW_BSP := startup fw_tests heap_trap
FW_TEST_OBJ := $(addprefix $(FW)/,$(addsuffix .o,$(FW_BSP) main rec_port recorded test_codecs \
  test_recorded_exchange test_recorded_flows))
# The certificate tests link the mbedTLS port and an mbedTLS built with the
# arena's statistics (ET_MBEDTLS_MEMORY_DEBUG; the size table's has none),
# and a throwaway client key made in the build directory (never committed).
FW_ST := $(FW)/selftest
FW_KEYS := $(FW)/client-certs
FW_ST_OBJ := $(addprefix $(FW_ST)/,test_cert_assertion.o no_net.o bsp_mbedtls.o) $(FW_ST)/libet_port.a
FW_HDRS := $(FW_SRC_DIR)/fw.h $(FW_SRC_DIR)/rec_port.h $(FW_SRC_DIR)/no_net.h $(FW)/recorded.h \
  $(wildcard core/include/edgetoken/*.h) $(BUILD)/arm/jsmn/jsmn.h $(CONFIG_H)

$(FW)/recorded.h: $(wildcard $(FW_SRC_DIR)/recorded/*.http) tools/record-exchange.py
	@mkdir -p $(dir $@)
	$(PYTHON) tools/record-exchange.py header $@ $(sort $(wildcard $(FW_SRC_DIR)/recorded/*.http))
$(FW)/recorded.c: $(FW)/recorded.h
$(FW)/recorded.o: $(FW)/recorded.c $(FW)/recorded.h
	$(ARM_CC) $(FW_CFLAGS) -c $< -o $@
$(FW)/%.o: $(FW_SRC_DIR)/%.c $(FW_HDRS)
	@mkdir -p $(dir $@)
	$(ARM_CC) $(FW_CFLAGS) -c $< -o $@
$(FW_KEYS)/fw_test_key.h: tools/fw-test-key.sh tests/emulator/make_client_certs.sh
	tools/fw-test-key.sh $(FW_KEYS) $@
$(FW_ST)/libmbedtls_et.a: $(MBEDTLS_LIB_DEPS) | $(MBEDTLS_TREE)
	@mkdir -p $(dir $@)
	tools/mbedtls-build.sh $(MBEDTLS_TREE) $@ $(ARM_CC) arm-none-eabi-ar -std=c99 -Os \
	  $(FW_CPU) -ffunction-sections -fdata-sections -DET_MBEDTLS_DEVICE -DET_MBEDTLS_MEMORY_DEBUG
$(FW_ST)/%.o: $(FW_SRC_DIR)/%.c $(FW_HDRS) $(FW_PORT_HDRS) $(FW_KEYS)/fw_test_key.h | $(MBEDTLS_TREE)
	@mkdir -p $(dir $@)
	$(ARM_CC) $(FW_CFLAGS) $(FW_MBEDTLS_DEFS) -DET_MBEDTLS_MEMORY_DEBUG -DFW_ARENA=$(FW_ARENA) \
	  -I$(FW_KEYS) -c $< -o $@
$(FW_ST)/port/%.o: port/%.c $(FW_PORT_HDRS) $(BUILD)/arm/jsmn/jsmn.h $(CONFIG_H) | $(MBEDTLS_TREE)
	@mkdir -p $(dir $@)
	$(ARM_CC) $(FW_CFLAGS) $(FW_MBEDTLS_DEFS) -DET_MBEDTLS_MEMORY_DEBUG -c $< -o $@
$(FW_ST)/libet_port.a: $(FW_PORT_SRC:port/%.c=$(FW_ST)/port/%.o)
	@rm -f $@
	arm-none-eabi-ar rcs $@ $^
$(FW)/selftest.elf: $(FW_TEST_OBJ) $(FW_ST_OBJ) $(FW_ST)/libmbedtls_et.a $(BUILD)/arm/libedgetoken.a \
  $(FW_SRC_DIR)/mps2.ld
	$(ARM_CC) $(FW_LDFLAGS) -Wl,-Map,$@.map $(FW_TEST_OBJ) $(FW_ST_OBJ) \
	  $(BUILD)/arm/libedgetoken.a $(FW_ST)/libmbedtls_et.a -o $@
firmware: $(FW)/selftest.elf
firmware-test: $(FW)/selftest.elf
	PYTHON=$(PYTHON) tools/firmware-test.sh $(FW)/selftest.elf

# --- size table: linked Cortex-M4 images per Kconfig flavour ---------------
$(FW)/libmbedtls_et.a: $(MBEDTLS_LIB_DEPS) | $(MBEDTLS_TREE)
	@mkdir -p $(dir $@)
	tools/mbedtls-build.sh $(MBEDTLS_TREE) $@ $(ARM_CC) arm-none-eabi-ar -std=c99 -Os \
	  $(FW_CPU) -ffunction-sections -fdata-sections -DET_MBEDTLS_DEVICE
$(FW)/mbedtls/%.o: $(FW_SRC_DIR)/%.c $(FW_PORT_HDRS) $(wildcard core/include/edgetoken/*.h) $(BUILD)/arm/jsmn/jsmn.h | $(MBEDTLS_TREE)
	@mkdir -p $(dir $@)
	$(ARM_CC) $(FW_CFLAGS) $(FW_MBEDTLS_DEFS) -fstack-usage -c $< -o $@
$(FW)/mbedtls/port/%.o: port/%.c $(FW_PORT_HDRS) $(wildcard core/include/edgetoken/*.h) $(BUILD)/arm/jsmn/jsmn.h | $(MBEDTLS_TREE)
	@mkdir -p $(dir $@)
	$(ARM_CC) $(FW_CFLAGS) $(FW_MBEDTLS_DEFS) -fstack-usage -c $< -o $@
$(FW)/mbedtls/libet_port.a: $(FW_PORT_SRC:port/%.c=$(FW)/mbedtls/port/%.o)
	@rm -f $@
	arm-none-eabi-ar rcs $@ $^
FW_SIZE_DEPS := $(FW)/libmbedtls_et.a $(FW)/mbedtls/libet_port.a $(FW)/mbedtls/bsp_mbedtls.o \
  $(FW)/mbedtls/no_net.o \
  $(FW)/startup.o $(FW)/heap_trap.o $(FW)/fw_tests.o
size-table: $(FW_SIZE_DEPS) $(BUILD)/arm/jsmn/jsmn.h
	ARM_CC="$(ARM_CC)" FW="$(FW)" FW_ARENA=$(FW_ARENA) \
	  FW_CFLAGS="$(FW_CFLAGS) -DET_MBEDTLS_DEVICE -Iport/mbedtls/config -I$(MBEDTLS_TREE)/include" \
	  FW_LDFLAGS="$(FW_LDFLAGS)" \
	  PYTHON=$(PYTHON) tools/size-table.sh
# make size: core per object (tools/size.sh), then the per-flavour table.
size: size-table

# --- live on the target: tokens over real TLS through a UART "modem" --------
#   make firmware-live AUTHORITY=https://localhost:PORT CA_FILE=ca.pem TENANT=... \
#     CLIENT_ID=... SECRET_FILE=file   (or CERT_FILE=c.pem KEY_FILE=k.pem [ALG=PS256])
# builds $(BUILD)/firmware/live/live.elf with the app's settings compiled in
# (tools/fw-live-config.py; the secret or key from its file, never argv; the
# header stays in BUILD, mode 0600) and runs it under QEMU (-icount shift=0)
# with tools/modem-bridge.py between UART0 and TCP. It prints the tokens'
# length and expiry and the on-target figures; exit 0, or the et_err.
# Optional: SCOPE (default CLIENT_ID/.default), LIVE_TOKENS (2: the second
# on a resumed session), LIVE_LOG (0-4), LIVE_SEED (hex, else random).
.PHONY: firmware-live firmware-live-image FORCE
FWL := $(FW)/live
# The live image's arena: its measured need is up to ~35 KB with block headers
# (a resumed TLS 1.3 session with an RSA server certificate; docs/devices.md);
# 48 KB leaves room for a longer chain or a larger CA bundle from any server.
FW_LIVE_ARENA ?= 49152
LIVE_TOKENS ?= 2
LIVE_LOG ?= 0
ALG ?= PS256
FWL_OBJ := $(addprefix $(FWL)/,live_main.o bsp_live.o uart_modem.o) $(FW)/startup.o \
  $(FW)/heap_trap.o
FWL_HDRS := $(FW_SRC_DIR)/fw.h $(FW_SRC_DIR)/bsp_live.h port/include/edgetoken/et_uart_modem.h \
  $(FW_PORT_HDRS) $(wildcard core/include/edgetoken/*.h) $(BUILD)/arm/jsmn/jsmn.h $(CONFIG_H)
# Regenerated on every run, rewritten only when it changed.
$(FWL)/live_config.h: FORCE
	@mkdir -p $(FWL)
	@$(PYTHON) tools/fw-live-config.py --out $(FWL)/live_config.h --authority "$(AUTHORITY)" \
	  --tenant "$(TENANT)" --client-id "$(CLIENT_ID)" --scope "$(SCOPE)" --ca-file "$(CA_FILE)" \
	  --secret-file "$(SECRET_FILE)" --cert-file "$(CERT_FILE)" --key-file "$(KEY_FILE)" \
	  --alg "$(ALG)" --tokens "$(LIVE_TOKENS)" --log-level "$(LIVE_LOG)"
$(FWL)/live_main.o: $(FW_SRC_DIR)/live_main.c $(FWL)/live_config.h $(FWL_HDRS) | $(MBEDTLS_TREE)
	$(ARM_CC) $(FW_CFLAGS) $(FW_MBEDTLS_DEFS) -DET_MBEDTLS_MEMORY_DEBUG -DFW_ARENA=$(FW_LIVE_ARENA) \
	  -I$(FWL) -c $< -o $@
$(FWL)/bsp_live.o: $(FW_SRC_DIR)/bsp_live.c $(FWL_HDRS) | $(MBEDTLS_TREE)
	@mkdir -p $(dir $@)
	$(ARM_CC) $(FW_CFLAGS) $(FW_MBEDTLS_DEFS) -c $< -o $@
$(FWL)/uart_modem.o: port/uart/uart_modem.c $(FWL_HDRS)
	@mkdir -p $(dir $@)
	$(ARM_CC) $(FW_CFLAGS) -c $< -o $@
$(FWL)/live.elf: $(FWL_OBJ) $(FW_ST)/libet_port.a $(FW_ST)/libmbedtls_et.a \
  $(BUILD)/arm/libedgetoken.a $(FW_SRC_DIR)/mps2.ld
	$(ARM_CC) $(FW_LDFLAGS) -Wl,-Map,$@.map $(FWL_OBJ) $(FW_ST)/libet_port.a \
	  $(BUILD)/arm/libedgetoken.a $(FW_ST)/libmbedtls_et.a -o $@
firmware-live-image: $(FWL)/live.elf
firmware-live: $(FWL)/live.elf
	@arm-none-eabi-size $<
	$(PYTHON) tools/modem-bridge.py $(if $(LIVE_SEED),--seed $(LIVE_SEED)) $(LIVE_BRIDGE_ARGS) -- \
	  qemu-system-arm -M mps2-an386 -nographic -monitor none -icount shift=0 \
	  -semihosting-config enable=on,target=native -serial tcp:127.0.0.1:{port} -kernel $<
