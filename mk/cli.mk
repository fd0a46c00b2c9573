# SPDX-License-Identifier: MIT
# test_cli_profile tests the CLI's parser and profiles (cli_args.c,
# cli_profile.c) in-process: their objects and header.
CLI_PARSE_OBJ := $(addprefix $(OUT)/examples/cli/,cli_args.o cli_profile.o cli_stdin.o cli_output.o \
  cli_secret.o)
$(OUT)/tests/test_cli_profile: $(OUT)/tests/unit/test_cli_profile.o $(CLI_PARSE_OBJ) \
  $(OUT)/libedgetoken_posix.a $(OUT)/libedgetoken.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $^ -lcmocka $(LDLIBS_TLS) -o $@
$(OUT)/tests/unit/test_cli_profile.o: ALL_CFLAGS += -Iexamples/cli

# The CLI's man page and its bash and zsh completions, generated from its
# option table (the one source of --help too): `edgetoken --dump-options`
# through tools/cli-docs.py, into $(OUT)/doc. make install installs them;
# tests/integration/test_cli_args.py renders and drives them.
CLI_DOCS := $(OUT)/doc/edgetoken.1 $(OUT)/doc/edgetoken.bash $(OUT)/doc/_edgetoken
.PHONY: cli-docs
cli-docs: $(CLI_DOCS)
# One run writes all three (the first stands for them).
$(OUT)/doc/edgetoken.1: $(OUT)/edgetoken tools/cli-docs.py
	@mkdir -p $(dir $@)
	$(OUT)/edgetoken --dump-options >$(OUT)/doc/options.tsv
	$(PYTHON) tools/cli-docs.py $(OUT)/doc/options.tsv $(OUT)/doc
$(OUT)/doc/edgetoken.bash $(OUT)/doc/_edgetoken: $(OUT)/doc/edgetoken.1
