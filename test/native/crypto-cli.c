/*
 * Stand-alone driver of src/native's crypto (no quickjs), for running the
 * same line protocol as `servald selftest crypto` under qemu on big-endian
 * MIPS. One request per stdin line, hex arguments ("." = empty):
 *   box KEY NONCE MSG | open KEY NONCE BOXED | sha512 MSG | before PK SK
 *   x25519 SCALAR POINT | x25519base SCALAR | keypair SEED (-> public)
 *   sign SECRET64 MSG | verify PUBLIC SIG MSG (-> 1/0) | pk2x PUBLIC
 * prints one hex line each, "-" for a rejected input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "crypto.h"

static int unhex(const char *s, uint8_t **out, size_t *n)
{
    size_t len = strlen(s), i;
    if (strcmp(s, ".") == 0)
        len = 0;
    if (len % 2)
        return -1;
    *n = len / 2;
    *out = malloc(*n + 1);
    for (i = 0; i < *n; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1)
            return -1;
        (*out)[i] = (uint8_t)v;
    }
    return 0;
}

static void hexout(const uint8_t *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        printf("%02x", p[i]);
    printf(n ? "\n" : ".\n");
}

int main(void)
{
    static char line[1 << 20];
    while (fgets(line, sizeof line, stdin)) {
        char *tok[4];
        uint8_t *a[3] = {0, 0, 0}, *o;
        size_t n[3] = {0, 0, 0};
        int nt = 0, i;
        char *p = strtok(line, " \r\n");
        while (p && nt < 4) {
            tok[nt++] = p;
            p = strtok(NULL, " \r\n");
        }
        if (nt == 0)
            continue;
        for (i = 1; i < nt; i++)
            if (unhex(tok[i], &a[i - 1], &n[i - 1])) {
                printf("bad hex\n");
                return 1;
            }
        o = malloc(n[2] + n[1] + n[0] + 128);
        if (!strcmp(tok[0], "box") && nt == 4) {
            sc_secretbox(o, a[2], n[2], a[1], a[0]);
            hexout(o, n[2] + 16);
        } else if (!strcmp(tok[0], "open") && nt == 4) {
            if (n[2] < 16 || sc_secretbox_open(o, a[2], n[2], a[1], a[0]))
                printf("-\n");
            else
                hexout(o, n[2] - 16);
        } else if (!strcmp(tok[0], "sha512") && nt == 2) {
            sc_sha512(o, a[0], n[0]);
            hexout(o, 64);
        } else if (!strcmp(tok[0], "before") && nt == 3) {
            if (sc_box_beforenm(o, a[0], a[1]))
                printf("-\n");
            else
                hexout(o, 32);
        } else if (!strcmp(tok[0], "x25519") && nt == 3) {
            if (sc_x25519(o, a[0], a[1]))
                printf("-\n");
            else
                hexout(o, 32);
        } else if (!strcmp(tok[0], "x25519base") && nt == 2) {
            sc_x25519_base(o, a[0]);
            hexout(o, 32);
        } else if (!strcmp(tok[0], "keypair") && nt == 2) {
            sc_ed25519_seed_keypair(o, o + 32, a[0]);
            hexout(o, 32);
        } else if (!strcmp(tok[0], "sign") && nt == 3) {
            sc_ed25519_sign(o, a[1], n[1], a[0]);
            hexout(o, 64);
        } else if (!strcmp(tok[0], "verify") && nt == 4) {
            printf("%d\n", sc_ed25519_verify(a[1], a[2], n[2], a[0]));
        } else if (!strcmp(tok[0], "pk2x") && nt == 2) {
            if (sc_ed25519_pk_to_x25519(o, a[0]))
                printf("-\n");
            else
                hexout(o, 32);
        } else {
            printf("bad request\n");
            return 1;
        }
        for (i = 0; i < 3; i++)
            free(a[i]);
        free(o);
        fflush(stdout);
    }
    return 0;
}
