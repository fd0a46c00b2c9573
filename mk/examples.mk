# SPDX-License-Identifier: MIT
# The non-blocking examples (issue 9), built with every variant's `all`:
#   $(OUT)/modem_token  a device whose network is a modem's AT HTTP(S)
#                       service (examples/modem: the modem is simulated in a
#                       child process with the POSIX port)
#   $(OUT)/event_loop   two flows at once in one thread on poll()
#                       (examples/event_loop)
#   $(OUT)/adme_loop    a cached token and ADME calls in a loop, static
#                       buffers (examples/adme_loop; tests/integration/test_adme.py)
# tests/integration/test_examples.py and test_adme.py run them against the
# emulator.
.PHONY: examples
EX_MODEM_OBJ := $(patsubst %.c,$(OUT)/%.o,$(sort $(wildcard examples/modem/*.c)))
EX_LOOP_OBJ := $(patsubst %.c,$(OUT)/%.o,$(sort $(wildcard examples/event_loop/*.c)))
EX_ADME_OBJ := $(patsubst %.c,$(OUT)/%.o,$(sort $(wildcard examples/adme_loop/*.c)))

examples: $(OUT)/modem_token $(OUT)/event_loop $(OUT)/adme_loop
all: examples

# Their own headers (the main object rule knows the library's only).
$(EX_MODEM_OBJ): $(wildcard examples/modem/*.h)
$(EX_LOOP_OBJ): $(wildcard examples/event_loop/*.h)

$(OUT)/modem_token: $(EX_MODEM_OBJ) $(OUT)/libedgetoken_posix.a $(OUT)/libedgetoken.a
	$(CC) $(ALL_CFLAGS) $(filter-out $(HOST_MBEDTLS_LIB),$^) $(LDLIBS_TLS) -o $@

$(OUT)/event_loop: $(EX_LOOP_OBJ) $(OUT)/libedgetoken_posix.a $(OUT)/libedgetoken.a
	$(CC) $(ALL_CFLAGS) $(filter-out $(HOST_MBEDTLS_LIB),$^) $(LDLIBS_TLS) -o $@

$(OUT)/adme_loop: $(EX_ADME_OBJ) $(OUT)/libedgetoken_posix.a $(OUT)/libedgetoken.a
	$(CC) $(ALL_CFLAGS) $(filter-out $(HOST_MBEDTLS_LIB),$^) $(LDLIBS_TLS) -o $@

# They link mbedTLS from source too: wait for it (a fresh BUILD dir, -j).
ifneq ($(HOST_MBEDTLS_LIB),)
$(OUT)/modem_token $(OUT)/event_loop $(OUT)/adme_loop: $(HOST_MBEDTLS_LIB)
endif
