# eunomia-bpf — top-level build.
#   make            build everything (bin/ecc, bin/ecli, libeunomia.{a,so})
#   make test       install deps if missing, mount bpffs/tracefs, run every test (TAP, via prove),
#                   then again on an ASan+UBSan build
#   make check      clang-format + cppcheck + shellcheck
#   make test TEST_SAN=0              the same without the second, ASan+UBSan pass
#   make SAN=address,undefined test   only the sanitizer build (in build-san/)
#   make bench      benchmark suite (bench/)
#   make install PREFIX=/usr/local DESTDIR=...

VERSION     := 0.1.0
PREFIX      ?= /usr/local
DESTDIR     ?=
CC          ?= gcc
LLVM_CONFIG ?= llvm-config
PKG_CONFIG  ?= pkg-config

ifeq ($(SAN),)
O := build
SANFLAGS :=
else
O := build-san
SANFLAGS := -fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

# libcurl and libarchive are compiled against but loaded with dlopen() only when a URL or a
# .tar is opened: linking them would make every ecli start pay for ~30 more shared objects.
PKGS        := libbpf libelf zlib libcjson yaml-0.1 nettle libsodium
LAZY_PKGS   := libcurl libarchive
PKG_CFLAGS  := $(shell $(PKG_CONFIG) --cflags $(PKGS) $(LAZY_PKGS) 2>/dev/null)
PKG_LIBS    := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
ECC_LIBS    := $(shell $(PKG_CONFIG) --libs libarchive 2>/dev/null)
# ecli links the static archives Debian ships for these (libbpf-dev, libelf-dev, zlib1g-dev,
# libyaml-dev, nettle-dev), as bpftool links libbpf: process start-up is then faster than a
# dynamically linked libbpf tool's, and a standalone tool needs only libc and libcjson (no
# libcjson.a exists). ECLI_STATIC=0 links everything dynamically.
ECLI_STATIC ?= 1
STATIC_PKGS := libbpf libelf zlib yaml-0.1 nettle libsodium
ifeq ($(ECLI_STATIC),1)
ECLI_LIBS   := -Wl,-Bstatic $(shell $(PKG_CONFIG) --static --libs-only-l $(STATIC_PKGS) 2>/dev/null) \
	       -Wl,-Bdynamic $(shell $(PKG_CONFIG) --libs libcjson 2>/dev/null)
else
ECLI_LIBS   := $(PKG_LIBS)
endif
CLANG_INC   := $(shell $(LLVM_CONFIG) --includedir 2>/dev/null)
CLANG_LIBDIR:= $(shell $(LLVM_CONFIG) --libdir 2>/dev/null)

WARNFLAGS := -Wall -Wextra -Werror -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes -Wvla \
	     -Wno-unused-parameter
CFLAGS   ?= -O2 -g
# Hidden by default: only what the public header marks EUNOMIA_API leaves the library.
ALL_CFLAGS := -std=gnu11 $(CFLAGS) $(WARNFLAGS) $(SANFLAGS) -fPIC -fvisibility=hidden -D_GNU_SOURCE \
	      -DEUNOMIA_VERSION='"$(VERSION)"' -I. $(PKG_CFLAGS)
# Layers point one way: common <- packer <- loader <- ecli, and common <- packer <- ecc. Only
# the loader, ecli and the tests see the public header (scripts/check.sh checks the includes).
LAYER_CFLAGS = $(if $(filter loader/% ecli/% tests/%,$<),-Iloader/include) \
	       $(if $(filter ecc/% btfgen/% tests/unit/test_ecc%,$<),-I$(CLANG_INC))
ALL_LDFLAGS := -Wl,--as-needed $(LDFLAGS) $(SANFLAGS)

COMMON_SRCS := $(wildcard common/*.c)
PACKER_SRCS := $(wildcard packer/*.c)
LOADER_SRCS := $(wildcard loader/*.c)
ECLI_SRCS   := $(wildcard ecli/*.c)
ECC_SRCS    := $(wildcard ecc/*.c) $(wildcard btfgen/*.c)
UNIT_SRCS   := $(wildcard tests/unit/test_*.c)

objs = $(patsubst %.c,$(O)/%.o,$(1))

LIBPACKER := $(O)/libeupacker.a
LIBSTATIC := $(O)/libeunomia.a
LIBINTERNAL := $(O)/libeunomia-internal.a
LIBSHARED := $(O)/libeunomia.so.0
ECC       := $(O)/bin/ecc
ECLI      := $(O)/bin/ecli
UNIT_BINS := $(patsubst tests/unit/%.c,$(O)/tests/%,$(UNIT_SRCS))

.PHONY: all bin test suite unit e2e check format bench install clean deps mounts fuzz fuzz-long valgrind-unit
all: $(ECC) $(ECLI) $(LIBSHARED) $(LIBSTATIC) $(O)/eunomia.pc $(if $(SANFLAGS),,bin)

# Convenience links so README commands can say bin/ecc and bin/ecli (to the plain build only:
# the sanitizer pass of `make test` leaves them alone).
bin: $(ECC) $(ECLI)
	@mkdir -p bin && ln -sf ../$(ECC) bin/ecc && ln -sf ../$(ECLI) bin/ecli

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LAYER_CFLAGS) -MMD -MP -c $< -o $@

# common + packer: all ecc needs (ecc does not link the loader).
$(LIBPACKER): $(call objs,$(COMMON_SRCS) $(PACKER_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# The loader library: everything the public header promises, plus common+packer. The tools
# and unit tests of this tree link the internal archive (they use internal functions too); the
# installed one is a single relocatable object whose only global definitions are eunomia_*
# (everything else localised), so it cannot clash with a program's or another library's names.
$(LIBINTERNAL): $(call objs,$(LOADER_SRCS) $(COMMON_SRCS) $(PACKER_SRCS))
	rm -f $@ && ar rcs $@ $^

$(LIBSTATIC): $(call objs,$(LOADER_SRCS) $(COMMON_SRCS) $(PACKER_SRCS))
	$(LD) -r -o $(O)/libeunomia.o $^
	objcopy -w --keep-global-symbol='eunomia_*' $(O)/libeunomia.o
	rm -f $@ && ar rcs $@ $(O)/libeunomia.o

$(LIBSHARED): $(call objs,$(LOADER_SRCS) $(COMMON_SRCS) $(PACKER_SRCS)) loader/libeunomia.map
	$(CC) -shared -Wl,-soname,libeunomia.so.0 -Wl,--version-script=loader/libeunomia.map \
		-o $@ $(filter %.o,$^) $(ALL_LDFLAGS) $(PKG_LIBS)
	ln -sf libeunomia.so.0 $(O)/libeunomia.so

$(ECLI): $(call objs,$(ECLI_SRCS)) $(LIBINTERNAL)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(ALL_LDFLAGS) $(ECLI_LIBS) -lm

$(ECC): $(call objs,$(ECC_SRCS)) $(LIBPACKER)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(ALL_LDFLAGS) -L$(CLANG_LIBDIR) -Wl,-rpath,$(CLANG_LIBDIR) -lclang $(PKG_LIBS) $(ECC_LIBS) -lm -lpthread

# Unit tests link the internal archives (they test internal functions too).
$(O)/tests/%: $(O)/tests/unit/%.o $(call objs,$(filter-out ecc/main.c,$(wildcard ecc/*.c)) $(wildcard btfgen/*.c)) $(LIBINTERNAL)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(ALL_LDFLAGS) -L$(CLANG_LIBDIR) -Wl,-rpath,$(CLANG_LIBDIR) -lclang $(PKG_LIBS) $(ECC_LIBS) $(shell $(PKG_CONFIG) --libs cmocka) -lm -lpthread

$(O)/eunomia.pc: loader/eunomia.pc.in
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' $< > $@

deps:
	scripts/setup.sh deps

mounts:
	scripts/setup.sh mounts

unit: all $(UNIT_BINS)
e2e: all

# The whole suite: the unit binaries under valgrind (not in a SAN build: the two don't mix;
# the libclang-heavy front-end test is left to `make valgrind-unit`, it takes minutes there),
# then one prove run over unit binaries (cmocka TAP) and bats files; then (TEST_SAN=1, the
# default) the same prove run again on an ASan+UBSan build in $(O)-san. TEST_SAN=0 skips that.
TEST_SAN ?= 1
test: deps
	$(MAKE) suite
ifeq ($(SAN)$(TEST_SAN),1)
	$(MAKE) SAN=address,undefined O=$(O)-san suite
endif

suite:
	$(MAKE) all $(UNIT_BINS)
	scripts/setup.sh mounts
ifeq ($(SAN),)
	VALGRIND_EXCLUDE=ecc_frontend scripts/valgrind-unit.sh $(O)
endif
	O=$(O) EUNOMIA_SANFLAGS="$(SANFLAGS)" tests/run.sh

valgrind-unit: $(UNIT_BINS)
	scripts/valgrind-unit.sh $(O)

check:
	scripts/check.sh

format:
	scripts/check.sh --format

bench: all
	O=$(O) bench/run.sh $(BENCH_ARGS)

fuzz:
	$(MAKE) -C tests/fuzz O=$(abspath $(O))

# Every fuzz target for FUZZ_SECONDS (default 600) each; not in CI. See docs/fuzzing.md.
fuzz-long:
	$(MAKE) -C tests/fuzz O=$(abspath $(O)) long

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/eunomia \
		$(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 755 $(ECC) $(ECLI) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(LIBSTATIC) $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(LIBSHARED) $(DESTDIR)$(PREFIX)/lib/
	ln -sf libeunomia.so.0 $(DESTDIR)$(PREFIX)/lib/libeunomia.so
	install -m 644 loader/include/eunomia/eunomia.h $(DESTDIR)$(PREFIX)/include/eunomia/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' loader/eunomia.pc.in \
		> $(DESTDIR)$(PREFIX)/lib/pkgconfig/eunomia.pc
	install -d $(DESTDIR)$(PREFIX)/share/eunomia
	cp -r templates $(DESTDIR)$(PREFIX)/share/eunomia/

clean:
	rm -rf build build-* bin

-include $(shell find $(O) -name '*.d' 2>/dev/null)
