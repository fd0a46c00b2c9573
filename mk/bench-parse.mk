# SPDX-License-Identifier: MIT
# make bench-parse: instructions per byte of et_token_decode and of cJSON
# (Debian libcjson-dev) on the same generated 8 KB and 64 KB token
# responses, side by side (tools/bench-parse.sh; BENCH_PARSE_SIZES=bytes...).
.PHONY: bench-parse
BENCH_PARSE_SIZES ?= 8192 65536
$(OUT)/tools/bench_parse: tools/bench_parse.c $(OUT)/libedgetoken.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $^ -lcjson -o $@
bench-parse: deps $(OUT)/tools/bench_parse
	tools/bench-parse.sh $(OUT)/tools/bench_parse $(BENCH_PARSE_SIZES)
