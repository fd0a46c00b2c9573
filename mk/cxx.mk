# SPDX-License-Identifier: MIT
# A C++ consumer (issue 9, part 7): every public header compiles as C++11
# with all warnings (extern "C" guards, ET_STR as a braced initialization)
# and the C libraries link into a C++ program.
#   make cxx-test   build and run $(OUT)/tests/cxx_consumer (g++; clang++ for
#                   VARIANT=clang and asan, with the sanitizers)
.PHONY: cxx-test

CXX_CONSUMER := $(if $(filter gcc,$(VARIANT)),g++,clang++)
CXX_CONSUMER_FLAGS := -std=c++11 -Wall -Wextra -Werror -Wpedantic -Wshadow -O2 -g $(SAN) \
  $(CONFIG_DEFS) $(HOST_DEFS) -Icore/include -Iport/include $(HOST_MBEDTLS_DEFS)
CXX_TEST := $(OUT)/tests/cxx_consumer

$(CXX_TEST): tests/cxx/consumer.cpp $(OUT)/libedgetoken_posix.a $(OUT)/libedgetoken.a \
    $(HOST_MBEDTLS_LIB) $(wildcard core/include/edgetoken/*.h port/include/edgetoken/*.h) $(CONFIG_H)
	@mkdir -p $(dir $@)
	$(CXX_CONSUMER) $(CXX_CONSUMER_FLAGS) $< $(OUT)/libedgetoken_posix.a $(OUT)/libedgetoken.a \
	  $(LDLIBS_TLS) -o $@

cxx-test: $(CXX_TEST)
	$(CXX_TEST)
