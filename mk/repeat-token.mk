# SPDX-License-Identifier: MIT
# tests/bench/repeat_token: N tokens in one process (keep-alive, TLS
# session resumption), for tests/integration/test_keepalive.py and the
# repeat-token section of make bench (tools/bench_reuse.py). Built with the
# unit tests, next to the CLI.
REPEAT_TOKEN := $(OUT)/repeat_token
.PHONY: repeat-token
repeat-token: $(REPEAT_TOKEN)
unit: $(REPEAT_TOKEN)

$(REPEAT_TOKEN): $(OUT)/tests/bench/repeat_token.o $(OUT)/libedgetoken_posix.a \
  $(OUT)/libedgetoken.a $(HOST_MBEDTLS_LIB)
	$(CC) $(ALL_CFLAGS) $(filter-out $(HOST_MBEDTLS_LIB),$^) $(LDLIBS_TLS) -o $@
