# libsodium as a test oracle for our own crypto primitives
# (test/integration/native-sodium-diff.test.ts compiles test/native/sodium-diff.c
# against it). Host-only: servald never links libsodium.
APT_DEPS += libsodium-dev
