# The C side of libuaio: API tests and the plain C example.
# Included by the top-level Makefile, which defines UAIO_LIB (the host
# libuaio.a, with a rule that builds it) and BUILD (the output directory).
#
#   make c-test      tests/c/test_api.c, plain and under ASan + UBSan
#   make c-example   examples/c/timers_pipe.c

C_CC       ?= gcc
C_CFLAGS   := -std=c99 -Wall -Wextra -Werror -pedantic -Iinclude -g
C_SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# What the Rust staticlib needs from the host beyond libc.
C_LDLIBS   := -lpthread -ldl
C_OUT      := $(BUILD)/c

.PHONY: c-test c-example

c-test: $(C_OUT)/test_api $(C_OUT)/test_api_asan
	$(C_OUT)/test_api
	ASAN_OPTIONS=detect_leaks=1 $(C_OUT)/test_api_asan

c-example: $(C_OUT)/timers_pipe
	$(C_OUT)/timers_pipe

$(C_OUT)/test_api: tests/c/test_api.c include/uaio.h include/uaio_port.h $(UAIO_LIB)
	@mkdir -p $(@D)
	$(C_CC) $(C_CFLAGS) -o $@ $< $(UAIO_LIB) $(C_LDLIBS)

$(C_OUT)/test_api_asan: tests/c/test_api.c include/uaio.h include/uaio_port.h $(UAIO_LIB)
	@mkdir -p $(@D)
	$(C_CC) $(C_CFLAGS) $(C_SANITIZE) -o $@ $< $(UAIO_LIB) $(C_LDLIBS)

$(C_OUT)/timers_pipe: examples/c/timers_pipe.c include/uaio.h $(UAIO_LIB)
	@mkdir -p $(@D)
	$(C_CC) $(C_CFLAGS) -o $@ $< $(UAIO_LIB) $(C_LDLIBS)
