# Stand-in for the OpenWrt SDK's rules.mk, for test/unit/openwrt-feed.test.ts:
# only the variables openwrt/Makefile uses, for a mipsel_24kc-like target
# (Debian's cross gcc on musl from openwrt/build-musl.sh, OpenWrt's flags).
# Soft-float like OpenWrt's 24kc toolchain (built --with-float=soft): the
# MUSL_SPECS of a build-musl.sh `sf` mode.
MUSL_SPECS ?= $(error set MUSL_SPECS)
TARGET_CC := mipsel-linux-gnu-gcc -msoft-float -specs=$(MUSL_SPECS)
TARGET_CFLAGS := -Os -pipe -mno-branch-likely -mips32r2 -mtune=24kc -fno-caller-saves
TARGET_CPPFLAGS :=
TARGET_LDFLAGS := -static
TARGET_AR := mipsel-linux-gnu-ar
TAR := tar
ARCH := mipsel
INCLUDE_DIR := $(TOPDIR)/include
BUILD_DIR := $(TOPDIR)/build
DL_DIR := $(TOPDIR)/dl
INSTALL_DIR := install -d -m0755
INSTALL_BIN := install -m0755
INSTALL_CONF := install -m0600
INSTALL_DATA := install -m0644
