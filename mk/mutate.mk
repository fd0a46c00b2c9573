# SPDX-License-Identifier: MIT
# make mutate: each known bug put into a scratch copy of the tree, one at a
# time, with the tests that must catch it; prints a table of caught and
# survived mutants (tools/mutate.py). Not part of `make test`: run it before
# a release, and add a row when a test is written for a new bug.
.PHONY: mutate
mutate:
	$(PYTHON) tools/mutate.py --build $(BUILD)
