# SPDX-License-Identifier: MIT
# make fleet: the fleet simulation (tests/fleet/fleet_sim.c over the real
# cache and retry policy of libedgetoken.a), 100,000 devices for a week
# with and without refresh-ahead jitter: $(BUILD)/fleet/fleet.csv (one row a
# minute), summary.txt and fleet.png (gnuplot). FLEET_ARGS adds options
# (--devices N --days D --limit R --retry-after S --life MIN:MAX --seed X).
# `make test` runs a smaller fleet with --check (tools/test.sh).
.PHONY: fleet fleet-sim
FLEET_SIM := $(OUT)/tests/fleet/fleet_sim
FLEET_OUT := $(BUILD)/fleet
FLEET_ARGS ?=
fleet-sim: $(FLEET_SIM)
unit: $(FLEET_SIM)

$(FLEET_SIM): $(OUT)/tests/fleet/fleet_sim.o $(OUT)/libedgetoken.a
	$(CC) $(ALL_CFLAGS) $^ -lm -o $@

fleet:
	tools/setup.sh fleet
	$(MAKE) fleet-sim
	@mkdir -p $(FLEET_OUT)
	$(FLEET_SIM) --csv $(FLEET_OUT)/fleet.csv $(FLEET_ARGS) >$(FLEET_OUT)/summary.txt
	cat $(FLEET_OUT)/summary.txt
	gnuplot -e "csv='$(FLEET_OUT)/fleet.csv'; png='$(FLEET_OUT)/fleet.png'" tests/fleet/fleet.gp
	@echo "fleet: $(FLEET_OUT)/summary.txt, $(FLEET_OUT)/fleet.csv, $(FLEET_OUT)/fleet.png"
