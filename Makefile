# cloudmove — the one entry point.
#
#   make            build/cloudmove: static (musl), stripped x86-64 agent
#   make deps       the static libraries it links, built from Debian sources
#   make check      unit + golden + fuzz-corpus + QEMU tests (SANITIZE=1:
#                   host-side tests on an ASan+UBSan glibc build)
#   make demo       boot a Debian root in QEMU dressed as a cloud, show verdict
#   make bench      benchmarks (ratios against baselines run alongside)
#   make fuzz       run each libFuzzer harness for FUZZ_SECONDS
#   make regen      rewrite golden outputs (review the diff!)
#   make install    DESTDIR=... PREFIX=/usr (make uninstall: the same files)
#
# Built dependencies, kernels and images are cached under $(CACHE), keyed
# by the hash of their recipe, so a second run is fast and a changed
# recipe rebuilds.

SHELL := /bin/bash
CACHE ?= $(if $(CLOUDMOVE_CACHE),$(CLOUDMOVE_CACHE),$(CURDIR)/.cache)
export CLOUDMOVE_CACHE := $(CACHE)

VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.1.0)
DEPS_HASH := $(shell cat agent/deps/* | sha256sum | cut -c1-12)
DEPS := $(CACHE)/deps-$(DEPS_HASH)

SRCS := $(shell find agent/src -name '*.c' | LC_ALL=C sort)
LIB_SRCS := $(filter-out agent/src/main.c,$(SRCS))
# The headers (clouds/clouds.def included) each object reads are in its .d
# file (-MMD -MP, written beside the object): a changed header rebuilds only
# the objects that include it.  An object without its .d (built before, or
# the .d lost) is rebuilt by the empty .d rules below.
DEPFLAGS = -MMD -MP
HDRS := $(shell find agent/src -name '*.h' -o -name '*.def')
TEST_SRCS := $(wildcard agent/tests/unit/*.c)
TEST_HDRS := $(wildcard agent/tests/unit/*.h)
FUZZERS := $(patsubst agent/fuzz/fuzz_%.c,%,$(wildcard agent/fuzz/fuzz_*.c))

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wvla
STD := -std=gnu11 -D_GNU_SOURCE -DCM_VERSION='"$(VERSION)"'

# Static musl build: the product.
MUSL_CC := musl-gcc
MUSL_CFLAGS = $(STD) $(WARN) -Os -ffunction-sections -fdata-sections \
	-fno-asynchronous-unwind-tables $(shell cat $(DEPS)/cflags 2>/dev/null)
MUSL_LDFLAGS = -static -Wl,--gc-sections -s $(shell cat $(DEPS)/ldflags 2>/dev/null)

# glibc builds: plain (valgrind) and ASan+UBSan, against Debian's -dev libs.
HOST_PKGS := libcurl blkid mount json-c zlib libzstd liblzma yaml-0.1 libisal
HOST_CFLAGS = $(STD) $(WARN) -g -O1 $(shell pkg-config --cflags $(HOST_PKGS))
# mbedTLS 2.28 (SigV4 hashes) has no .pc file in Debian 12
HOST_LIBS = $(shell pkg-config --libs $(HOST_PKGS)) -lmbedcrypto -lpthread
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer

ifeq ($(SANITIZE),1)
TEST_BUILD := build/asan
else
TEST_BUILD := build/musl
endif

.PHONY: all deps check unit golden fuzz-corpus valgrind qemu-check demo \
	bench fuzz regen install uninstall clean distclean size packages \
	_all _deps _check _demo _bench _fuzz
.DELETE_ON_ERROR:

# The public targets first make sure the Debian packages of .ci/packages
# are there (installing them when run as root), then run the real target
# in a sub-make, whose $(shell pkg-config ...) sees the installed tools.
PACKAGES_OK := $(CACHE)/packages-$(shell sha256sum < .ci/packages | cut -c1-12).ok
# "+" on its lines: make cannot see $(MAKE) inside SUBMAKE, and without it
# the sub-make ran at -j1 whatever -j was given ("jobserver unavailable")
SUBMAKE = $(MAKE) --no-print-directory

all: packages
	+@$(SUBMAKE) _all
deps: packages
	+@$(SUBMAKE) _deps
check: packages
	+@$(SUBMAKE) _check
demo: packages
	+@$(SUBMAKE) _demo
bench: packages
	+@$(SUBMAKE) _bench
fuzz: packages
	+@$(SUBMAKE) _fuzz

packages: $(PACKAGES_OK)
$(PACKAGES_OK): .ci/packages .ci/install-packages.sh
	.ci/install-packages.sh
	@mkdir -p $(dir $@) && touch $@

_all: build/cloudmove

_deps: $(DEPS)/ldflags

$(DEPS)/ldflags: $(wildcard agent/deps/*)
	agent/deps/build-deps.sh $(DEPS)
	@touch $@

# --- musl static --------------------------------------------------------
build/musl/%.o: %.c build/musl/%.d | $(DEPS)/ldflags
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(MUSL_CFLAGS) $(DEPFLAGS) -c -o $@ $<

# --version names the Debian revision of each static library
build/musl/agent/src/cmd_version.o: MUSL_CFLAGS += \
	-DCM_BUILT_FROM='"$(shell paste -sd, $(DEPS)/versions.txt 2>/dev/null | sed 's/,/, /g')"'
build/musl/agent/src/cmd_version.o: $(DEPS)/ldflags

# the static libraries too: a new deps build (its key changed) relinks
build/musl/cloudmove: $(SRCS:%.c=build/musl/%.o) $(DEPS)/ldflags
	$(MUSL_CC) -o $@ $(filter %.o,$^) $(MUSL_LDFLAGS)

build/cloudmove: build/musl/cloudmove
	cp $< $@
	@# the cap: 1.5 MiB, with the network sinks (S3 SigV4, Azure, GCS) in:
	@# the deps carry no unwind tables and a client-only mbedTLS; it goes
	@# into every initramfs (see issue 14 for what each option saves)
	@size=$$(stat -c %s $@); echo "build/cloudmove: $$size bytes"; \
	if [ $$size -gt 1572864 ]; then echo "build/cloudmove is over 1.5 MiB" >&2; \
		rm -f $@; exit 1; fi

build/musl/unit-tests: $(LIB_SRCS:%.c=build/musl/%.o) $(TEST_SRCS:%.c=build/musl/%.o)
	$(MUSL_CC) -o $@ $^ $(filter-out -s,$(MUSL_LDFLAGS))

build/musl/agent/tests/unit/%.o: agent/tests/unit/%.c build/musl/agent/tests/unit/%.d | $(DEPS)/ldflags
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(MUSL_CFLAGS) $(DEPFLAGS) -Iagent/src -c -o $@ $<

# --- glibc (valgrind) and ASan+UBSan ----------------------------------------
build/glibc/%.o: %.c build/glibc/%.d
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(DEPFLAGS) -iquote agent/src -c -o $@ $<
	@touch $@	# CC=clang writes the .d after the object

build/glibc/cloudmove: $(SRCS:%.c=build/glibc/%.o)
	$(CC) -o $@ $^ $(HOST_LIBS)

build/glibc/unit-tests: $(LIB_SRCS:%.c=build/glibc/%.o) $(TEST_SRCS:%.c=build/glibc/%.o)
	$(CC) -o $@ $^ $(HOST_LIBS)

build/asan/%.o: %.c build/asan/%.d
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(SAN_FLAGS) $(DEPFLAGS) -iquote agent/src -c -o $@ $<
	@touch $@

build/asan/cloudmove: $(SRCS:%.c=build/asan/%.o)
	$(CC) $(SAN_FLAGS) -o $@ $^ $(HOST_LIBS)

build/asan/unit-tests: $(LIB_SRCS:%.c=build/asan/%.o) $(TEST_SRCS:%.c=build/asan/%.o)
	$(CC) $(SAN_FLAGS) -o $@ $^ $(HOST_LIBS)

# --- libFuzzer harnesses (clang) ---------------------------------------------
# -iquote, as for glibc: agent/src/limits.h must not hide <limits.h> from the
# libraries' headers (mbedTLS checks CHAR_BIT)
FUZZ_CFLAGS := $(STD) -g -O1 -fsanitize=fuzzer-no-link,address,undefined -iquote agent/src
FUZZ_PKGS := json-c mount blkid zlib libzstd liblzma yaml-0.1 libcurl libisal
FUZZ_LIBS = $(shell pkg-config --libs $(FUZZ_PKGS)) -lmbedcrypto -lpthread
# Every library source is compiled once with the fuzz flags into one
# archive; each harness links against it, so it pulls in only the objects
# its parser needs (no list to keep by hand), and those are instrumented.
build/fuzz/obj/%.o: %.c build/fuzz/obj/%.d
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) $(DEPFLAGS) $(shell pkg-config --cflags $(FUZZ_PKGS)) -c -o $@ $<
	@touch $@	# clang writes the .d after the object: not newer than it

build/fuzz/libcm.a: $(LIB_SRCS:%.c=build/fuzz/obj/%.o)
	@rm -f $@.tmp
	ar rcs $@.tmp $^
	mv -f $@.tmp $@

build/fuzz/%: agent/fuzz/fuzz_%.c build/fuzz/libcm.a
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer $(DEPFLAGS) -MF $@.d -MT $@ \
		$(shell pkg-config --cflags $(FUZZ_PKGS)) \
		-o $@ $< build/fuzz/libcm.a $(FUZZ_LIBS)

# --- the network bring-up probe (run in namespaces by run-netup.sh) ---------
NETUP_PROBE_SRCS := agent/tests/netup-probe.c $(wildcard agent/src/net/*.c) agent/src/log.c
build/glibc/netup-probe: $(NETUP_PROBE_SRCS) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) -g -O1 -Iagent/src -o $@ $(NETUP_PROBE_SRCS)
build/asan/netup-probe: $(NETUP_PROBE_SRCS) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) -g -O1 $(SAN_FLAGS) -Iagent/src -o $@ $(NETUP_PROBE_SRCS)
build/musl/netup-probe: $(NETUP_PROBE_SRCS) $(HDRS) | $(DEPS)/ldflags
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(MUSL_CFLAGS) -Iagent/src -static -o $@ $(NETUP_PROBE_SRCS)

# the .d files: none yet is no error (the object is then rebuilt), and they
# are kept, not deleted as intermediates
build/musl/%.d: ;
build/glibc/%.d: ;
build/asan/%.d: ;
build/fuzz/obj/%.d: ;
.PRECIOUS: build/musl/%.d build/glibc/%.d build/asan/%.d build/fuzz/obj/%.d
-include $(shell find build -name '*.d' 2>/dev/null)

# control-probe: the control-plane ops one by one, for the launch-CLOUD suites
build/musl/control-probe: build/musl/agent/tests/control-probe.o $(LIB_SRCS:%.c=build/musl/%.o)
	$(MUSL_CC) -o $@ $^ $(filter-out -s,$(MUSL_LDFLAGS))
build/asan/control-probe: build/asan/agent/tests/control-probe.o $(LIB_SRCS:%.c=build/asan/%.o)
	$(CC) $(SAN_FLAGS) -o $@ $^ $(HOST_LIBS)

# --- tests -------------------------------------------------------------------
# Each suite ends with "N passed, N failed"; agent/tests/run-suites.sh runs
# them all and ends with the total line that CI reads.
CHECK_BINS := $(TEST_BUILD)/cloudmove $(TEST_BUILD)/unit-tests \
	$(TEST_BUILD)/netup-probe $(TEST_BUILD)/control-probe \
	$(if $(filter 1,$(SANITIZE)),,build/glibc/unit-tests) \
	$(FUZZERS:%=build/fuzz/%) build/cloudmove

_check: $(CHECK_BINS)
	TEST_BUILD=$(TEST_BUILD) SANITIZE=$(SANITIZE) FUZZERS="$(FUZZERS)" \
		agent/tests/run-suites.sh $(SUITES)

unit: $(TEST_BUILD)/unit-tests
	$(TEST_BUILD)/unit-tests

golden: $(TEST_BUILD)/cloudmove
	agent/tests/run-detect.sh $(TEST_BUILD)/cloudmove

valgrind: build/glibc/unit-tests
	valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect build/glibc/unit-tests

fuzz-corpus: $(FUZZERS:%=build/fuzz/%)
	agent/fuzz/run-corpus.sh $(FUZZERS)

qemu-check: build/cloudmove
	AGENT=$(CURDIR)/build/cloudmove qemu-tests/run.sh

FUZZ_SECONDS ?= 60
_fuzz: $(FUZZERS:%=build/fuzz/%)
	agent/fuzz/run-corpus.sh --fuzz $(FUZZ_SECONDS) $(FUZZERS)

regen: $(TEST_BUILD)/cloudmove
	agent/tests/run-detect.sh --regen $(TEST_BUILD)/cloudmove

_demo: build/cloudmove
	AGENT=$(CURDIR)/build/cloudmove qemu-tests/demo.sh

_bench: build/cloudmove
	CLOUDMOVE=$(CURDIR)/build/cloudmove bench/run.sh

size: build/cloudmove
	@file build/cloudmove; ls -l build/cloudmove

# --- install -----------------------------------------------------------------
# What a distribution package ships.  DESTDIR stages it (a package build or
# a root under construction); dracut picks the module up at its next run,
# mkinitramfs (update-initramfs) the initramfs-tools hook at its next.
# Paths follow SBINDIR (the module's default agent, the unit's ExecStart).
# The unit is not enabled here: "systemctl enable cloudmove-export" (or the
# package's preset) does it.
PREFIX ?= /usr
SBINDIR ?= $(PREFIX)/sbin
# dracut reads modules from its own basedir only, whatever PREFIX is; so
# does initramfs-tools (/usr/share/initramfs-tools: initramfs-tools/install.sh).
DRACUT_MODULES ?= /usr/lib/dracut/modules.d
# what the initramfs-tools hook reads: the shared driver list, the run script
CLOUDMOVE_SHARE ?= $(PREFIX)/share/cloudmove
SYSTEMD_UNITDIR ?= $(PREFIX)/lib/systemd/system
MANDIR ?= $(PREFIX)/share/man
INSTALLED_UNITS := cloudmove-export.service
install: build/cloudmove
	install -D -m 0755 build/cloudmove $(DESTDIR)$(SBINDIR)/cloudmove
	dracut-module/install.sh $(DESTDIR)$(DRACUT_MODULES) $(SBINDIR)/cloudmove
	initramfs-tools/install.sh "$(DESTDIR)" $(SBINDIR)/cloudmove $(CLOUDMOVE_SHARE)
	install -d -m 0755 $(DESTDIR)$(SYSTEMD_UNITDIR)
	for u in $(INSTALLED_UNITS); do \
		sed 's|/usr/sbin/cloudmove|$(SBINDIR)/cloudmove|g' hooks/$$u >$(DESTDIR)$(SYSTEMD_UNITDIR)/$$u.tmp && \
		chmod 0644 $(DESTDIR)$(SYSTEMD_UNITDIR)/$$u.tmp && \
		mv -f $(DESTDIR)$(SYSTEMD_UNITDIR)/$$u.tmp $(DESTDIR)$(SYSTEMD_UNITDIR)/$$u || exit 1; \
	done
	install -D -m 0644 doc/cloudmove.8 $(DESTDIR)$(MANDIR)/man8/cloudmove.8

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/cloudmove $(DESTDIR)$(MANDIR)/man8/cloudmove.8 \
		$(INSTALLED_UNITS:%=$(DESTDIR)$(SYSTEMD_UNITDIR)/%)
	rm -rf $(DESTDIR)$(DRACUT_MODULES)/90cloudmove $(DESTDIR)$(CLOUDMOVE_SHARE)
	rm -f $(DESTDIR)/usr/share/initramfs-tools/hooks/cloudmove \
		$(DESTDIR)/usr/share/initramfs-tools/scripts/local-bottom/cloudmove

clean:
	rm -rf build

distclean: clean
	rm -rf .cache
