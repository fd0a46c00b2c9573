# SPDX-License-Identifier: MIT
# Gates (issue 14): static analysis, core's branch coverage, fault injection.
#   make analyze      gcc -fanalyzer and clang --analyze on core and every
#                     port (posix, common, mbedtls, lwip, uart): any finding
#                     fails. False positives are silenced in the source, next
#                     to a comment that says why.
#   make coverage     core/src/*.c compiled with gcc --coverage, linked into
#                     the unit tests, which run; tools/coverage.py prints lines
#                     and branches per file and fails under the floors in
#                     tools/coverage-floor.tsv (raise them: see that file)
#   make faults       the fault-injection sweep (tests/faults) against the
#                     emulator with the ASan CLI: every call N of the store's
#                     calls, a deterministic sample of the rest
#   make faults-full  every N of every call, valgrind on a larger sample
.PHONY: analyze analyze-gcc analyze-clang coverage faults faults-full

# --- static analysis ---------------------------------------------------------
ANALYZE_SRC := $(CORE_SRC) $(sort $(wildcard port/common/*.c port/posix/*.c port/mbedtls/*.c \
  port/lwip/*.c port/uart/*.c))
ANALYZE_CFLAGS = -std=c99 -D_POSIX_C_SOURCE=200809L $(WARN) -O2 $(CONFIG_DEFS) $(HOST_DEFS) \
  -Icore/include -Iport/include $(MBEDTLS_DEFS) -I$(LWIP_INC)
AN := $(BUILD)/analyze
ANALYZE_HDRS := $(wildcard core/include/edgetoken/*.h port/include/edgetoken/*.h port/*/*.h) $(CONFIG_H)
# One stamp per source and analyzer, so -j runs them side by side and a
# second run redoes only what changed.
$(AN)/gcc/%.ok: %.c $(ANALYZE_HDRS) | $(MBEDTLS_TREE)
	@mkdir -p $(dir $@)
	gcc $(ANALYZE_CFLAGS) -fanalyzer -c $< -o $(@:.ok=.o)
	@touch $@
$(AN)/clang/%.ok: %.c $(ANALYZE_HDRS) | $(MBEDTLS_TREE)
	@mkdir -p $(dir $@)
	clang $(ANALYZE_CFLAGS) --analyze -Xanalyzer -analyzer-output=text \
	  -Xclang -analyzer-werror -o /dev/null $<
	@touch $@
analyze-gcc: $(ANALYZE_SRC:%.c=$(AN)/gcc/%.ok)
analyze-clang: $(ANALYZE_SRC:%.c=$(AN)/clang/%.ok)
analyze: analyze-gcc analyze-clang
	@echo "analyze: gcc -fanalyzer and clang --analyze found nothing in $(words $(ANALYZE_SRC)) files"

# --- coverage of core by the unit tests ---------------------------------------
# Only core is instrumented (-O0 so branches are the source's); the tests,
# the POSIX port and mbedTLS are the gcc variant's objects.
COV := $(BUILD)/coverage
COV_CORE_OBJ := $(CORE_SRC:%.c=$(COV)/%.o)
# Tests of the CLI's own files and of the UART modem port, not core.
COV_NOT_CORE := %/test_qr %/test_cli_profile %/test_cli_record %/test_uart_modem
COV_UNIT_BIN := $(filter-out $(COV_NOT_CORE),$(UNIT_SRC:tests/unit/%.c=$(COV)/tests/%))
$(COV)/core/src/%.o: core/src/%.c $(wildcard core/include/edgetoken/*.h) $(CONFIG_H)
	@mkdir -p $(dir $@)
	gcc $(filter-out $(SAN),$(ALL_CFLAGS)) -O0 --coverage -c $< -o $@
$(COV)/libedgetoken.a: $(COV_CORE_OBJ)
	@rm -f $@
	ar rcs $@ $^
$(COV)/tests/%: $(OUT)/tests/unit/%.o $(OUT)/tests/unit/fake_port.o \
  $(OUT)/libedgetoken_posix.a $(COV)/libedgetoken.a $(HOST_MBEDTLS_LIB)
	@mkdir -p $(dir $@)
	gcc --coverage $(filter %.o,$^) $(OUT)/libedgetoken_posix.a $(COV)/libedgetoken.a \
	  -lcmocka $(LDLIBS_TLS) -o $@
# (kept: the gcc variant's unit tests link them too)
.SECONDARY: $(UNIT_SRC:tests/unit/%.c=$(OUT)/tests/unit/%.o) $(OUT)/tests/unit/fake_port.o
COVERAGE_FLOOR ?= tools/coverage-floor.tsv
coverage: $(COV_UNIT_BIN)
	@rm -f $(COV)/core/src/*.gcda
	@set -e; for t in $(COV_UNIT_BIN); do $$t >$(COV)/$$(basename $$t).log 2>&1 || \
	  { echo "coverage: $$t failed (log: $(COV)/$$(basename $$t).log)"; exit 1; }; done
	$(PYTHON) tools/coverage.py --objdir $(COV)/core/src --floor $(COVERAGE_FLOOR) \
	  $(if $(COVERAGE_WRITE),--write-floor) $(CORE_SRC)

# --- fault injection (tests/faults) -------------------------------------------
FI_SHIM := $(BUILD)/faults/faultinject.so
$(FI_SHIM): tests/faults/faultinject.c
	@mkdir -p $(dir $@)
	gcc -std=gnu99 -O2 -g -Wall -Wextra -Werror -fPIC -shared $< -o $@ -ldl
FAULTS_ARGS ?=
faults: $(FI_SHIM)
	$(MAKE) VARIANT=asan cli
	$(MAKE) VARIANT=gcc cli
	$(PYTHON) tests/faults/sweep.py --cli $(BUILD)/asan/edgetoken --shim $(FI_SHIM) \
	  --certs $(abspath $(BUILD))/test-certs $(FAULTS_ARGS)
faults-full: FAULTS_ARGS += --full
faults-full: faults
