# SPDX-License-Identifier: MIT
# tests/bench/runstat: runs a command, writes its wall time, CPU time and
# peak RSS (wait4) for make bench (tools/bench.py). A host tool: no
# sanitizers, no library.
RUNSTAT := $(OUT)/runstat
.PHONY: runstat
runstat: $(RUNSTAT)
$(RUNSTAT): tests/bench/runstat.c
	@mkdir -p $(dir $@)
	$(CC) -std=c99 -O2 $(WARN) $< -o $@
