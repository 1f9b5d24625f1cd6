# l2tp-nfqd - see README.md
VERSION    := 0.1.0

PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
BINDIR     ?= $(PREFIX)/bin
INCLUDEDIR ?= $(PREFIX)/include
LIBDIR     ?= $(PREFIX)/lib
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
MANDIR     ?= $(PREFIX)/share/man
UNITDIR    ?= /lib/systemd/system
SYSUSERSDIR ?= /usr/lib/sysusers.d
DESTDIR    ?=

CC         ?= cc
CFLAGS     ?= -O2 -g
PKGS       := libmnl libnftnl libnetfilter_queue libnetfilter_conntrack
# recursive: evaluated only when a rule needs them, after `make deps`
PKG_CFLAGS  = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS    = $(shell pkg-config --libs $(PKGS))
WARN       := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	      -Wformat=2 -Wno-format-nonliteral
ifeq ($(WERROR),1)
WARN       += -Werror
endif
ifeq ($(SANITIZE),1)
CFLAGS     += -fsanitize=address,undefined -fno-omit-frame-pointer \
	      -fno-sanitize-recover=undefined
LDFLAGS    += -fsanitize=address,undefined
B          := build-san
else
B          := build
endif
CPPFLAGS   += -Iinclude -Isrc -DVERSION='"$(VERSION)"' -D_GNU_SOURCE
ALL_CFLAGS  = $(CPPFLAGS) $(WARN) $(CFLAGS) $(PKG_CFLAGS) -MMD -MP

ifeq ($(V),1)
Q :=
else
Q := @
endif

# The code by subsystem (doc/design.md has the map).
WIRE_SRCS   := $(addprefix src/wire/,pkt.c l2tp.c msg.c escape.c)
BASE_SRCS   := $(addprefix src/base/,log.c ring.c nl.c notify.c priv.c \
		htab.c)
PACKET_SRCS := $(addprefix src/packet/,queue.c ct.c ipc.c handler.c)
TUNNEL_SRCS := $(addprefix src/tunnel/,tunnels.c tmap.c xlate.c)
NFT_SRCS    := $(addprefix src/nft/,nft_schema.c nft_expr.c nft_batch.c \
		nft_build.c nft_tunnel_rules.c nft_sets.c nft_sa.c \
		nft_print.c nft_guard.c nft_scan.c nft.c)
XFRM_SRCS   := $(addprefix src/xfrm/,xfrm_parse.c xfrm_db.c xfrm.c)
KL2TP_SRCS  := $(addprefix src/kl2tp/,kl2tp_parse.c kl2tp.c)
CTL_SRCS    := $(addprefix src/ctl/,ctl.c)
STATUS_SRCS := $(addprefix src/status/,view.c daemon.c kernel_parse.c \
		kernel.c status.c)
DAEMON_SRCS := $(WIRE_SRCS) $(BASE_SRCS) $(PACKET_SRCS) $(TUNNEL_SRCS) \
	       $(NFT_SRCS) $(XFRM_SRCS) $(KL2TP_SRCS) $(CTL_SRCS) \
	       $(STATUS_SRCS) src/options.c src/main.c
# The wire formats are pure: no netlink, no libraries.  The fuzz target
# links only these.
PURE_SRCS   := $(WIRE_SRCS)
LISTEN_SRCS := src/listen.c src/wire/escape.c
# The unit tests link the rest; these they replace with stand-ins, or
# include to rename what they stand in for elsewhere (ipc, tmap, xlate).
UNIT_NOT    := src/packet/queue.c src/packet/ct.c src/packet/ipc.c \
	       src/tunnel/tmap.c src/tunnel/xlate.c src/nft/nft.c \
	       src/xfrm/xfrm.c src/kl2tp/kl2tp.c src/base/notify.c \
	       src/base/priv.c src/status/kernel.c src/status/status.c \
	       src/options.c src/main.c
UNIT_SRCS   := $(wildcard tests/unit/*.c) $(filter-out $(UNIT_NOT),$(DAEMON_SRCS))
TOOL_SRCS  := tests/nettool.c

obj = $(patsubst %.c,$(B)/%.o,$(1))

PROGS := $(B)/l2tp-nfqd $(B)/l2tp-nfq-listen
TESTPROGS := $(B)/unit-tests $(B)/nettool $(B)/nftdump $(B)/lac

all: $(PROGS)

$(B)/tests/%.o: CPPFLAGS += -Itests -Itests/unit

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/l2tp-nfqd: $(call obj,$(DAEMON_SRCS))
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/l2tp-nfq-listen: $(call obj,$(LISTEN_SRCS))
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^

$(B)/unit-tests: $(call obj,$(UNIT_SRCS))
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/nftdump: $(call obj,tests/nftdump.c)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/nettool: $(call obj,$(TOOL_SRCS))
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^

$(B)/lac: $(call obj,tests/lac.c)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^

# libFuzzer over the packet parsers and the encoder (clang)
FUZZ_TIME  ?= 60
FUZZ_CC    ?= clang
# ... and the status command's reader of the daemon's replies
FUZZ_SRCS  := $(PURE_SRCS) src/status/view.c src/status/daemon.c
build-fuzz/fuzz-l2tp: tests/fuzz.c $(FUZZ_SRCS) $(wildcard src/*.h src/*/*.h include/l2tp-nfq/*.h)
	@mkdir -p build-fuzz
	$(Q)$(FUZZ_CC) -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined $(CPPFLAGS) \
		-o $@ tests/fuzz.c $(FUZZ_SRCS)

fuzz:
	$(Q)EXTRA_PKGS=clang tests/deps.sh
	@# libFuzzer's runtime comes with clang's own version
	$(Q)EXTRA_PKGS="libclang-rt-$$(clang -dumpversion | cut -d. -f1)-dev" \
		tests/deps.sh
	$(Q)$(MAKE) --no-print-directory build-fuzz/fuzz-l2tp
	$(Q)tests/fuzz.sh build-fuzz/fuzz-l2tp $(FUZZ_TIME)

# The real-kernel tier: stock Debian kernel under qemu, real IPsec
check-vm: deps
	$(Q)$(MAKE) --no-print-directory $(PROGS) $(B)/nettool
	$(Q)BUILD=$(CURDIR)/$(B) tests/vm/run.sh

# make bench: bursts against the daemon and a minimal consumer (root)
BENCH_PROGS := $(B)/bench-send $(B)/bench-recv $(B)/bench-floor $(B)/bench-data
$(B)/bench-send: $(call obj,tests/bench/send.c)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^
$(B)/bench-data: $(call obj,tests/bench/data.c)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^
$(B)/bench-recv: $(call obj,tests/bench/recv.c)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^
$(B)/bench-floor: $(call obj,tests/bench/floor.c)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

bench: deps
	$(Q)$(MAKE) --no-print-directory $(PROGS) $(BENCH_PROGS)
	$(Q)BUILD=$(CURDIR)/$(B) tests/bench/bench.sh

# make deb: Debian packages of this tree in build-deb/ (root: installs
# what building them needs).  dpkg-buildpackage runs in a staged copy, the
# files git tracks with contrib/debian as debian/, so that the tree itself
# has no debian/; the source package is made there too, for lintian only.
# Fails if lintian reports an error or a warning (-I shows the rest).
DEB_DIR    := build-deb
DEB_STAGE  := $(DEB_DIR)/l2tp-nfqd-$(VERSION)
deb:
	$(Q)EXTRA_PKGS="build-essential debhelper dpkg-dev fakeroot lintian" \
		tests/deps.sh
	$(Q)v=$$(dpkg-parsechangelog -l contrib/debian/changelog -S Version) && \
	if [ "$$v" != "$(VERSION)" ]; then \
		echo "contrib/debian/changelog is at $$v, VERSION at $(VERSION)" >&2; \
		exit 1; \
	fi
	$(Q)rm -rf $(DEB_DIR) && mkdir -p $(DEB_STAGE)
	$(Q){ git ls-files -z 2>/dev/null || find . -path ./.git -prune -o \
		-path './build*' -prune -o ! -type d -print0; } | \
		tar --null -T - --ignore-failed-read -cf - | tar -xf - -C $(DEB_STAGE)
	$(Q)rm -rf $(DEB_STAGE)/debian && cp -R contrib/debian $(DEB_STAGE)/debian
	$(Q)cd $(DEB_DIR) && dpkg-source -b l2tp-nfqd-$(VERSION)
	$(Q)cd $(DEB_STAGE) && dpkg-buildpackage -us -uc -b
	$(Q)lintian -I --fail-on error,warning $(DEB_DIR)/l2tp-nfqd_$(VERSION).dsc \
		$(DEB_DIR)/l2tp-nfqd_$(VERSION)_$$(dpkg --print-architecture).changes
	@ls $(DEB_DIR)/*.deb

# Debian packages for building, testing and the demo (root only).
deps:
	$(Q)tests/deps.sh

check: deps
	$(Q)$(MAKE) --no-print-directory $(PROGS) $(TESTPROGS)
	$(Q)BUILD=$(CURDIR)/$(B) tests/run.sh

check-unit: $(B)/unit-tests
	$(Q)$(B)/unit-tests

demo: deps
	$(Q)$(MAKE) --no-print-directory $(PROGS) $(B)/nettool
	$(Q)BUILD=$(CURDIR)/$(B) tests/demo.sh

# make check and make demo as root in a fresh minimal Debian root (only gcc
# and make) on this kernel: a chroot made with mmdebstrap
RELEASE ?= trixie
check-chroot:
	$(Q)tests/chroot.sh $(RELEASE)

# Files that name install paths are made at install time, from the
# variables of that make install, not of the build.
SUBST = sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	-e 's|@VERSION@|$(VERSION)|' -e 's|@SBINDIR@|$(SBINDIR)|'

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) \
		$(DESTDIR)$(INCLUDEDIR)/l2tp-nfq $(DESTDIR)$(PKGCONFIGDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR)
	install -m 755 $(B)/l2tp-nfqd $(DESTDIR)$(SBINDIR)/
	install -m 755 $(B)/l2tp-nfq-listen $(DESTDIR)$(BINDIR)/
	install -m 644 include/l2tp-nfq/l2tp-nfqd.h \
		$(DESTDIR)$(INCLUDEDIR)/l2tp-nfq/
	$(SUBST) contrib/l2tp-nfqd.pc.in >$(DESTDIR)$(PKGCONFIGDIR)/l2tp-nfqd.pc
	chmod 644 $(DESTDIR)$(PKGCONFIGDIR)/l2tp-nfqd.pc
	install -m 644 doc/l2tp-nfq-listen.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 doc/l2tp-nfqd.8 $(DESTDIR)$(MANDIR)/man8/
	$(SUBST) contrib/l2tp-nfqd.service >$(DESTDIR)$(UNITDIR)/l2tp-nfqd.service
	$(SUBST) contrib/l2tp-nfqd-metrics.service \
		>$(DESTDIR)$(UNITDIR)/l2tp-nfqd-metrics.service
	install -m 644 contrib/l2tp-nfqd-metrics.timer $(DESTDIR)$(UNITDIR)/
	chmod 644 $(DESTDIR)$(UNITDIR)/l2tp-nfqd.service \
		$(DESTDIR)$(UNITDIR)/l2tp-nfqd-metrics.service
	install -m 644 contrib/l2tp-nfqd.sysusers \
		$(DESTDIR)$(SYSUSERSDIR)/l2tp-nfqd.conf

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/l2tp-nfqd $(DESTDIR)$(BINDIR)/l2tp-nfq-listen \
		$(DESTDIR)$(INCLUDEDIR)/l2tp-nfq/l2tp-nfqd.h \
		$(DESTDIR)$(PKGCONFIGDIR)/l2tp-nfqd.pc \
		$(DESTDIR)$(MANDIR)/man1/l2tp-nfq-listen.1 \
		$(DESTDIR)$(MANDIR)/man8/l2tp-nfqd.8 \
		$(DESTDIR)$(UNITDIR)/l2tp-nfqd.service \
		$(DESTDIR)$(UNITDIR)/l2tp-nfqd-metrics.service \
		$(DESTDIR)$(UNITDIR)/l2tp-nfqd-metrics.timer \
		$(DESTDIR)$(SYSUSERSDIR)/l2tp-nfqd.conf
	-rmdir $(DESTDIR)$(INCLUDEDIR)/l2tp-nfq

clean:
	rm -rf build build-san build-fuzz build-vm build-deb

.PHONY: all deps check check-unit check-vm check-chroot demo fuzz bench deb \
	install uninstall clean

-include $(shell find $(B) -name '*.d' 2>/dev/null)
