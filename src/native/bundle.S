/* Embeds the JS bundle (path in SERVALD_BUNDLE, set by the Makefile) into the
 * binary, NUL-terminated, so servald is a single file at run time. */
#define STR2(x) #x
#define STR(x) STR2(x)
    .section .rodata
    .global servald_bundle
    .global servald_bundle_end
servald_bundle:
    .incbin STR(SERVALD_BUNDLE)
servald_bundle_end:
    .byte 0
#if defined(__linux__) && defined(__ELF__)
    .section .note.GNU-stack,"",%progbits
#endif
