# tidecache build. `make` builds build/tidecache; `make run` installs what is
# missing, builds and serves with conf/tidecache.conf; `make test` installs the
# test dependencies, builds and runs every test.
#
#   make CC=clang                      build with clang
#   make test SANITIZE=address,undefined  instrumented build (in build/sanitize)
#   make install PREFIX=/usr/local DESTDIR=/tmp/stage

CC ?= cc
PREFIX ?= /usr/local
DESTDIR ?=
SANITIZE ?=

ifeq ($(SANITIZE),)
BUILD ?= build
SAN_FLAGS :=
else
BUILD ?= build/sanitize
SAN_FLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

PKGS := libevent
TEST_PKGS := check hiredis

CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SAN_FLAGS) -Iinclude \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm
TEST_CFLAGS := $(shell pkg-config --cflags $(TEST_PKGS) 2>/dev/null)
TEST_LIBS := $(shell pkg-config --libs $(TEST_PKGS) 2>/dev/null)

LIB_SRC := $(filter-out src/main.c,$(wildcard src/*.c))
LIB_OBJ := $(LIB_SRC:src/%.c=$(BUILD)/obj/%.o)
UNIT_SRC := $(wildcard tests/unit/check_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
IT_SRC := $(filter-out tests/integration/harness.c,$(wildcard tests/integration/it_*.c))
IT_BIN := $(IT_SRC:tests/integration/%.c=$(BUILD)/tests/%)
HELPER_SRC := $(wildcard tests/helpers/*.c)
HELPER_BIN := $(HELPER_SRC:tests/helpers/%.c=$(BUILD)/tests/%)

.PHONY: all run test test-build deps deps-test install uninstall clean fuzz sample-conf

all: $(BUILD)/tidecache

$(BUILD)/obj/%.o: src/%.c $(wildcard include/tidecache/*.h) | $(BUILD)/obj
	$(CC) $(ALL_CFLAGS) -MMD -c $< -o $@

$(BUILD)/libtidecache.a: $(LIB_OBJ)
	ar rcs $@ $^

$(BUILD)/tidecache: $(BUILD)/obj/main.o $(BUILD)/libtidecache.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/check_%: tests/unit/check_%.c $(BUILD)/libtidecache.a | $(BUILD)/tests
	$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) -o $@ $^ $(LIBS) $(TEST_LIBS)

$(BUILD)/tests/it_%: tests/integration/it_%.c tests/integration/harness.c tests/integration/harness.h | $(BUILD)/tests
	$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) -Itests/integration -o $@ $< tests/integration/harness.c $(TEST_LIBS)

$(BUILD)/tests/%: tests/helpers/%.c | $(BUILD)/tests
	$(CC) $(ALL_CFLAGS) -o $@ $<

$(BUILD)/obj $(BUILD)/tests:
	mkdir -p $@

deps:
	@scripts/deps.sh build

deps-test:
	@scripts/deps.sh test

run: deps
	$(MAKE) all
	$(BUILD)/tidecache conf/tidecache.conf

test-build: $(BUILD)/tidecache $(UNIT_BIN) $(IT_BIN) $(HELPER_BIN)

test: deps-test
	$(MAKE) test-build
	BUILD=$(BUILD) SANITIZE=$(SANITIZE) scripts/run-tests.sh

# Regenerate the sample config from the option table.
sample-conf: $(BUILD)/tidecache
	$(BUILD)/tidecache --sample-config > conf/tidecache.conf

fuzz:
	$(MAKE) -f tests/fuzz/Makefile

install: $(BUILD)/tidecache
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)/etc/tidecache
	install -m 755 $(BUILD)/tidecache $(DESTDIR)$(PREFIX)/bin/tidecache
	test -e $(DESTDIR)/etc/tidecache/tidecache.conf || \
		install -m 644 conf/tidecache.conf $(DESTDIR)/etc/tidecache/tidecache.conf

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/tidecache

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(BUILD)/obj/main.d
