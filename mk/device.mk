# Device proofs (issue 5): mbedTLS from source with our config, the
# zero-heap POSIX build, Cortex-M images under QEMU, the size table.
#   make zero-heap        $(BUILD)/zeroheap/edgetoken: static mbedTLS arena, heap trapped
#   make zero-heap-test   one token from the emulator with it, arena high-water mark
#   make firmware         $(BUILD)/firmware/*.elf for the mps2-an386 (Cortex-M4)
#   make firmware-test    run them under qemu-system-arm (semihosting exit status)
#   make size-table       flash/RAM per flavour (also printed by make size)
# MBEDTLS_SRC=/path uses a firmware tree's own mbedTLS instead of Debian's
# source package; ZERO_HEAP_ARENA=bytes sizes the POSIX arena.
.PHONY: mbedtls-source zero-heap zero-heap-test firmware firmware-test size-table

MBEDTLS_DIR := $(BUILD)/mbedtls
# A symlink to the unpacked tree, so rules can name its headers.
MBEDTLS_TREE := $(MBEDTLS_DIR)/tree
$(MBEDTLS_TREE):
	@mkdir -p $(MBEDTLS_DIR)
	ln -sfn "$$(MBEDTLS_SRC='$(MBEDTLS_SRC)' tools/mbedtls-source.sh $(MBEDTLS_DIR))" $@
mbedtls-source: $(MBEDTLS_TREE)
MBEDTLS_CFG := port/mbedtls/config/et_mbedtls_config.h
MBEDTLS_DEFS := -DMBEDTLS_CONFIG_FILE='"et_mbedtls_config.h"' -Iport/mbedtls/config \
  -I$(MBEDTLS_TREE)/include

# --- zero-heap POSIX build -------------------------------------------------
ZH := $(BUILD)/zeroheap
ZERO_HEAP_ARENA ?= 1048576
ZH_DEFS := -DET_ZERO_HEAP -DET_ZERO_HEAP_ARENA=$(ZERO_HEAP_ARENA) -DET_MBEDTLS_MEMORY_DEBUG
ZH_CFLAGS := -std=c99 -D_POSIX_C_SOURCE=200809L $(WARN) -O2 -g $(CONFIG_DEFS) \
  -DCONFIG_ET_LOG_LEVEL=4 $(ZH_DEFS) $(MBEDTLS_DEFS) -Icore/include -Iport/include
HEAP_WRAP := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free
ZH_SRC := $(CORE_SRC) $(PORT_SRC) $(CLI_SRC) firmware/heap_trap.c
ZH_OBJ := $(ZH_SRC:%.c=$(ZH)/%.o)

$(ZH)/libmbedtls_et.a: $(MBEDTLS_CFG) | $(MBEDTLS_TREE)
	tools/mbedtls-build.sh $(MBEDTLS_TREE) $@ gcc ar -std=gnu99 -O2 -g $(ZH_DEFS)
$(ZH)/%.o: %.c $(MBEDTLS_CFG) $(wildcard core/include/edgetoken/*.h port/include/edgetoken/*.h port/*/*.h examples/cli/*.h) $(CONFIG_H) | $(MBEDTLS_TREE)
	@mkdir -p $(dir $@)
	@echo "CC zeroheap $<"
	@$(CC) $(ZH_CFLAGS) -c $< -o $@
$(ZH)/edgetoken: $(ZH_OBJ) $(ZH)/libmbedtls_et.a
	gcc $(ZH_OBJ) $(ZH)/libmbedtls_et.a $(HEAP_WRAP) -o $@
zero-heap: $(ZH)/edgetoken
zero-heap-test: $(ZH)/edgetoken
	$(PYTHON) tests/integration/test_zero_heap.py --zero-heap-cli $(ZH)/edgetoken \
	  --certs $(BUILD)/test-certs

# --- Cortex-M4 images under QEMU (mps2-an386) ------------------------------
FW := $(BUILD)/firmware
FW_CPU := -mcpu=cortex-m4 -mthumb -mfloat-abi=soft
FW_CFLAGS := $(ARM_CFLAGS) $(FW_CPU) -Ifirmware -I$(FW)
FW_LDFLAGS := $(FW_CPU) -nostartfiles --specs=nano.specs -T firmware/mps2.ld \
  -Wl,--gc-sections $(HEAP_WRAP)
FW_MBEDTLS_DEFS := -DET_MBEDTLS_DEVICE $(MBEDTLS_DEFS)
# The device arena given to mbedTLS (bytes): the zero-heap CLI's measured
# high-water for one token is ~26 KB (64-bit), plus margin.
FW_ARENA ?= 30720
FW_BSP := startup fw_tests heap_trap
FW_TEST_OBJ := $(addprefix $(FW)/,$(addsuffix .o,$(FW_BSP) main rec_port recorded test_codecs \
  test_recorded_exchange test_recorded_flows))
# The certificate tests link the mbedTLS port and an mbedTLS built with the
# arena's statistics (ET_MBEDTLS_MEMORY_DEBUG; the size table's has none),
# and a throwaway client key made in the build directory (never committed).
FW_ST := $(FW)/selftest
FW_KEYS := $(FW)/client-certs
FW_ST_OBJ := $(addprefix $(FW_ST)/,test_cert_assertion.o et_mbedtls_port.o bsp_mbedtls.o)
FW_HDRS := firmware/fw.h firmware/rec_port.h $(FW)/recorded.h $(wildcard core/include/edgetoken/*.h) \
  $(BUILD)/arm/jsmn/jsmn.h $(CONFIG_H)

$(FW)/recorded.h: $(wildcard firmware/recorded/*.http) tools/record-exchange.py
	@mkdir -p $(dir $@)
	$(PYTHON) tools/record-exchange.py header $@ $(sort $(wildcard firmware/recorded/*.http))
$(FW)/recorded.c: $(FW)/recorded.h
$(FW)/recorded.o: $(FW)/recorded.c $(FW)/recorded.h
	$(ARM_CC) $(FW_CFLAGS) -c $< -o $@
$(FW)/%.o: firmware/%.c $(FW_HDRS)
	@mkdir -p $(dir $@)
	$(ARM_CC) $(FW_CFLAGS) -c $< -o $@
$(FW_KEYS)/fw_test_key.h: tools/fw-test-key.sh tests/emulator/make_client_certs.sh
	tools/fw-test-key.sh $(FW_KEYS) $@
$(FW_ST)/libmbedtls_et.a: $(MBEDTLS_CFG) | $(MBEDTLS_TREE)
	@mkdir -p $(dir $@)
	tools/mbedtls-build.sh $(MBEDTLS_TREE) $@ $(ARM_CC) arm-none-eabi-ar -std=c99 -Os \
	  $(FW_CPU) -ffunction-sections -fdata-sections -DET_MBEDTLS_DEVICE -DET_MBEDTLS_MEMORY_DEBUG
$(FW_ST)/%.o: firmware/%.c $(FW_HDRS) $(MBEDTLS_CFG) firmware/et_mbedtls_port.h \
  $(FW_KEYS)/fw_test_key.h | $(MBEDTLS_TREE)
	@mkdir -p $(dir $@)
	$(ARM_CC) $(FW_CFLAGS) $(FW_MBEDTLS_DEFS) -DET_MBEDTLS_MEMORY_DEBUG -DFW_ARENA=$(FW_ARENA) \
	  -I$(FW_KEYS) -c $< -o $@
$(FW)/selftest.elf: $(FW_TEST_OBJ) $(FW_ST_OBJ) $(FW_ST)/libmbedtls_et.a $(BUILD)/arm/libedgetoken.a \
  firmware/mps2.ld
	$(ARM_CC) $(FW_LDFLAGS) -Wl,-Map,$@.map $(FW_TEST_OBJ) $(FW_ST_OBJ) \
	  $(BUILD)/arm/libedgetoken.a $(FW_ST)/libmbedtls_et.a -o $@
firmware: $(FW)/selftest.elf
firmware-test: $(FW)/selftest.elf
	PYTHON=$(PYTHON) tools/firmware-test.sh $(FW)/selftest.elf

# --- size table: linked Cortex-M4 images per Kconfig flavour ---------------
$(FW)/libmbedtls_et.a: $(MBEDTLS_CFG) | $(MBEDTLS_TREE)
	@mkdir -p $(dir $@)
	tools/mbedtls-build.sh $(MBEDTLS_TREE) $@ $(ARM_CC) arm-none-eabi-ar -std=c99 -Os \
	  $(FW_CPU) -ffunction-sections -fdata-sections -DET_MBEDTLS_DEVICE
$(FW)/mbedtls/%.o: firmware/%.c $(MBEDTLS_CFG) firmware/et_mbedtls_port.h $(wildcard core/include/edgetoken/*.h) $(BUILD)/arm/jsmn/jsmn.h | $(MBEDTLS_TREE)
	@mkdir -p $(dir $@)
	$(ARM_CC) $(FW_CFLAGS) $(FW_MBEDTLS_DEFS) -fstack-usage -c $< -o $@
FW_SIZE_DEPS := $(FW)/libmbedtls_et.a $(FW)/mbedtls/et_mbedtls_port.o $(FW)/mbedtls/bsp_mbedtls.o \
  $(FW)/startup.o $(FW)/heap_trap.o $(FW)/fw_tests.o
size-table: $(FW_SIZE_DEPS) $(BUILD)/arm/jsmn/jsmn.h
	ARM_CC="$(ARM_CC)" FW="$(FW)" FW_ARENA=$(FW_ARENA) \
	  FW_CFLAGS="$(FW_CFLAGS) -DET_MBEDTLS_DEVICE -Iport/mbedtls/config -I$(MBEDTLS_TREE)/include" \
	  FW_LDFLAGS="$(FW_LDFLAGS)" \
	  PYTHON=$(PYTHON) tools/size-table.sh
# make size: core per object (tools/size.sh), then the per-flavour table.
size: size-table
