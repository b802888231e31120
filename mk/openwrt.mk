# OpenWrt packaging (included by the top-level Makefile).
#
#   make ipk ARCH=x86_64|mipsel_24kc|mips_24kc|arm_cortex-a7_neon-vfpv4
#        -> out/openwrt/serval-mesh_<version>_<ARCH>.ipk (binary from mk/cross.mk)
#   make ipk-all                 the four ipks
#   make apk ARCH=...            -> out/openwrt/serval-mesh-<version>_<ARCH>.apk (apk v3,
#                                OpenWrt 25.x), packed by apk-tools' own `apk mkpkg`
#                                built from $(OPENWRT_USERLAND) (test/openwrt/userland)
#   make apk-all                 the four apks
#   make openwrt-userland-test   the real OpenWrt userland suite (opkg, apk, uci, ubus, procd)
#   make openwrt-lint            shellcheck + shfmt on the init script and packer
#   make openwrt-test            init-script and ipk tests
#   make openwrt-deps            install busybox, shellcheck, shfmt (Debian)
#   make openwrt-print-files     the package's file list (DEST MODE SRC lines)
# OWRT_BIN=path overrides the packaged binary (the package tests use this).

ARCH ?= x86_64
# ARCH names the OpenWrt package architecture here only. musl's own Makefile
# (openwrt/build-musl.sh, run for the binary) reads ARCH for itself, and a
# command-line ARCH= reaches every sub-make through MAKEFLAGS and the
# environment: `make ipk ARCH=mipsel_24kc` in a fresh clone then failed in
# musl ("No rule to make target 'arch/mipsel_24kc/bits/alltypes.h.in'").
# Keep it out of both; the recipes here use $(ARCH)/$* directly.
MAKEOVERRIDES := $(filter-out ARCH=%,$(MAKEOVERRIDES))
unexport ARCH
OWRT_ARCHES := x86_64 mipsel_24kc mips_24kc arm_cortex-a7_neon-vfpv4
# OpenWrt package architecture -> mk/cross.mk target
OWRT_CROSS_x86_64 := x86_64
OWRT_CROSS_mipsel_24kc := mipsel
OWRT_CROSS_mips_24kc := mips
OWRT_CROSS_arm_cortex-a7_neon-vfpv4 := armhf

# <version>-r<release>: valid for opkg and for apk v3 (which refuses
# "0.1.0-1": "package version is invalid"), as OpenWrt's own packages are.
OWRT_RELEASE := 1
OWRT_VERSION := $(shell sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' package.json)-r$(OWRT_RELEASE)
# Reproducible: every mtime in the ipk is the last commit's time.
OWRT_EPOCH := $(or $(SOURCE_DATE_EPOCH),$(shell git log -1 --format=%ct 2>/dev/null),0)
OWRT_OUT := out/openwrt
OWRT_IPK = $(OWRT_OUT)/serval-mesh_$(OWRT_VERSION)_$(1).ipk
OWRT_BIN ?= out/cross/$(OWRT_CROSS_$(ARCH))/servald

# The packaged init script: init.d/servald without its whole-line comments
# (-1.65 KB of ipk: the small MIPS routers' 400 KB flash budget; the
# commented script is in the repository and in the SDK feed build).
OWRT_INIT = out/openwrt/servald.init
$(OWRT_INIT): init.d/servald
	@mkdir -p $(@D)
	sed -e '1!{/^[[:space:]]*#/d}' init.d/servald > $@.tmp && mv $@.tmp $@

# What the package installs: DEST:MODE:SRC. The tests compare an extracted
# ipk against exactly this list. keep.d makes sysupgrade keep the identity.
OWRT_FILES = \
	/usr/sbin/servald:0755:$(OWRT_BIN) \
	/etc/init.d/servald:0755:$(OWRT_INIT) \
	/etc/config/serval:0644:openwrt/files/serval.config \
	/lib/upgrade/keep.d/serval-mesh:0644:openwrt/files/serval-mesh.keep
OWRT_CONFFILES := /etc/config/serval

APT_DEPS += busybox shellcheck shfmt zopfli

.PHONY: ipk ipk-all apk apk-all openwrt-lint openwrt-test openwrt-deps openwrt-print-files

ipk: $(call OWRT_IPK,$(ARCH))

ipk-all:
	@for a in $(OWRT_ARCHES); do $(MAKE) --no-print-directory ipk ARCH=$$a || exit 1; done

$(OWRT_OUT)/serval-mesh_$(OWRT_VERSION)_%.ipk: $(OWRT_BIN) $(OWRT_INIT) \
		openwrt/files/serval.config openwrt/files/serval-mesh.keep openwrt/mkipk.sh openwrt/pkgfiles.sh mk/openwrt.mk
	@case " $(OWRT_ARCHES) " in *" $* "*) ;; \
	  *) echo "ipk: unknown ARCH '$*' (one of: $(OWRT_ARCHES))" >&2; exit 2;; esac
	SOURCE_DATE_EPOCH=$(OWRT_EPOCH) sh openwrt/mkipk.sh -o $@ -a $* -v $(OWRT_VERSION) \
	  $(foreach c,$(OWRT_CONFFILES),-c $(c)) $(OWRT_FILES)

# apk v3 (OpenWrt 25.x): the same files, conffile and maintainer scripts,
# packed by apk-tools' `apk mkpkg`, built from OPENWRT_USERLAND's sources
# (default: the copy in the repository) into .cache/openwrt-userland/.
OPENWRT_USERLAND ?= test/openwrt/userland
OWRT_APK_TOOL ?= .cache/openwrt-userland/bin/apk
OWRT_APK = $(OWRT_OUT)/serval-mesh-$(OWRT_VERSION)_$(1).apk

apk: $(call OWRT_APK,$(ARCH))

apk-all:
	@for a in $(OWRT_ARCHES); do $(MAKE) --no-print-directory apk ARCH=$$a || exit 1; done

$(OWRT_APK_TOOL): openwrt/build-userland.sh $(wildcard $(OPENWRT_USERLAND)/apk-tools-*.tar.gz)
	@ls $(OPENWRT_USERLAND)/apk-tools-*.tar.gz > /dev/null 2>&1 || { echo "apk: needs apk-tools' source to build 'apk mkpkg': apk-tools-<commit>.tar.gz in OPENWRT_USERLAND=$(OPENWRT_USERLAND)" >&2; exit 2; }
	OPENWRT_USERLAND=$(OPENWRT_USERLAND) bash openwrt/build-userland.sh apk

$(OWRT_OUT)/serval-mesh-$(OWRT_VERSION)_%.apk: $(OWRT_BIN) $(OWRT_INIT) \
		openwrt/files/serval.config openwrt/files/serval-mesh.keep openwrt/mkapk.sh openwrt/pkgfiles.sh mk/openwrt.mk | $(OWRT_APK_TOOL)
	@case " $(OWRT_ARCHES) " in *" $* "*) ;; \
	  *) echo "apk: unknown ARCH '$*' (one of: $(OWRT_ARCHES))" >&2; exit 2;; esac
	SOURCE_DATE_EPOCH=$(OWRT_EPOCH) sh openwrt/mkapk.sh -o $@ -a $* -v $(OWRT_VERSION) -k $(OWRT_APK_TOOL) \
	  $(foreach c,$(OWRT_CONFFILES),-c $(c)) $(OWRT_FILES)

openwrt-print-files: $(OWRT_INIT)
	@for f in $(OWRT_FILES); do echo "$$f" | tr ':' ' '; done

openwrt-deps:
	sh test/openwrt/ensure-tools.sh init ipk

openwrt-lint: openwrt-deps
	shellcheck -s sh init.d/servald
	shellcheck -x openwrt/mkipk.sh openwrt/mkapk.sh openwrt/pkgfiles.sh openwrt/build-userland.sh test/openwrt/ensure-tools.sh \
	  test/openwrt/userland/*.sh
	shfmt -sr -s -d init.d/servald openwrt/mkipk.sh openwrt/mkapk.sh openwrt/pkgfiles.sh openwrt/build-userland.sh \
	  test/openwrt/ensure-tools.sh test/openwrt/userland/*.sh

openwrt-test: openwrt-deps
	node test/run.mjs test/unit/openwrt-init.test.ts test/unit/openwrt-ipk.test.ts

.PHONY: openwrt-userland-test
openwrt-userland-test:
	node test/run.mjs test/unit/openwrt-userland-ipk.test.ts test/unit/openwrt-userland-apk.test.ts

# Source tarball for the feed Makefile (openwrt/Makefile): C shim, quickjs-ng
# patches, the prebuilt bundle, init script and UCI default, under
# serval-mesh-<version>/, reproducible like the ipk.
OWRT_PKG_VERSION := $(patsubst %-r$(OWRT_RELEASE),%,$(OWRT_VERSION))
OWRT_DIST := $(OWRT_OUT)/serval-mesh-$(OWRT_PKG_VERSION).tar.gz
OWRT_DIST_FILES = $(sort $(wildcard src/native/*.c src/native/*.h src/native/*.S \
	build/patches/*.patch LICENSE COPYING)) init.d/servald openwrt/files/serval.config \
	openwrt/files/serval-mesh.keep

.PHONY: openwrt-dist
openwrt-dist: $(BUNDLE)
	@rm -rf $(OWRT_OUT)/dist && d=$(OWRT_OUT)/dist/serval-mesh-$(OWRT_PKG_VERSION) && \
	  mkdir -p $$d && tar -cf - $(OWRT_DIST_FILES) | tar -xf - -C $$d && \
	  cp $(BUNDLE) $$d/servald.js && chmod -R u=rwX,go=rX $$d && \
	  tar --format=gnu --numeric-owner --owner=0 --group=0 --sort=name \
	    --mtime=@$(OWRT_EPOCH) -C $(OWRT_OUT)/dist -cf - serval-mesh-$(OWRT_PKG_VERSION) | \
	    gzip -n -9 > $(OWRT_DIST) && rm -rf $(OWRT_OUT)/dist
	@echo "openwrt-dist: $(OWRT_DIST) sha256 $$(sha256sum $(OWRT_DIST) | cut -d' ' -f1)"

# luci-app-serval: LuCI JS views, menu, rpcd ACL and the `serval` ubus object
# (rpcd ucode plugin), architecture `all`, same version and packers.
#   make luci-ipk -> out/openwrt/luci-app-serval_<version>_all.ipk
#   make luci-apk -> out/openwrt/luci-app-serval-<version>_all.apk
LUCI_SERVAL := openwrt/luci-app-serval
LUCI_IPK := $(OWRT_OUT)/luci-app-serval_$(OWRT_VERSION)_all.ipk
LUCI_APK := $(OWRT_OUT)/luci-app-serval-$(OWRT_VERSION)_all.apk
LUCI_FILES = \
	/www/luci-static/resources/view/serval/status.js:0644:$(LUCI_SERVAL)/htdocs/luci-static/resources/view/serval/status.js \
	/www/luci-static/resources/view/serval/config.js:0644:$(LUCI_SERVAL)/htdocs/luci-static/resources/view/serval/config.js \
	/usr/share/luci/menu.d/luci-app-serval.json:0644:$(LUCI_SERVAL)/root/usr/share/luci/menu.d/luci-app-serval.json \
	/usr/share/rpcd/acl.d/luci-app-serval.json:0644:$(LUCI_SERVAL)/root/usr/share/rpcd/acl.d/luci-app-serval.json \
	/usr/share/rpcd/ucode/serval.uc:0644:$(LUCI_SERVAL)/root/usr/share/rpcd/ucode/serval.uc \
	/etc/uci-defaults/40_luci-serval:0755:$(LUCI_SERVAL)/root/etc/uci-defaults/40_luci-serval
LUCI_PKG_ENV = PKG_NAME=luci-app-serval PKG_SECTION=luci \
	PKG_DEPENDS="libc, serval-mesh, luci-base, rpcd, rpcd-mod-ucode" \
	PKG_DESCRIPTION="LuCI support for Serval Mesh: status (node, mesh picture, routes, tunnels), configuration, ubus object serval"
LUCI_SRCS = $(foreach f,$(LUCI_FILES),$(lastword $(subst :, ,$(f)))) openwrt/pkgfiles.sh mk/openwrt.mk

.PHONY: luci-ipk luci-apk luci-print-files
luci-ipk: $(LUCI_IPK)
luci-apk: $(LUCI_APK)

$(LUCI_IPK): $(LUCI_SRCS) openwrt/mkipk.sh
	SOURCE_DATE_EPOCH=$(OWRT_EPOCH) $(LUCI_PKG_ENV) sh openwrt/mkipk.sh -o $@ -a all -v $(OWRT_VERSION) $(LUCI_FILES)

$(LUCI_APK): $(LUCI_SRCS) openwrt/mkapk.sh | $(OWRT_APK_TOOL)
	SOURCE_DATE_EPOCH=$(OWRT_EPOCH) $(LUCI_PKG_ENV) sh openwrt/mkapk.sh -o $@ -a noarch -v $(OWRT_VERSION) \
	  -k $(OWRT_APK_TOOL) $(LUCI_FILES)

luci-print-files:
	@for f in $(LUCI_FILES); do echo "$$f" | tr ':' ' '; done

# The luci-app-serval suites: `ubus call serval ...` in the real LuCI root, and
# headless chromium (playwright-core) against the real LuCI (both part of
# `make test`; LuCI stack sources in test/openwrt/luci/, OPENWRT_LUCI=DIR).
APT_DEPS += chromium libnl-3-dev
.PHONY: luci-test luci-lint
luci-test:
	node test/run.mjs test/unit/openwrt-luci-ubus.test.ts test/unit/openwrt-luci-browser.test.ts

luci-lint: openwrt-deps
	shellcheck -x test/openwrt/luci/run.sh test/openwrt/luci/luci-lib.sh test/openwrt/luci/ubus.sh \
	  test/openwrt/luci/browser.sh $(LUCI_SERVAL)/root/etc/uci-defaults/40_luci-serval
	shfmt -sr -s -d test/openwrt/luci/run.sh test/openwrt/luci/luci-lib.sh test/openwrt/luci/ubus.sh \
	  test/openwrt/luci/browser.sh $(LUCI_SERVAL)/root/etc/uci-defaults/40_luci-serval
