# pushfix — build, test, install.  See README.md.
#
#   make                      build ./pushfix
#   make test                 unit + end-to-end tests; last line "N passed, N failed"
#   make SANITIZE=address,undefined test   the same under ASan + UBSan
#   make install PREFIX=~/.local
#   make valgrind             unit tests under valgrind
#   make fuzz                 libFuzzer targets (clang)
#   make mutation             hand-made mutants (tests/mutation/), not in CI

PREFIX ?= /usr/local
CC ?= cc
PKGS := libgit2 libcurl libcjson inih openssl libpcre2-8

ifeq ($(SANITIZE),)
BUILD := build/default
SANFLAGS :=
else
BUILD := build/san
SANFLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

WARN := -Wall -Wextra -Wpedantic -Wshadow -Wformat=2 -Wstrict-prototypes \
	-Wvla -Wwrite-strings -Werror
CFLAGS ?= -O2 -g
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SANFLAGS) -Iinclude \
	$(shell pkg-config --cflags $(PKGS)) -MMD -MP
# libcurl is not linked: src/http.c loads it on first use (dlopen), as
# loading its thirty-odd libraries was half of every run's start-up; of
# OpenSSL only libcrypto is used (hashes), not libssl.
LINK_PKGS := $(subst openssl,libcrypto,$(filter-out libcurl,$(PKGS)))
LIBS := $(shell pkg-config --libs $(LINK_PKGS)) -lpthread -lm
TEST_LIBS := $(shell pkg-config --libs cmocka)
# Tests may include a folder's internal header ("mirror/mirror_int.h"),
# and use what banned.h bans in src/.
TEST_CFLAGS := -Isrc -DPF_ALLOW_BANNED

# src/ holds the stages; src/cli/ the commands; src/scan/, src/redact/,
# src/mirror/ the families; src/util/ the bottom layer.
SRC := $(wildcard src/*.c src/*/*.c)
# The commands link into the binary only: tests and fuzzers use the stages,
# and a command file may share its name with a stage (scan.c, mirror.c).
CLI_SRC := $(wildcard src/cli/*.c)
CLI_OBJ := $(CLI_SRC:src/%.c=$(BUILD)/src/%.o)
LIB_SRC := $(filter-out $(CLI_SRC),$(SRC))
LIB_OBJ := $(LIB_SRC:src/%.c=$(BUILD)/src/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_REPLAY := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%-replay)

BIN := $(BUILD)/pushfix

# ./pushfix is the plain build; a sanitizer build stays under build/san so
# that a later plain `make` is not fooled by a newer ASan copy.
all: $(BIN) $(if $(SANITIZE),,pushfix)

pushfix: $(BIN)
	@cp $(BIN) pushfix

$(BIN): $(CLI_OBJ) $(BUILD)/libpushfix.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS)

# ar names members by file name alone: two objects of one name in different
# folders would silently replace each other.
$(BUILD)/libpushfix.a: $(LIB_OBJ)
	@d=$$(printf '%s\n' $(notdir $^) | sort | uniq -d); \
	if [ -n "$$d" ]; then echo "error: two objects named $$d in $@" >&2; exit 1; fi
	@rm -f $@
	ar rcs $@ $^

# The redactor runs over every byte sent to an LLM: -O3 (more inlining
# and unrolling of its loops) measured 3-4% faster on dense text, A/B in
# alternating rounds (bench/redact.sh).  `make REDACT_CFLAGS=` drops it.
REDACT_CFLAGS ?= -O3
$(BUILD)/src/redact/%.o: EXTRA_CFLAGS = $(REDACT_CFLAGS)

$(BUILD)/src/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(EXTRA_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libpushfix.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) -Wno-pedantic -o $@ $< $(BUILD)/libpushfix.a $(LIBS) $(TEST_LIBS)

# Each fuzz target is also linked with a small driver that replays its corpus,
# so `make test` exercises every saved input without clang.
$(BUILD)/fuzz/%-replay: tests/fuzz/%.c tests/fuzz/replay.c $(BUILD)/libpushfix.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) -o $@ $< tests/fuzz/replay.c $(BUILD)/libpushfix.a $(LIBS)

units: $(UNIT_BIN) $(FUZZ_REPLAY)

test: $(BIN) units
	PUSHFIX_BIN=$(abspath $(BIN)) BUILD=$(BUILD) bash tests/run.sh

unit-test: $(BIN) units
	PUSHFIX_BIN=$(abspath $(BIN)) BUILD=$(BUILD) PUSHFIX_ONLY=unit bash tests/run.sh

e2e-test: $(BIN) units
	PUSHFIX_BIN=$(abspath $(BIN)) BUILD=$(BUILD) PUSHFIX_ONLY=e2e bash tests/run.sh

# pushfix eval on the project's own labelled set, stand-in LLM.
eval: $(BIN)
	PUSHFIX_BIN=$(abspath $(BIN)) sh tests/eval/standin.sh

valgrind: units
	@for t in $(UNIT_BIN); do \
		valgrind --error-exitcode=1 --leak-check=full -q $$t || exit 1; \
	done

FUZZ_CC ?= clang
fuzz:
	@mkdir -p build/fuzz
	@for f in $(FUZZ_SRC); do \
		n=$$(basename $$f .c); \
		$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -g -O1 -Iinclude $(TEST_CFLAGS) \
			$$(pkg-config --cflags $(PKGS)) \
			-fsanitize=fuzzer,address,undefined -o build/fuzz/$$n $$f \
			$(LIB_SRC) $(LIBS) || exit 1; \
	done

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/pushfix/hooks \
		$(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/pushfix
	install -m 0755 hooks/pre-push $(DESTDIR)$(PREFIX)/share/pushfix/hooks/pre-push
	install -m 0755 hooks/post-commit $(DESTDIR)$(PREFIX)/share/pushfix/hooks/post-commit
	install -m 0644 config.ini.example $(DESTDIR)$(PREFIX)/share/pushfix/config.ini.example
	install -m 0644 docs/man/pushfix.1 $(DESTDIR)$(PREFIX)/share/man/man1/pushfix.1

# Not part of `test`: one rebuild per mutant.  MUTANTS="3 fix-crlf-not-kept"
# runs some of them only.
mutation:
	sh tests/mutation/run.sh $(MUTANTS)

bench: $(BIN)
	PUSHFIX_BIN=$(abspath $(BIN)) sh bench/run.sh

FORMAT_FILES = $(SRC) $(wildcard src/*/*.h include/pushfix/*.h)

format:
	clang-format -i $(FORMAT_FILES)

# CI runs this and `lint`; a difference names the file and the fix.
format-check:
	@bad=""; for f in $(FORMAT_FILES); do \
		clang-format --dry-run -Werror "$$f" >/dev/null 2>&1 || bad="$$bad $$f"; \
	done; \
	if [ -n "$$bad" ]; then \
		echo "error: not clang-formatted:$$bad"; \
		echo "hint: make format (clang-format $$(clang-format --version | sed 's/.*version //'))"; \
		exit 1; \
	fi; echo "format: $(words $(FORMAT_FILES)) files clang-formatted"

lint: format-check
	@sh tests/lint/layout.sh
	@# the redactor's plain C path (no SSE2, no AVX-512) still builds
	@$(CC) $(ALL_CFLAGS) -DPF_REDACT_SCALAR -fsyntax-only src/redact/*.c

clean:
	rm -rf build pushfix

.PHONY: all eval test unit-test e2e-test units valgrind fuzz install bench format \
	format-check lint clean mutation
.SECONDARY:

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d)
