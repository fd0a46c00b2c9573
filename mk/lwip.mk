# SPDX-License-Identifier: MIT
# The lwIP port (port/lwip; docs/devices.md, "lwIP port").
#   make lwip-check   compile it warning-free for the host (gcc and clang,
#                     Debian's liblwip-dev with its unix port's lwipopts.h)
#                     and for Cortex-M4 (port/lwip/config/lwipopts.h, newlib,
#                     the device mbedTLS config), then check that the
#                     Cortex-M objects need nothing but lwIP, mbedTLS, core
#                     and newlib
#   make lwip-token   $(BUILD)/lwip/lwip_token: a client-credentials token
#                     over liblwip0's unix port on a tap interface
#                     (tests/integration/test_lwip.py runs it)
# LWIP_INC=/path: another lwIP include tree (with its arch/ and lwipopts.h
# for the host build).
.PHONY: lwip-check lwip-token

LWIP_INC ?= /usr/include/lwip
LW := $(BUILD)/lwip
LWIP_SRC := $(sort $(wildcard port/lwip/*.c))
# What the lwIP port is composed with: the socket transport and
# diagnostics (port/common), the mbedTLS port.
LWIP_SHARED_SRC := $(sort $(wildcard port/common/*.c port/mbedtls/*.c))
LWIP_HDRS := $(wildcard core/include/edgetoken/*.h port/include/edgetoken/*.h port/*/*.h)

# Host: the shared sources come from the regular build ($(OUT)), and so do
# the mbedTLS headers and library (et_posix holds mbedTLS contexts).
LWIP_HOST_CFLAGS = -std=c99 -D_POSIX_C_SOURCE=200809L $(WARN) -O2 -g $(CONFIG_DEFS) \
  $(HOST_DEFS) -Icore/include -Iport/include -I$(LWIP_INC) $(HOST_MBEDTLS_DEFS)
$(LW)/gcc/%.o: %.c $(LWIP_HDRS) $(CONFIG_H) $(HOST_MBEDTLS_CFG) | $(HOST_MBEDTLS_TREE)
	@mkdir -p $(dir $@)
	gcc $(LWIP_HOST_CFLAGS) -c $< -o $@
$(LW)/clang/%.o: %.c $(LWIP_HDRS) $(CONFIG_H) $(HOST_MBEDTLS_CFG) | $(HOST_MBEDTLS_TREE)
	@mkdir -p $(dir $@)
	clang $(LWIP_HOST_CFLAGS) -c $< -o $@

# Cortex-M4: our lwipopts.h and arch/ headers come before the host's in
# $(LWIP_INC); mbedTLS headers from the source tree with the device config.
LWIP_ARM_CFLAGS = $(FW_CFLAGS) -Iport/include -Iport/lwip/config -I$(LWIP_INC) $(FW_MBEDTLS_DEFS)
LWIP_ARM_OBJ := $(addprefix $(LW)/arm/,$(LWIP_SRC:.c=.o) $(LWIP_SHARED_SRC:.c=.o))
$(LW)/arm/%.o: %.c $(LWIP_HDRS) port/lwip/config/lwipopts.h $(wildcard port/lwip/config/arch/*.h) \
    $(MBEDTLS_CFG) $(BUILD)/arm/jsmn/jsmn.h $(CONFIG_H) | $(MBEDTLS_TREE)
	@mkdir -p $(dir $@)
	$(ARM_CC) $(LWIP_ARM_CFLAGS) -c $< -o $@

# Every symbol the Cortex-M objects leave undefined must come from lwIP
# (by name), mbedTLS and its PSA API (by name), core's library or newlib: none from the
# POSIX port's OS files (sockets, files, getrandom).
$(LW)/arm/closure.txt: $(LWIP_ARM_OBJ) $(BUILD)/arm/libedgetoken.a
	arm-none-eabi-nm -u $(LWIP_ARM_OBJ) | awk 'NF == 2 { print $$2 }' | sort -u >$@.undef
	{ arm-none-eabi-nm --defined-only $(LWIP_ARM_OBJ) $(BUILD)/arm/libedgetoken.a \
	    "$$($(ARM_CC) $(FW_CPU) -print-file-name=libc.a)" 2>/dev/null | \
	    awk 'NF == 3 { print $$3 }'; } | sort -u >$@.def
	comm -23 $@.undef $@.def | grep -Ev '^(lwip_|sys_|netconn_|ip4addr_|ip6addr_|ipaddr_|mbedtls_|psa_)' \
	  >$@.left || true
	@if [ -s $@.left ]; then echo "lwIP port for Cortex-M needs symbols nothing provides:"; \
	  cat $@.left; exit 1; fi
	mv $@.undef $@

LWIP_HOST_OBJ := $(LWIP_SRC:%.c=%.o)
lwip-check: $(addprefix $(LW)/gcc/,$(LWIP_HOST_OBJ)) $(addprefix $(LW)/clang/,$(LWIP_HOST_OBJ)) \
    $(LW)/arm/closure.txt

# The host program: liblwip0 (unix port, tapif) + the lwIP port + mbedTLS + core.
LWIP_TOKEN_OBJ := $(addprefix $(LW)/gcc/,$(LWIP_HOST_OBJ) examples/lwip_token/lwip_token.o) \
  $(LWIP_SHARED_SRC:%.c=$(OUT)/%.o)
$(LW)/lwip_token: $(LWIP_TOKEN_OBJ) $(OUT)/libedgetoken.a $(HOST_MBEDTLS_LIB)
	gcc $(filter-out $(HOST_MBEDTLS_LIB),$^) -llwip -lpthread $(LDLIBS_TLS) -o $@
lwip-token: $(LW)/lwip_token
