# unrolled: recurrent networks, Seq2Seq and attention from scratch in C.
# `make help` lists the targets. Toggles (set on the command line, e.g. `make OPENMP=0`):
OPENMP ?= 1        # 1: split big loops across cores with OpenMP (results do not depend on it)
SAN    ?= 0        # 1: build with AddressSanitizer + UndefinedBehaviorSanitizer
LIBM_ACTIVATIONS ?= 0   # 1: tanh and sigmoid from libm's tanhf/expf instead of the SIMD kernels
BUILD  ?= build    # where objects and the test binary go
BINDIR ?= bin      # where the chapter programs and tools go
CC     ?= cc

# --- flags --------------------------------------------------------------------------------
# No -ffast-math / -Ofast: they assume no NaN or Inf, and chapter 01 and 02 are about exactly
# those values (an isnan() check must not be compiled away).
BUILD  := $(strip $(BUILD))
BINDIR := $(strip $(BINDIR))
CFLAGS ?= -O2 -g
CFLAGS += -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Icommon -MMD -MP
# Vectorisation (SIMD) of the elementwise loops, which -O2 alone leaves scalar whenever a loop's
# length is not known to be a multiple of the vector width; and the clamps `x > c ? c : x` turned
# into vector min/max. Neither changes a result: each lane does the scalar loop's IEEE operations
# in the same order (sums are not reordered: that would need -fassociative-math, never set).
# clang vectorises at -O2 anyway and does not know the first flag, so it is added only for a
# compiler that accepts it.
CFLAGS += $(shell $(CC) -fvect-cost-model=dynamic -x c -c /dev/null -o /dev/null 2>/dev/null \
                  && echo -fvect-cost-model=dynamic) -fno-trapping-math
LDLIBS += -lm
ifeq ($(strip $(OPENMP)),1)
CFLAGS += -fopenmp
LDFLAGS += -fopenmp
else
CFLAGS += -Wno-unknown-pragmas
endif
ifeq ($(strip $(SAN)),1)
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif
ifeq ($(strip $(LIBM_ACTIVATIONS)),1)
CFLAGS += -DUNROLLED_LIBM_ACTIVATIONS
endif
# Libraries come from pkg-config. These are expanded only when a recipe runs, i.e. after the
# deps step has installed pkg-config itself.
PNG_CFLAGS = $(shell pkg-config --cflags libpng)
PNG_LIBS   = $(shell pkg-config --libs libpng)
CHECK_CFLAGS = $(shell pkg-config --cflags check)
CHECK_LIBS   = $(shell pkg-config --libs check)

# --- what there is -------------------------------------------------------------------------
COMMON_SRC := $(sort $(wildcard common/*.c))
COMMON_OBJ := $(COMMON_SRC:%.c=$(BUILD)/%.o)
LIB        := $(BUILD)/libunrolled.a

# Every folder chapters/NN_name/ builds bin/NN_name from its .c files. main.c is the driver;
# the other files hold the chapter's functions, which the tests link too.
CHAPTERS     := $(patsubst chapters/%/main.c,%,$(sort $(wildcard chapters/*/main.c)))
CHAPTER_BINS := $(CHAPTERS:%=$(BINDIR)/%)
CHAPTER_FUNC_SRC := $(filter-out %/main.c,$(wildcard chapters/*/*.c))
CHAPTER_FUNC_OBJ := $(CHAPTER_FUNC_SRC:%.c=$(BUILD)/%.o)
CHAPTER_MAIN_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(wildcard chapters/*/main.c))

# Every tools/NAME.c builds bin/NAME (e.g. bin/bleu).
TOOLS     := $(patsubst tools/%.c,%,$(wildcard tools/*.c))
TOOL_BINS := $(TOOLS:%=$(BINDIR)/%)
TOOL_OBJ  := $(TOOLS:%=$(BUILD)/tools/%.o)

TEST_SRC := $(sort $(wildcard tests/*.c))
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/%.o)
TEST_BIN := $(BUILD)/check_unrolled

.PHONY: all deps test sanitize figures clean help lint bench bench-compare fuzz valgrind
all: $(LIB) $(CHAPTER_BINS) $(TOOL_BINS) $(TEST_BIN)

help:
	@echo "unrolled: make targets"
	@echo "  make             build every chapter (bin/NN_name), tool and the test binary"
	@echo "  make figures     run every chapter at its classroom default, regenerate figures/"
	@echo "  make test        run the Check test suite (CK_RUN_SUITE=name runs one suite;"
	@echo "                   CK_FORK=no runs in one process, for gdb and valgrind)"
	@echo "  make sanitize    the test suite under AddressSanitizer + UBSan (in build/san)"
	@echo "  make bench       time the kernels and layers (bench/results.csv); BENCH_ARGS=--quick"
	@echo "  make bench-compare  the same workloads in PyTorch side by side (needs python3-torch)"
	@echo "  make fuzz        libFuzzer harnesses (tests/fuzz/), FUZZ_SECONDS=N each (default 60)"
	@echo "  make valgrind    the tests and every chapter's --quick under valgrind memcheck"
	@echo "  make lint        trailing whitespace and tabs in sources"
	@echo "  make deps        install gnuplot, libpng, Check and pkg-config if missing"
	@echo "  make clean       remove build/ and bin/"
	@echo "toggles: OPENMP=0 (single-threaded build), SAN=1, LIBM_ACTIVATIONS=1, BUILD=dir, CC=clang"

# --- dependencies --------------------------------------------------------------------------
# Checked on every entry target (cheap); installs with apt-get when something is missing.
deps:
	@sh tools/deps.sh

# --- building ------------------------------------------------------------------------------
$(BUILD)/%.o: %.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PNG_CFLAGS) -c $< -o $@

$(BUILD)/tests/%.o: tests/%.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PNG_CFLAGS) $(CHECK_CFLAGS) -Itests -I$(BUILD)/tests -c $< -o $@

$(LIB): $(COMMON_OBJ)
	@rm -f $@
	ar rcs $@ $^

# bin/NN_name: that chapter's objects + the library.
chapter_objs = $(patsubst %.c,$(BUILD)/%.o,$(wildcard chapters/$(1)/*.c))
.SECONDEXPANSION:
$(CHAPTER_BINS): $(BINDIR)/%: $$(call chapter_objs,$$*) $(LIB)
	@mkdir -p $(BINDIR)
	$(CC) $(LDFLAGS) -o $@ $^ $(PNG_LIBS) $(LDLIBS)

$(TOOL_BINS): $(BINDIR)/%: $(BUILD)/tools/%.o $(LIB)
	@mkdir -p $(BINDIR)
	$(CC) $(LDFLAGS) -o $@ $^ $(PNG_LIBS) $(LDLIBS)

# The suite list is generated from the make_<name>_suite functions the test files define,
# so adding tests/check_foo.c with make_foo_suite() is all it takes to run a new suite.
$(BUILD)/tests/suites.h: $(TEST_SRC)
	@mkdir -p $(dir $@)
	@sed -n 's/^Suite \*make_\([a-z0-9_]*\)_suite(void).*/SUITE(\1)/p' $(TEST_SRC) > $@.tmp
	@mv $@.tmp $@

$(BUILD)/tests/check_main.o: $(BUILD)/tests/suites.h

$(TEST_BIN): $(TEST_OBJ) $(CHAPTER_FUNC_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(PNG_LIBS) $(LDLIBS)

# bin/bench: the benchmark program (bench/*.c + the chapters' functions, as the tests link them,
# + the library); not a test.
BENCH_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(wildcard bench/*.c))
$(BINDIR)/bench: $(BENCH_OBJ) $(CHAPTER_FUNC_OBJ) $(LIB)
	@mkdir -p $(BINDIR)
	$(CC) $(LDFLAGS) -o $@ $^ $(PNG_LIBS) $(LDLIBS)

bench: $(BINDIR)/bench
	./$(BINDIR)/bench $(BENCH_ARGS)

bench-compare: $(BINDIR)/bench
	@sh bench/compare.sh $(BENCH_ARGS)

# --- running -------------------------------------------------------------------------------
# The tests run from the top folder (they read tests/fixtures/). They find the programs in
# $$UNROLLED_BIN and keep their scratch files in $$UNROLLED_SCRATCH (tests/test_env.h).
test: $(TEST_BIN) $(CHAPTER_BINS) $(TOOL_BINS)
	UNROLLED_BIN=$(BINDIR) UNROLLED_SCRATCH=$(BUILD)/test-runs ./$(TEST_BIN)

# The sanitizer build keeps its own objects and programs, so it never replaces bin/.
# AddressSanitizer makes everything 2-3x slower, the tests' timeouts too (libcheck's multiplier).
sanitize: | deps
	CK_TIMEOUT_MULTIPLIER=$${CK_TIMEOUT_MULTIPLIER:-3} $(MAKE) SAN=1 OPENMP=0 BUILD=build/san BINDIR=build/san/bin test

# Hardening (issue 13): the fuzzers and valgrind have scripts of their own in tools/.
FUZZ_SECONDS ?= 60
fuzz: | deps
	sh tools/run_fuzzers.sh $(FUZZ_SECONDS)

valgrind: | deps
	sh tools/valgrind_all.sh

# Every chapter at its classroom default, narrating as it goes.
figures: $(CHAPTER_BINS) | deps
	@set -e; for c in $(CHAPTERS); do \
	  echo "== $$c"; ./$(BINDIR)/$$c; \
	done
	@echo "figures/ regenerated for: $(if $(CHAPTERS),$(CHAPTERS),no chapters yet)"

lint:
	@! grep -rnE '[[:space:]]+$$' --include='*.c' --include='*.h' --include='*.md' --include='Makefile' --include='*.py' --include='*.sh' common chapters tests tools bench Makefile README.md || (echo "lint: trailing whitespace above"; false)
	@echo "lint: clean"

clean:
	rm -rf build bin

# Every object's header dependencies (-MMD), the chapters' main.o and the tools' included: a
# changed header must rebuild every program that uses it.
-include $(COMMON_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(CHAPTER_FUNC_OBJ:.o=.d) $(CHAPTER_MAIN_OBJ:.o=.d) \
         $(TOOL_OBJ:.o=.d) $(BENCH_OBJ:.o=.d)
