/* Embeds the JS bundle or its bytecode (path in SERVALD_BUNDLE_FILE, set by
 * the Makefile, or SERVALD_BUNDLE, as openwrt/Makefile sets it) into the
 * binary, NUL-terminated, so servald is a single file at run time. */
#define STR2(x) #x
#define STR(x) STR2(x)
    .section .rodata
    .global servald_bundle
    .global servald_bundle_end
servald_bundle:
#ifdef SERVALD_BUNDLE_FILE
    /* a quoted path: no macro expansion inside it (gcc predefines `mips`,
     * `linux` and `unix` as 1, so out/cross/mips/... became out/cross/1/...) */
    .incbin SERVALD_BUNDLE_FILE
#else
    .incbin STR(SERVALD_BUNDLE)
#endif
servald_bundle_end:
    .byte 0
#if defined(__linux__) && defined(__ELF__)
    .section .note.GNU-stack,"",%progbits
#endif
