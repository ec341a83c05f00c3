# tidecache build. `make` builds build/tidecache; `make run` installs what is
# missing, builds and serves with conf/tidecache.conf; `make test` installs the
# test dependencies, builds and runs every test.
#
#   make CC=clang                      build with clang
#   make test SANITIZE=address,undefined  instrumented build (in build/sanitize)
#   make install PREFIX=/usr/local DESTDIR=/tmp/stage
#   make soak SOAK_SECONDS=600         soak test against build/tidecache (not in `make test`)

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

# jemalloc: denser size classes for items (see src/base/mem.c); sanitizer builds
# keep the C library's malloc, which their runtime replaces.
# Lua 5.1 runs scripts (EVAL, FUNCTION): the language version Redis embeds,
# so scripts written for Redis run unchanged. cjson and bit are Debian's
# lua-cjson and lua-bitop, the libraries Redis embeds, linked statically.
PKGS := libevent lua5.1 $(if $(SANITIZE),,jemalloc)
LUA_LIBS := -l:liblua5.1-cjson.a -l:liblua5.1-bitop.a
TEST_PKGS := check hiredis

CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SAN_FLAGS) -Iinclude \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LIBS := $(LUA_LIBS) $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm
TEST_CFLAGS := $(shell pkg-config --cflags $(TEST_PKGS) 2>/dev/null)
TEST_LIBS := $(shell pkg-config --libs $(TEST_PKGS) 2>/dev/null)

# src/<layer>/<module>.c: base, data, net, cmd (see the design notes).
LIB_SRC := $(wildcard src/*/*.c)
LIB_OBJ := $(LIB_SRC:src/%.c=$(BUILD)/obj/%.o)
UNIT_SRC := $(wildcard tests/unit/check_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
IT_SRC := $(wildcard tests/integration/it_*.c)
IT_SUPPORT := $(filter-out $(IT_SRC),$(wildcard tests/integration/*.c))
IT_BIN := $(IT_SRC:tests/integration/%.c=$(BUILD)/tests/%)
# Integration tests talk to the server over TCP; the one library module they
# link is SHA-1, which names scripts (unit-tested against FIPS vectors).
IT_LIB_OBJ := $(BUILD)/obj/base/sha1.o
HELPER_SRC := $(wildcard tests/helpers/*.c)
HELPER_BIN := $(HELPER_SRC:tests/helpers/%.c=$(BUILD)/tests/%)
# Each fuzz target also builds with this compiler and a plain main that
# replays its seed corpus and saved regressions (tests/fuzz/replay.c).
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
REPLAY_BIN := $(FUZZ_SRC:tests/fuzz/fuzz_%.c=$(BUILD)/tests/replay_%)

.PHONY: all run test test-build deps deps-test install uninstall clean fuzz fuzz-run \
	fuzz-coverage fuzz-merge sample-conf

all: $(BUILD)/tidecache

$(BUILD)/obj/%.o: src/%.c $(wildcard include/tidecache/*.h) | $(BUILD)/obj
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -c $< -o $@

$(BUILD)/libtidecache.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/tidecache: $(BUILD)/obj/main.o $(BUILD)/libtidecache.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/check_%: tests/unit/check_%.c $(BUILD)/libtidecache.a | $(BUILD)/tests
	$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) -o $@ $^ $(LIBS) $(TEST_LIBS)

$(BUILD)/tests/it_%: tests/integration/it_%.c $(IT_SUPPORT) $(IT_LIB_OBJ) \
		$(wildcard tests/integration/*.h) | $(BUILD)/tests
	$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) -Itests/integration -o $@ $< $(IT_SUPPORT) $(IT_LIB_OBJ) \
		$(TEST_LIBS)

$(BUILD)/tests/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(BUILD)/libtidecache.a \
		| $(BUILD)/tests
	$(CC) $(ALL_CFLAGS) -o $@ $< tests/fuzz/replay.c $(BUILD)/libtidecache.a $(LIBS)

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

test-build: $(BUILD)/tidecache $(UNIT_BIN) $(IT_BIN) $(HELPER_BIN) $(REPLAY_BIN)

test: deps-test
	$(MAKE) test-build
	BUILD=$(BUILD) SANITIZE=$(SANITIZE) scripts/run-tests.sh

# Soak test, not part of `make test`: SOAK_SECONDS of checked traffic, expiry,
# eviction and protocol abuse against one server, half without a memory cap
# and half with one (see tests/soak/soak.c).
SOAK_SECONDS ?= 600
.PHONY: soak

$(BUILD)/tests/soak: $(wildcard tests/soak/*.c) tests/soak/soak.h | $(BUILD)/tests
	$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) -o $@ $(filter %.c,$^) $(TEST_LIBS) -pthread

soak: deps-test
	$(MAKE) $(BUILD)/tidecache $(BUILD)/tests/soak
	$(BUILD)/tests/soak --server $(BUILD)/tidecache --seconds $(SOAK_SECONDS)

# Regenerate the sample config from the option table.
sample-conf: $(BUILD)/tidecache
	$(BUILD)/tidecache --sample-config > conf/tidecache.conf

# libFuzzer targets (clang): see tests/fuzz/Makefile.
FUZZ_SECONDS ?= 60
fuzz:
	@scripts/deps.sh fuzz
	$(MAKE) -f tests/fuzz/Makefile

# Every fuzz target for FUZZ_SECONDS from its seed corpus; a finding stops
# the run with its input saved under build/fuzz/artifacts/.
fuzz-run:
	@scripts/deps.sh fuzz
	$(MAKE) -f tests/fuzz/Makefile run FUZZ_SECONDS=$(FUZZ_SECONDS)

fuzz-coverage:
	@scripts/deps.sh fuzz
	$(MAKE) -f tests/fuzz/Makefile coverage

fuzz-merge:
	$(MAKE) -f tests/fuzz/Makefile merge

# Install locations. systemd searches $(PREFIX)/lib/systemd/system for
# PREFIX /usr/local and /usr alike; the unit's ExecStart is rewritten to
# $(BINDIR). The config lives in /etc whatever the prefix, as the unit says.
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
UNITDIR ?= $(PREFIX)/lib/systemd/system
CONFDIR := /etc/tidecache
INSTALLED := $(BINDIR)/tidecache $(UNITDIR)/tidecache.service $(UNITDIR)/tidecache.socket \
	$(MANDIR)/man1/tidecache.1 $(MANDIR)/man5/tidecache.conf.5

.PHONY: man
man: $(BUILD)/man/tidecache.conf.5

# tidecache.conf(5) is generated from the option table, like the sample
# config, so it cannot drift from the code.
$(BUILD)/gen_conf_man: man/gen_conf_man.c include/tidecache/config.h \
		include/tidecache/version.h | $(BUILD)/obj
	$(CC) $(ALL_CFLAGS) -o $@ $<

$(BUILD)/man/tidecache.conf.5: $(BUILD)/gen_conf_man
	mkdir -p $(@D)
	$(BUILD)/gen_conf_man > $@.tmp && mv $@.tmp $@

# The config is installed only when none is there: an operator's edits are
# never overwritten, and uninstall leaves it.
install: $(BUILD)/tidecache $(BUILD)/man/tidecache.conf.5
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(CONFDIR) $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	install -m 755 $(BUILD)/tidecache $(DESTDIR)$(BINDIR)/tidecache
	test -e $(DESTDIR)$(CONFDIR)/tidecache.conf || \
		install -m 644 conf/tidecache.conf $(DESTDIR)$(CONFDIR)/tidecache.conf
	sed 's|^ExecStart=/usr/local/bin/|ExecStart=$(BINDIR)/|' systemd/tidecache.service \
		> $(BUILD)/tidecache.service
	install -m 644 $(BUILD)/tidecache.service $(DESTDIR)$(UNITDIR)/tidecache.service
	install -m 644 systemd/tidecache.socket $(DESTDIR)$(UNITDIR)/tidecache.socket
	install -m 644 man/tidecache.1 $(DESTDIR)$(MANDIR)/man1/tidecache.1
	install -m 644 $(BUILD)/man/tidecache.conf.5 $(DESTDIR)$(MANDIR)/man5/tidecache.conf.5

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(BUILD)/obj/main.d
