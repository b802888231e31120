# Static servald binaries for OpenWrt targets from Debian's cross compilers,
# built by the top-level Makefile's own rules (recursive `make servald` with
# CC/OBJDIR/SERVALD/STATIC/LIBS/STRIP), and tested under qemu-user.
#
#   make cross CROSS=mipsel     one target: x86_64 | mipsel | mips | armhf
#   make cross-all              all four -> out/cross/<target>/servald
#   make cross-test             `servald version` (and selftest) on each, via qemu
#   make cross-deps             install the cross compilers and qemu-user-static
#
# Static glibc, -Os, stripped; -latomic on 32-bit MIPS (quickjs-ng uses 64-bit
# atomics). Debian's mips/mipsel/armhf are hard-float; OpenWrt's 24kc kernels
# emulate the FPU, so the binaries run there (real images use the feed Makefile).

CROSS ?= x86_64
CROSS_TARGETS := x86_64 mipsel mips armhf

CROSS_PREFIX_x86_64 :=
CROSS_PREFIX_mipsel := mipsel-linux-gnu-
CROSS_PREFIX_mips   := mips-linux-gnu-
CROSS_PREFIX_armhf  := arm-linux-gnueabihf-
CROSS_QEMU_x86_64   :=
CROSS_QEMU_mipsel   := qemu-mipsel-static
CROSS_QEMU_mips     := qemu-mips-static
CROSS_QEMU_armhf    := qemu-arm-static
CROSS_LIBS_x86_64   := -lm -ldl -lpthread
CROSS_LIBS_mipsel   := -lm -ldl -lpthread -latomic
CROSS_LIBS_mips     := -lm -ldl -lpthread -latomic
CROSS_LIBS_armhf    := -lm -ldl -lpthread
# gc-sections drops the parts of quickjs-ng and libc servald never calls
CROSS_SECTIONS      := -ffunction-sections -fdata-sections
CROSS_LDFLAGS       := -Wl,--gc-sections

CROSS_BIN = out/cross/$(1)/servald

APT_DEPS += gcc-mips-linux-gnu libc6-dev-mips-cross gcc-mipsel-linux-gnu \
	libc6-dev-mipsel-cross gcc-arm-linux-gnueabihf libc6-dev-armhf-cross \
	qemu-user-static

.PHONY: cross cross-all cross-test cross-deps cross-force

cross-deps:
	sh test/openwrt/ensure-tools.sh cross

cross: $(call CROSS_BIN,$(CROSS))

cross-all: $(foreach t,$(CROSS_TARGETS),$(call CROSS_BIN,$(t)))

# Always delegated: the inner make knows whether anything changed.
out/cross/%/servald: cross-force
	@case " $(CROSS_TARGETS) " in *" $* "*) ;; \
	  *) echo "cross: unknown target '$*' (one of: $(CROSS_TARGETS))" >&2; exit 2;; esac
	@[ -z "$(CROSS_PREFIX_$*)" ] || command -v $(CROSS_PREFIX_$*)gcc > /dev/null || \
	  sh test/openwrt/ensure-tools.sh cross
	@mkdir -p $(@D)
	$(MAKE) --no-print-directory servald \
	  CC="$(CROSS_PREFIX_$*)gcc" STRIP="$(CROSS_PREFIX_$*)strip" \
	  CFLAGS="-Os -Wall -Wextra $(CROSS_SECTIONS)" \
	  ENGINE_CFLAGS="-Os -w $(CROSS_SECTIONS)" \
	  LDFLAGS="$(CROSS_LDFLAGS)" LIBS="$(CROSS_LIBS_$*)" STATIC=1 \
	  OBJDIR=out/obj/cross-$* SERVALD=$@

# Each binary runs `version` under its qemu; `selftest interfaces` when the
# binary has H1's selftest command.
cross-test: cross-all
	@for t in $(CROSS_TARGETS); do \
	  case $$t in x86_64) q="";; mipsel) q="$(CROSS_QEMU_mipsel)";; \
	    mips) q="$(CROSS_QEMU_mips)";; armhf) q="$(CROSS_QEMU_armhf)";; esac; \
	  b=$(call CROSS_BIN,$$t); \
	  printf '%-7s %8s bytes  ' $$t $$(wc -c < $$b); \
	  $$q $$b version || exit 1; \
	done

cross-force:
