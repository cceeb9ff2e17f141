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
HDRS := $(shell find agent/src -name '*.h' -o -name '*.def')
TEST_SRCS := $(wildcard agent/tests/unit/*.c)
TEST_HDRS := $(wildcard agent/tests/unit/*.h)
FUZZERS := $(patsubst agent/fuzz/fuzz_%.c,%,$(wildcard agent/fuzz/fuzz_*.c))
# The fuzz harnesses use the pure parsers only: no network or disk libs.
FUZZ_SRCS := agent/src/detect/smbios.c agent/src/detect/facts.c \
	agent/src/detect/cpuinfo.c agent/src/detect/detect.c \
	agent/src/detect/mdparse.c agent/src/json.c \
	agent/src/record/record.c agent/src/util/buf.c agent/src/util/file.c \
	agent/src/net/dhcp.c \
	agent/src/boot/cmdline.c agent/src/adapt/fstab.c agent/src/adapt/kargs.c \
	agent/src/adapt/drivers.c agent/src/adapt/agents.c agent/src/adapt/devmap.c \
	agent/src/adapt/rewrite.c agent/src/adapt/plan.c agent/src/util/sysroot.c \
	$(wildcard agent/src/clouds/*.c) agent/src/log.c
FUZZ_SRCS += agent/src/profiles/profile.c agent/src/profiles/conf.c
FUZZ_SRCS += agent/src/adapt/timesync.c agent/src/adapt/cloudinit.c agent/src/adapt/netrules.c \
	agent/src/adapt/initramfs.c
FUZZ_SRCS += agent/src/util/cpio.c agent/src/util/initrd.c agent/src/util/chroot.c
FUZZ_SRCS += agent/src/adapt/network.c $(wildcard agent/src/adapt/net_*.c) agent/src/util/yamledit.c
FUZZ_SRCS += agent/src/stream/ext4free.c agent/src/stream/xfsfree.c agent/src/stream/fsruns.c agent/src/move/desthost.c agent/src/move/marker.c \
	agent/src/stream/url.c agent/src/stream/state.c agent/src/stream/creds.c \
	agent/src/util/kvlines.c agent/src/util/http_header.c \
	agent/src/stream/sinks/gcs_proto.c agent/src/util/crc32c.c \
	agent/src/util/atomic.c
FUZZ_SRCS += agent/src/stream/s3xml.c

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
SUBMAKE = $(MAKE) --no-print-directory

all: packages
	@$(SUBMAKE) _all
deps: packages
	@$(SUBMAKE) _deps
check: packages
	@$(SUBMAKE) _check
demo: packages
	@$(SUBMAKE) _demo
bench: packages
	@$(SUBMAKE) _bench
fuzz: packages
	@$(SUBMAKE) _fuzz

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
build/musl/%.o: %.c $(HDRS) | $(DEPS)/ldflags
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(MUSL_CFLAGS) -c -o $@ $<

# --version names the Debian revision of each static library
build/musl/agent/src/cmd_version.o: MUSL_CFLAGS += \
	-DCM_BUILT_FROM='"$(shell paste -sd, $(DEPS)/versions.txt 2>/dev/null | sed 's/,/, /g')"'
build/musl/agent/src/cmd_version.o: $(DEPS)/ldflags

# the static libraries too: a new deps build (its key changed) relinks
build/musl/cloudmove: $(SRCS:%.c=build/musl/%.o) $(DEPS)/ldflags
	$(MUSL_CC) -o $@ $(filter %.o,$^) $(MUSL_LDFLAGS)

build/cloudmove: build/musl/cloudmove
	cp $< $@
	@# the cap: 1.5 MiB until the network sinks (S3 SigV4, Azure, GCS) came;
	@# 2 MiB is still a small part of an initramfs of 30+ MiB
	@size=$$(stat -c %s $@); echo "build/cloudmove: $$size bytes"; \
	if [ $$size -gt 2097152 ]; then echo "build/cloudmove is over 2 MiB" >&2; \
		rm -f $@; exit 1; fi

build/musl/unit-tests: $(LIB_SRCS:%.c=build/musl/%.o) $(TEST_SRCS:%.c=build/musl/%.o)
	$(MUSL_CC) -o $@ $^ $(filter-out -s,$(MUSL_LDFLAGS))

build/musl/agent/tests/unit/%.o: agent/tests/unit/%.c $(HDRS) $(TEST_HDRS) | $(DEPS)/ldflags
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(MUSL_CFLAGS) -Iagent/src -c -o $@ $<

# --- glibc (valgrind) and ASan+UBSan ----------------------------------------
build/glibc/%.o: %.c $(HDRS) $(TEST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -iquote agent/src -c -o $@ $<

build/glibc/cloudmove: $(SRCS:%.c=build/glibc/%.o)
	$(CC) -o $@ $^ $(HOST_LIBS)

build/glibc/unit-tests: $(LIB_SRCS:%.c=build/glibc/%.o) $(TEST_SRCS:%.c=build/glibc/%.o)
	$(CC) -o $@ $^ $(HOST_LIBS)

build/asan/%.o: %.c $(HDRS) $(TEST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(SAN_FLAGS) -iquote agent/src -c -o $@ $<

build/asan/cloudmove: $(SRCS:%.c=build/asan/%.o)
	$(CC) $(SAN_FLAGS) -o $@ $^ $(HOST_LIBS)

build/asan/unit-tests: $(LIB_SRCS:%.c=build/asan/%.o) $(TEST_SRCS:%.c=build/asan/%.o)
	$(CC) $(SAN_FLAGS) -o $@ $^ $(HOST_LIBS)

# --- libFuzzer harnesses (clang) ---------------------------------------------
FUZZ_CFLAGS := $(STD) -g -O1 -fsanitize=fuzzer-no-link,address,undefined -Iagent/src
FUZZ_PKGS := json-c mount blkid zlib libzstd liblzma yaml-0.1
# The parsers are compiled once and linked into every harness (compiling
# them per harness cost ~10 minutes of each fresh CI run).
FUZZ_OBJS = $(FUZZ_SRCS:%.c=build/fuzz/obj/%.o)
.SECONDARY: $(FUZZ_SRCS:%.c=build/fuzz/obj/%.o)

build/fuzz/obj/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) $(shell pkg-config --cflags $(FUZZ_PKGS)) -c -o $@ $<

build/fuzz/%: agent/fuzz/fuzz_%.c $(FUZZ_OBJS) $(HDRS)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer $(shell pkg-config --cflags $(FUZZ_PKGS)) \
		-o $@ $< $(FUZZ_OBJS) $(shell pkg-config --libs $(FUZZ_PKGS))

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

# --- tests -------------------------------------------------------------------
# Each suite ends with "N passed, N failed"; agent/tests/run-suites.sh runs
# them all and ends with the total line that CI reads.
CHECK_BINS := $(TEST_BUILD)/cloudmove $(TEST_BUILD)/unit-tests \
	$(TEST_BUILD)/netup-probe \
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
# a root under construction); dracut picks the module up at its next run.
# Paths follow SBINDIR (the module's default agent, the unit's ExecStart).
# The unit is not enabled here: "systemctl enable cloudmove-export" (or the
# package's preset) does it.
PREFIX ?= /usr
SBINDIR ?= $(PREFIX)/sbin
# dracut reads modules from its own basedir only, whatever PREFIX is.
DRACUT_MODULES ?= /usr/lib/dracut/modules.d
SYSTEMD_UNITDIR ?= $(PREFIX)/lib/systemd/system
MANDIR ?= $(PREFIX)/share/man
INSTALLED_UNITS := cloudmove-export.service
install: build/cloudmove
	install -D -m 0755 build/cloudmove $(DESTDIR)$(SBINDIR)/cloudmove
	dracut-module/install.sh $(DESTDIR)$(DRACUT_MODULES) $(SBINDIR)/cloudmove
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
	rm -rf $(DESTDIR)$(DRACUT_MODULES)/90cloudmove

clean:
	rm -rf build

distclean: clean
	rm -rf .cache
