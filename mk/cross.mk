# Static servald binaries for OpenWrt targets from Debian's cross compilers,
# built by the top-level Makefile's own rules (recursive `make servald` with
# CC/OBJDIR/SERVALD/STATIC/LIBS/STRIP), and tested under qemu-user.
#
#   make cross CROSS=mipsel     one target: x86_64 | mipsel | mips | armhf
#   make cross-all              all four -> out/cross/<target>/servald
#   make cross-test             `servald version` on each, via qemu (no selftest: left out of cross builds)
#   make cross-deps             install the cross compilers and qemu-user-static
#
# Static, -Os, gc-sections, stripped; -latomic on 32-bit MIPS (quickjs-ng uses
# 64-bit atomics). C library: musl by default (OpenWrt's libc; static glibc
# adds ~0.9 MB on MIPS), built once per target from Debian's musl source by
# openwrt/build-musl.sh into .cache/musl/; CROSS_LIBC=glibc links Debian's
# static glibc instead.
# MIPS is soft-float: the routers' cores (24Kc/24KEc in ath79 and ramips,
# 1004Kc in mt7621) have no FPU, and OpenWrt's kernels for them are built
# without FP emulation (CONFIG_MIPS_FP_SUPPORT unset), so one FPU instruction
# is SIGILL there. -msoft-float is in CC itself (engine, shim, bundle.S and the
# link), musl is its mips-sf variant, and gcc's own soft-fp routines go ahead
# of Debian's hard-float libgcc (build-musl.sh MODE sf); readelf -A says
# "FP ABI: Soft float" and the tests run every MIPS binary on qemu's FPU-less
# 24Kc model (test/openwrt/soft-float-check.sh: no FPU instruction in the
# unstripped link output, kept as out/cross/<target>/servald.unstripped). The
# linker warns that Debian's crtbeginS.o, libgcc.a and libatomic.a "use
# -mhard-float": their ABI tag, not their code (the check disassembles what
# is linked). CROSS_LIBC=glibc MIPS builds stay hard-float (Debian's glibc
# is): for FPU CPUs only. armhf is hard-float (VFP), as OpenWrt's
# arm_cortex-a7_neon-vfpv4 is. Images built by the OpenWrt SDK use the feed
# Makefile (openwrt/Makefile) and the SDK's own soft-float toolchain.

CROSS ?= x86_64
CROSS_LIBC ?= musl
CROSS_TARGETS := x86_64 mipsel mips armhf
CROSS_TRIPLET_x86_64 := x86_64-linux-gnu
CROSS_TRIPLET_mipsel := mipsel-linux-gnu
CROSS_TRIPLET_mips   := mips-linux-gnu
CROSS_TRIPLET_armhf  := arm-linux-gnueabihf
# Soft-float: MIPS on musl.
CROSS_SOFTFLOAT = $(if $(filter mips mipsel,$(1)),$(filter musl,$(CROSS_LIBC)))
# musl for mips/mipsel is soft-float, and with MIPS16e on its C code is MIPS16e
# too (build-musl.sh TRIPLET sf-mips16: mipsel gzip -3 KB).
CROSS_MUSL_MODE = $(if $(filter mips mipsel,$(1)),sf$(if $(filter 1,$(CROSS_MIPS16)),-mips16))
CROSS_MUSL_SPECS = .cache/musl/$(CROSS_TRIPLET_$(1))$(if $(call CROSS_MUSL_MODE,$(1)),-$(call CROSS_MUSL_MODE,$(1)))/lib/musl-gcc.specs
CROSS_CC = $(CROSS_PREFIX_$(1))gcc$(if $(call CROSS_SOFTFLOAT,$(1)), -msoft-float)$(if $(filter musl,$(CROSS_LIBC)), -specs=$(abspath $(call CROSS_MUSL_SPECS,$(1))))

CROSS_PREFIX_x86_64 :=
CROSS_PREFIX_mipsel := mipsel-linux-gnu-
CROSS_PREFIX_mips   := mips-linux-gnu-
CROSS_PREFIX_armhf  := arm-linux-gnueabihf-
CROSS_QEMU_x86_64   :=
# The routers' own CPU models: 24Kc has no FPU (qemu-user's default MIPS CPU
# has one, and would hide a hard-float build); cortex-a7 as arm_cortex-a7.
CROSS_QEMU_mipsel   := qemu-mipsel-static -cpu 24Kc
CROSS_QEMU_mips     := qemu-mips-static -cpu 24Kc
CROSS_QEMU_armhf    := qemu-arm-static -cpu cortex-a7
CROSS_LIBS_x86_64   := -lm -ldl -lpthread
CROSS_LIBS_mipsel   := -lm -ldl -lpthread -latomic
CROSS_LIBS_mips     := -lm -ldl -lpthread -latomic
CROSS_LIBS_armhf    := -lm -ldl -lpthread
# gc-sections drops the parts of quickjs-ng and libc servald never calls;
# position-dependent code (static binaries need no PIE) is smaller, most on
# MIPS, where -mno-shared also drops the GOT indirection of PIC calls.
CROSS_SECTIONS      := -ffunction-sections -fdata-sections -fno-pie
CROSS_LDFLAGS       := -Wl,--gc-sections -no-pie
# MIPS16e halves much of the MIPS code (quickjs.o text 591 -> 386 KB), as
# OpenWrt itself builds packages for 24kc by default (CONFIG_USE_MIPS16).
# CROSS_MIPS16=0 keeps plain MIPS32 code (faster, ~45% bigger).
CROSS_MIPS16 ?= 1
CROSS_MIPSFLAGS     = -mno-shared $(if $(filter 1,$(CROSS_MIPS16)),-mips16 -minterlink-mips16)
# The engine without its internal assert()s and debug dumps (quickjs.c enables
# dumps unless NDEBUG), as release builds of quickjs-ng are: mipsel binary
# 815 -> 770 KB (gzip -21 KB). CROSS_NDEBUG=0 keeps them.
CROSS_NDEBUG ?= 1
# Without the Unicode normalization and property tables
# (build/patches/quickjs-no-unicode-tables.patch: RegExp \p{...} and
# normalize() beyond U+00A0 unsupported; servald uses neither): mipsel gzip
# -33 KB. CROSS_UNICODE_TABLES=1 keeps them.
CROSS_UNICODE_TABLES ?= 0
# Without Array.fromAsync/Iterator.zip(Keyed), built-ins the engine embeds as
# bytecode (build/patches/quickjs-no-bytecode-builtins.patch; src/ must not use
# them, platform-notes.md): gzip -4 KB. CROSS_BYTECODE_BUILTINS=1 keeps them.
CROSS_BYTECODE_BUILTINS ?= 0
# quickjs-libc without what servald never calls: no os.Worker (nor structured
# clone, pthread_create), no os.exec, std.popen/urlGet/printf and the like
# (build/patches/quickjs-libc-without-unused.patch, -DSERVAL_LEAN_LIBC; src/
# must not use them, test/unit/bundle-lean.test.ts): mipsel -49 KB, ipk
# -28 KB, what soft-float costs twice over. CROSS_LEAN_LIBC=0 keeps them.
CROSS_LEAN_LIBC ?= 1
# Without the Atomics object (quickjs.c defines CONFIG_ATOMICS unless the C
# library says __STDC_NO_ATOMICS__; nothing else in the engine uses C
# atomics, quickjs-libc keeps its own 32-bit ones): its code and libatomic's
# 64-bit helpers drop out (mipsel ~6 KB of text). src/ must not use Atomics
# (test/unit/bundle-lean.test.ts). CROSS_ATOMICS=1 keeps it.
CROSS_ATOMICS ?= 0
# Without the Math functions servald never calls (trigonometric, hyperbolic,
# exp/log/pow family, cbrt, hypot, f16round, sumPrecise:
# build/patches/quickjs-no-unused-math.patch, -DSERVAL_NO_MATH_EXTRAS; src/
# must not use them, test/unit/bundle-lean.test.ts): their libm code drops
# out. CROSS_MATH_EXTRAS=1 keeps them.
CROSS_MATH_EXTRAS ?= 0
# The bundle as quickjs-ng bytecode, and the engine without its parser
# (-DQJS_DISABLE_PARSER: no eval, no new Function; 68 KB of MIPS16 text).
# The bytecode is written by the target's own engine built WITH the parser
# (same flags and defines otherwise: build/qjs-bytecode.c) under the target's
# qemu, as bytecode carries the byte order, atom numbering and format version
# of the engine that wrote it. Stack traces lose line numbers (no debug info).
# mipsel ipk -4.7 KB, x86_64 -14 KB; idle daemon RSS -35% and `servald
# version` 8x faster on x86_64 (BENCHMARKS.md "Packaging").
# CROSS_BYTECODE=0 embeds the source bundle and keeps the parser.
CROSS_BYTECODE ?= 1
CROSS_ENGINE_DEFS   = $(if $(filter 1,$(CROSS_NDEBUG)),-DNDEBUG) \
	$(if $(filter 1,$(CROSS_UNICODE_TABLES)),,-DSERVAL_NO_UNICODE_TABLES) \
	$(if $(filter 1,$(CROSS_BYTECODE_BUILTINS)),,-DSERVAL_NO_BYTECODE_BUILTINS) \
	$(if $(filter 1,$(CROSS_LEAN_LIBC)),-DSERVAL_LEAN_LIBC) \
	$(if $(filter 1,$(CROSS_ATOMICS)),,-D__STDC_NO_ATOMICS__=1) \
	$(if $(filter 1,$(CROSS_MATH_EXTRAS)),,-DSERVAL_NO_MATH_EXTRAS) \
	$(if $(filter 1,$(CROSS_BYTECODE)),-DQJS_DISABLE_PARSER)
# The bytecode interpreter loop with its small hot helpers inlined on MIPS
# (build/patches/quickjs-interp-inline.patch, -DSERVAL_INTERP_INLINE): -Os
# leaves JS_FreeValue, js_dup, set_value, get_u16/u32, find_own_property and
# js_poll_interrupts as ~250 calls in JS_CallInternal, and calls cost most
# where the core is small (on qemu's 24Kc, 42% of the daemons' CPU went to
# looking up indirect jump targets, returns included). 1 hop clean, 4 MiB,
# emulated 24Kc: daemon CPU per MiB about a third less (medians 2 021 ->
# 1 294 ms), for +1.2 KB of mipsel ipk (368 009 -> 369 174). Measured and
# not taken (BENCHMARKS.md "Router-class tunnel", session 8): quickjs.c as
# MIPS32 instead of MIPS16e (with the inlining a further -7% CPU for +25 KB
# of ipk, leaving ~5 KB of the 400 KB budget), all of servald as MIPS32
# (over the budget), only the hot functions as MIPS32 (nomips16: slower,
# as GCC inlines nothing across MIPS16e/MIPS32; CROSS_INTERP_MIPS32 below
# does it with MIPS32 copies of the helpers), quickjs.c at -O2 (+86 KB).
# The x86_64 and armhf builds (-Os too) get it as well: 1 hop clean, 8 MiB,
# daemon-hosted tunnel, CPU ms/MiB of all processes, alternated pairs
# (BENCHMARKS.md session 8 mips32hot, "x86_64 and armhf"): x86_64 native
# medians 166 -> 152 (8 pairs, every one lower), armhf under qemu-arm
# -cpu cortex-a7 1 551 -> 1 083 (4 pairs); text +1.9 KB / +4.3 KB. The host
# build (-O2) is left alone: 132 -> 128 there, within noise, for +6 KB.
# CROSS_INTERP_INLINE=0 keeps the calls.
CROSS_INTERP_INLINE ?= 1
CROSS_INTERP = $(if $(filter mips mipsel x86_64 armhf,$(1)),$(filter 1,$(CROSS_INTERP_INLINE)))
# With it, on MIPS16e builds, the interpreter loop (JS_CallInternal) and the
# hottest functions it calls (JS_GetPropertyInternal, js_get_fast_array_element,
# js_call_c_function) are MIPS32 code at -O2, the rest MIPS16e -Os
# (-DSERVAL_INTERP_MIPS32, same patch). GCC inlines nothing across the two
# modes, so the small helpers they use have MIPS32 copies that are inlined
# (test/openwrt/cross-check.ts checks both with readelf/objdump). Emulated
# 24Kc, session 9 (BENCHMARKS.md "Router-class tunnel"): interpreter CPU of
# bench/msp-cpu.ts 0.65x, daemon CPU per MiB tunnelled 0.78x (1 hop) and
# 0.76x (3 hops, 10% loss), for +3.3 KB of mipsel ipk (371 669 -> 374 980).
# CROSS_INTERP_MIPS32=0 keeps it MIPS16e.
CROSS_INTERP_MIPS32 ?= 1
CROSS_INTERP_M32 = $(if $(filter mips mipsel,$(1)),$(if $(call CROSS_INTERP,$(1)),$(if $(filter 1,$(CROSS_MIPS16)),$(filter 1,$(CROSS_INTERP_MIPS32)))))
# The per-byte crypto of the tunnel (salsa20, poly1305, sha512: box/open and
# signed frames) as MIPS32 in a MIPS16e build: MIPS16e's 8 registers make
# these 16-word-state loops spill (Makefile NATIVE_FAST_OBJS). Emulated 24Kc,
# 1 hop clean, 4 MiB: daemon CPU per MiB 0.94x (session 9, BENCHMARKS.md).
# CROSS_NATIVE_MIPS32=0 keeps them MIPS16e.
CROSS_NATIVE_MIPS32 ?= 1
CROSS_NATIVE_FAST = $(if $(filter mips mipsel,$(1)),$(if $(filter 1,$(CROSS_MIPS16)),$(filter 1,$(CROSS_NATIVE_MIPS32))))
# Optimisation level of the engine and the C shim: -Os, except x86_64 at -O2
# (no size budget there; issue 11's "<= 100 ms of CPU per MiB" is an x86_64
# target). 1 hop clean, 8 MiB, daemon-hosted tunnel, alternated pairs at load
# ~3 (BENCHMARKS.md issue 11 "Router CPU", x86pkt): all processes 133-136 ->
# 115-126 ms/MiB for the engine alone; stripped binary 784 -> 1 026 KB, ipk
# 379 -> 481 KB.
# CROSS_OPT_x86_64=-Os keeps the old build.
# Measured on top and not taken (BENCHMARKS.md "Router CPU, session 10"):
# profile-guided optimisation trained on the tunnel (0.97x CPU per MiB pooled
# over three blocks, 1.00x on interpreter-bound JS; needs root to train),
# -O3, -fno-gcse; mallocng is ~1 % of the daemons' samples (the engine keeps
# small blocks in its own arenas). Neither this build nor the OpenWrt feed
# Makefile's (the SDK's toolchain) is profile-guided.
CROSS_OPT_x86_64 ?= -O2
CROSS_OPT = $(or $(CROSS_OPT_$(1)),-Os)
CROSS_ARCHFLAGS_x86_64 :=
CROSS_ARCHFLAGS_armhf  :=
CROSS_ARCHFLAGS_mipsel  = $(CROSS_MIPSFLAGS)
CROSS_ARCHFLAGS_mips    = $(CROSS_MIPSFLAGS)
CROSS_TAG = $(call CROSS_ENGINE_TAG,$(1))$(if $(filter 1,$(CROSS_BYTECODE)),-np)
# the engine with its parser (compiles the bytecode); without -np, the same
# objects as a CROSS_BYTECODE=0 build
CROSS_ENGINE_TAG = $(1)-$(CROSS_LIBC)$(if $(call CROSS_SOFTFLOAT,$(1)),-sf)$(if $(filter mips mipsel,$(1)),$(if $(filter 1,$(CROSS_MIPS16)),-m16))$(if $(filter 1,$(CROSS_NDEBUG)),-nd)$(if $(filter 1,$(CROSS_UNICODE_TABLES)),,-nu)$(if $(filter 1,$(CROSS_BYTECODE_BUILTINS)),,-nb)$(if $(filter 1,$(CROSS_LEAN_LIBC)),-ll)$(if $(filter 1,$(CROSS_ATOMICS)),,-na)$(if $(filter 1,$(CROSS_MATH_EXTRAS)),,-nm)$(if $(call CROSS_INTERP,$(1)),-ii)$(if $(call CROSS_INTERP_M32,$(1)),-i32)$(if $(filter-out -Os,$(call CROSS_OPT,$(1))),$(call CROSS_OPT,$(1)))

# Output root; e.g. CROSS_OUT_DIR=out/cross-glibc with CROSS_LIBC=glibc.
CROSS_OUT_DIR ?= out/cross
CROSS_BIN = $(CROSS_OUT_DIR)/$(1)/servald

APT_DEPS += gcc-mips-linux-gnu libc6-dev-mips-cross gcc-mipsel-linux-gnu \
	libc6-dev-mipsel-cross gcc-arm-linux-gnueabihf libc6-dev-armhf-cross \
	qemu-user-static

.PHONY: cross cross-all cross-test cross-deps cross-force

cross-deps:
	sh test/openwrt/ensure-tools.sh cross

cross: $(call CROSS_BIN,$(CROSS))

cross-all: $(foreach t,$(CROSS_TARGETS),$(call CROSS_BIN,$(t)))

# Always delegated: the inner make knows whether anything changed.
$(CROSS_OUT_DIR)/%/servald: cross-force
	@case " $(CROSS_TARGETS) " in *" $* "*) ;; \
	  *) echo "cross: unknown target '$*' (one of: $(CROSS_TARGETS))" >&2; exit 2;; esac
	@[ -z "$(CROSS_PREFIX_$*)" ] || { command -v $(CROSS_PREFIX_$*)gcc > /dev/null && \
	  { [ "$(CROSS_BYTECODE)" != 1 ] || command -v $(firstword $(CROSS_QEMU_$*)) > /dev/null; }; } || \
	  sh test/openwrt/ensure-tools.sh cross
	@mkdir -p $(@D)
	@[ "$(CROSS_LIBC)" != musl ] || { sh openwrt/build-musl.sh $(CROSS_TRIPLET_$*) $(call CROSS_MUSL_MODE,$*) && \
	  { ! [ $(dir $(call CROSS_MUSL_SPECS,$*))libc.a -nt $@ ] || rm -f $@; }; }
	$(MAKE) --no-print-directory servald \
	  CC="$(call CROSS_CC,$*)" STRIP="$(CROSS_PREFIX_$*)strip" \
	  CFLAGS="$(call CROSS_OPT,$*) -Wall -Wextra $(CROSS_SECTIONS) $(CROSS_ARCHFLAGS_$*)" \
	  ENGINE_CFLAGS="$(call CROSS_OPT,$*) -w $(CROSS_ENGINE_DEFS)$(if $(call CROSS_INTERP,$*), -DSERVAL_INTERP_INLINE)$(if $(call CROSS_INTERP_M32,$*), -DSERVAL_INTERP_MIPS32) $(CROSS_SECTIONS) $(CROSS_ARCHFLAGS_$*)" \
	  LDFLAGS="$(CROSS_LDFLAGS)" LIBS="$(CROSS_LIBS_$*)" STATIC=1 \
	  $(if $(call CROSS_NATIVE_FAST,$*),NATIVE_FAST_OBJS="salsa20.o poly1305.o sha512.o" NATIVE_FAST_CFLAGS=-mno-mips16) \
	  OBJDIR=out/obj/cross-$(call CROSS_TAG,$*)$(if $(filter 1,$(CROSS_TEST_HOOKS)),-hooks) SERVALD=$@ \
	  UNSTRIPPED=$@.unstripped \
	  ENGINE_OBJDIR=.cache/engine-obj/cross-$(call CROSS_TAG,$*) \
	  BUNDLE=$(CROSS_OUT_DIR)/servald-$(if $(filter 1,$(CROSS_TEST_HOOKS)),hooks,lean).js \
	  BUNDLE_FLAGS=$(if $(filter 1,$(CROSS_TEST_HOOKS)),,--no-test-hooks) \
	  BYTECODE=$(CROSS_BYTECODE) BUNDLE_BC=$(@D)/servald.bc BYTECODE_RUN="$(CROSS_QEMU_$*)" \
	  ENGINE_PARSER_OBJDIR=.cache/engine-obj/cross-$(call CROSS_ENGINE_TAG,$*)

# Each binary runs `version` under its qemu (cross builds embed a bundle
# without the hidden selftest commands: BUNDLE_FLAGS=--no-test-hooks;
# CROSS_TEST_HOOKS=1 CROSS_OUT_DIR=out/cross-hooks builds the same engine and
# C shim with them, for test/integration/native-crypto.test.ts).
cross-test: cross-all
	@for t in $(CROSS_TARGETS); do \
	  case $$t in x86_64) q="";; mipsel) q="$(CROSS_QEMU_mipsel)";; \
	    mips) q="$(CROSS_QEMU_mips)";; armhf) q="$(CROSS_QEMU_armhf)";; esac; \
	  b=$(call CROSS_BIN,$$t); \
	  printf '%-7s %8s bytes  ' $$t $$(wc -c < $$b); \
	  $$q $$b version || exit 1; \
	done

cross-force:
