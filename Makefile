# foliotrace - one Makefile.  `make help` lists the targets; V=1 is verbose.

VERSION   := 0.1.0
PREFIX    ?= /usr/local
DESTDIR   ?=
CC        ?= gcc
PKGS      := libtraceevent libtracefs libtracecmd sqlite3 ncursesw libseccomp libzstd

BUILD     ?= build
BIN       := $(BUILD)/foliotrace

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS    ?= -O2 -g
WARN      := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
ALL_CFLAGS = -std=gnu11 $(WARN) $(CFLAGS) $(EXTRA_CFLAGS) $(PKG_CFLAGS) \
             -DFT_VERSION='"$(VERSION)"' -D_GNU_SOURCE -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(EXTRA_LDFLAGS)
LIBS      := $(PKG_LIBS) -lpthread -lm

ifeq ($(V),1)
Q :=
else
Q := @
endif

CORE_SRC   := core/err.c core/kinds.c core/store.c core/evpack.c core/wire.c core/json.c core/durable.c core/termsafe.c \
              core/kfingerprint.c core/vocab.c core/sqlfn.c core/evtab.c
ANALYZE_SRC := analyze/hb.c analyze/variant.c analyze/folio.c analyze/windows.c analyze/punch.c analyze/stale.c analyze/analyze.c analyze/timeline.c analyze/window.c
REPLAY_SRC := $(sort $(wildcard replay/*.c))
# jobs: library calls that join the database and the model (any front end)
JOBS_SRC   := $(sort $(wildcard jobs/*.c))
REPORT_SRC := report/report.c report/query.c report/html.c report/markdown.c report/svg.c \
              report/export.c
RECORD_SRC := record/normalize.c record/emit.c record/loader.c record/decode.c record/sandbox.c \
              record/import.c record/tracing.c record/recorder.c record/datfile.c
CLI_SRC    := cli/main.c cli/cmd.c cli/cmd_import.c cli/cmd_info.c cli/cmd_sql.c cli/cmd_record.c cli/cmd_analyze.c cli/cmd_windows.c \
              cli/cmd_timeline.c cli/cmd_replay.c cli/cmd_report.c cli/cmd_export.c cli/cmd_tui.c
# The TUI links into the binary only (the unit tests do not need curses).
TUI_SRC    := tui/tui.c tui/term.c tui/query.c tui/actions.c tui/chrome.c \
              tui/scr_overview.c tui/scr_timeline.c tui/scr_replay.c tui/scr_help.c
LIB_SRC    := $(CORE_SRC) $(RECORD_SRC) $(ANALYZE_SRC) $(REPLAY_SRC) $(JOBS_SRC) $(REPORT_SRC)

LIB_OBJ    := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/schema_sql.o
CLI_OBJ    := $(CLI_SRC:%.c=$(BUILD)/%.o) $(TUI_SRC:%.c=$(BUILD)/%.o)

UNIT_SRC   := $(wildcard tests/unit/test_*.c)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)


.PHONY: all check check-run deps-test debug debug-bin check-long check-lab lab bench asan asan-bin check-asan-inner install uninstall deps demo clean help docs \
        fuzz fuzz-bin fuzz-inner fuzz-regress-bin

all: $(BIN) foliotrace $(BUILD)/foliotrace_sqlite.so

# A convenience link at the top level for `./foliotrace`: always the
# default build, never a sanitizer build made with another BUILD.
foliotrace: $(BIN)
	$(Q)if [ "$(BUILD)" = build ]; then ln -sf build/foliotrace foliotrace; fi

$(BIN): $(LIB_OBJ) $(CLI_OBJ)
	@echo "  LINK    $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

# schema.sql is compiled in: a C string generated at build time.
$(BUILD)/schema_sql.c: schema.sql
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	$(Q){ echo '/* generated from schema.sql by the Makefile: do not edit */'; \
	      echo 'const char ft_schema_sql[] ='; \
	      sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' schema.sql; \
	      echo ';'; } > $@.tmp && mv $@.tmp $@

$(BUILD)/schema_sql.o: $(BUILD)/schema_sql.c
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -Wno-missing-variable-declarations -c -o $@ $<

# The loadable SQLite extension (ext/foliotrace_sqlite.c): the events
# virtual table and ft_field() for the stock sqlite3 CLI
# (`.load /usr/local/lib/foliotrace/foliotrace_sqlite`).  Its objects are
# built apart, position-independent, calling SQLite through the host's API
# table (FT_SQLITE_EXTENSION); only the entry points are exported.
EXT_SO     := $(BUILD)/foliotrace_sqlite.so
EXT_SRC    := ext/foliotrace_sqlite.c core/evtab.c core/sqlfn.c core/evpack.c
EXT_OBJ    := $(EXT_SRC:%.c=$(BUILD)/ext-pic/%.o)
EXT_LIBS   := $(shell pkg-config --libs libzstd 2>/dev/null) -lm

$(BUILD)/ext-pic/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -fPIC -fvisibility=hidden -DFT_SQLITE_EXTENSION -c -o $@ $<

$(EXT_SO): $(EXT_OBJ)
	@echo "  LINK    $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -shared -Wl,--no-undefined -o $@ $^ $(EXT_LIBS)

# Out-of-memory sweeps: foliotrace's own allocations are wrapped at link time.
OOM_WRAP := -Wl,--wrap=malloc -Wl,--wrap=calloc -Wl,--wrap=realloc -Wl,--wrap=strdup
$(BUILD)/tests/test_oom: tests/unit/test_oom.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $(OOM_WRAP) -o $@ $< $(LIB_OBJ) $(LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIB_OBJ) $(LIBS)

# --- tests --------------------------------------------------------------
ASAN_FLAGS := CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
              LDFLAGS="-fsanitize=address,undefined"

# The hostile-input tests also run against an ASan+UBSan build (FT_ASAN_BIN).
# The test tools are installed first (make deps-test), then the suite runs.
check: deps-test
	$(Q)$(MAKE) --no-print-directory check-run

check-run: all $(UNIT_BIN) $(BUILD)/gen_synth $(BUILD)/fiu_nth.so $(BUILD)/escape.so asan-bin fuzz-regress-bin debug-bin
	$(Q)FT_BIN=$(abspath $(BIN)) FT_BUILD=$(abspath $(BUILD)) \
	  FT_ASAN_BIN=$(abspath build-asan/foliotrace) FT_DEBUG_BIN=$(abspath build-debug/foliotrace) \
	  tests/run.sh

# The debug build: the analysis checks its invariants (A1-A4 in
# analyze/analyze.c, hb_check()) after every event and aborts on a breach.
# `make debug` runs the analysis tests and the real-kernel corpus with it.
debug-bin:
	$(Q)$(MAKE) --no-print-directory BUILD=build-debug CFLAGS="-O1 -g" EXTRA_CFLAGS=-DFT_DEBUG \
	  build-debug/foliotrace $(patsubst $(BUILD)/%,build-debug/%,$(UNIT_BIN))

debug: debug-bin
	$(Q)FT_ONLY="test_analyze t3" FT_BIN=$(abspath build-debug/foliotrace) \
	  FT_BUILD=$(abspath build-debug) tests/run.sh

asan-bin:
	$(Q)$(MAKE) --no-print-directory BUILD=build-asan $(ASAN_FLAGS) build-asan/foliotrace

check-long: all $(UNIT_BIN) $(BUILD)/gen_synth $(BUILD)/fiu_nth.so $(BUILD)/escape.so fuzz-regress-bin
	$(Q)FT_LONG=1 FT_BIN=$(abspath $(BIN)) FT_BUILD=$(abspath $(BUILD)) tests/run.sh

# The kernel lab (tests/lab/README.md): root, qemu (installed if missing),
# a Debian mirror.  `make lab` records; `make check-lab` runs only the quick
# lab run checked against this build (tests/t8001-lab.sh), which `make check`
# also runs unless FT_LAB=0.
KERNEL     ?= linux-image-5.10.0-32-amd64
LAB_ARGS   ?=
lab:
	$(Q)KERNEL=$(KERNEL) tests/lab/lab.sh $(LAB_ARGS)

check-lab: all
	$(Q)FT_LAB=1 FT_LAB_KERNEL=$(KERNEL) FT_ONLY=t8001 FT_BIN=$(abspath $(BIN)) \
	  FT_BUILD=$(abspath $(BUILD)) tests/run.sh

# ASan + UBSan build of everything, then the test suite against it.
asan:
	$(Q)$(MAKE) --no-print-directory BUILD=build-asan $(ASAN_FLAGS) check-asan-inner

check-asan-inner: $(BIN) $(UNIT_BIN)
	$(Q)FT_ASAN=1 ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	  LSAN_OPTIONS=suppressions=$(abspath tests/lsan.supp):print_suppressions=0 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  FT_BIN=$(abspath $(BIN)) FT_BUILD=$(abspath $(BUILD)) tests/run.sh

# --- fuzzing (tests/fuzz/README.md) --------------------------------------
# libFuzzer harnesses: clang, every object instrumented for coverage and
# built with ASan+UBSan; the system libraries are not instrumented.
FUZZ_NAMES   := import stream normalize db
FUZZ_SECONDS ?= 60
FUZZ_FLAGS   := CC=clang CFLAGS="-g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer" \
                LDFLAGS="-fsanitize=address,undefined" EXTRA_CFLAGS="-Wno-error"

fuzz-bin:
	$(Q)$(MAKE) --no-print-directory BUILD=build-fuzz $(FUZZ_FLAGS) fuzz-inner

fuzz-inner: $(FUZZ_NAMES:%=$(BUILD)/fuzz/fuzz-%)

$(BUILD)/fuzz/fuzz-%: tests/fuzz/fuzz_%.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	$(Q)$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer $(ALL_LDFLAGS) -o $@ $< $(LIB_OBJ) $(LIBS)

fuzz: fuzz-bin
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) FT_BIN=$(abspath $(BIN)) tests/fuzz/run.sh $(FUZZ_NAMES)

# The same harnesses without libFuzzer (tests/fuzz/fuzz_main.c), to run the
# regression corpus under ASan+UBSan in `make check`.
fuzz-regress-bin:
	$(Q)$(MAKE) --no-print-directory BUILD=build-asan $(ASAN_FLAGS) \
	  $(FUZZ_NAMES:%=build-asan/fuzz/regress-%) build-asan/tests/test_oom

$(BUILD)/fuzz/regress-%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_main.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< tests/fuzz/fuzz_main.c $(LIB_OBJ) $(LIBS)

# The Nth-I/O-call failure injector over libfiu (tests/t9004-eio.sh).
$(BUILD)/fiu_nth.so: tests/fiu/fiu_nth.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -DFIU_ENABLE=1 -shared -fPIC -o $@ $< -lfiu

# A stand-in for an exploit of the trace libraries (tests/t9006-sandbox.sh).
$(BUILD)/escape.so: tests/sandbox/escape.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -shared -fPIC -o $@ $< -ldl

$(BUILD)/gen_synth: bench/gen_synth.c tests/unit/synth.h $(LIB_OBJ)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIB_OBJ) $(LIBS)

$(BUILD)/replay_bench: bench/replay_bench.c $(LIB_OBJ)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIB_OBJ) $(LIBS)

# Times one SQL query in-process, with plain SQLite (bench/run.sh).
$(BUILD)/query_bench: bench/query_bench.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIBS)

bench: all $(BUILD)/gen_synth $(BUILD)/replay_bench $(BUILD)/query_bench
	$(Q)FT_BIN=$(abspath $(BIN)) FT_BUILD=$(abspath $(BUILD)) bench/run.sh

# --- install, deps, demo ------------------------------------------------
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	  $(DESTDIR)$(PREFIX)/share/doc/foliotrace
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/foliotrace
	install -D -m 0755 $(EXT_SO) $(DESTDIR)$(PREFIX)/lib/foliotrace/foliotrace_sqlite.so
	install -m 0644 docs/man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 schema.sql README.md docs/*.md $(DESTDIR)$(PREFIX)/share/doc/foliotrace/
	install -D -m 0644 scripts/foliotrace-completion.bash \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions/foliotrace

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/foliotrace
	rm -rf $(DESTDIR)$(PREFIX)/lib/foliotrace
	rm -f $(patsubst docs/man/%,$(DESTDIR)$(PREFIX)/share/man/man1/%,$(wildcard docs/man/*.1))
	rm -rf $(DESTDIR)$(PREFIX)/share/doc/foliotrace
	rm -f $(DESTDIR)$(PREFIX)/share/bash-completion/completions/foliotrace

# scripts/deps.sh: `make deps` installs what building needs (the libraries
# and the compiler), `make deps-test` that and the test tools (trace-cmd,
# xfsprogs, tmux, chromium, clang, libfiu, qemu, ...); make check runs it.
deps:
	$(Q)scripts/deps.sh build

deps-test:
	$(Q)scripts/deps.sh test

# Set-up and demo in one: install the build libraries if missing, build,
# then the whole story on the bundled real traces (scripts/demo.sh):
# import, analyze, the loss window, its timeline, its replay under each
# variant, the report (its path printed last).  No root needed once the
# libraries are present.
demo:
	$(Q)scripts/deps.sh build
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/demo.sh ./foliotrace $(BUILD)/demo

docs/schema.md: schema.sql scripts/gen-schema-doc.sh
	$(Q)scripts/gen-schema-doc.sh schema.sql > $@.tmp && mv $@.tmp $@

docs: docs/schema.md

clean:
	rm -rf build build-asan foliotrace

help:
	@echo "targets: all check check-long check-lab lab asan bench install uninstall deps deps-test demo docs clean"
	@echo "variables: V=1 (verbose), PREFIX, DESTDIR, CC, CFLAGS, KERNEL and LAB_ARGS (lab)"

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
