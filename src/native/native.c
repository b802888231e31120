/*
 * serval:native - the few OS services quickjs-ng's qjs:std/qjs:os lack:
 * sockets (UDP, TCP, Unix datagram), interfaces, signals, random, clock,
 * daemonising and a few file helpers. Every fd is non-blocking and CLOEXEC;
 * readiness is watched from JS with os.setReadHandler/os.setWriteHandler.
 *
 * Errors: most calls throw an Error "<call>: <strerror>" with an `errno`
 * property. Hot-path calls return -errno instead (cheap EAGAIN handling):
 * read, write, udpSendTo, udpRecvMany, tcpAccept, unixSendTo, unixRecvFrom,
 * plus kill and unlink, whose failures are ordinary answers.
 * Data calls take (buffer, offset, length) where buffer is an ArrayBuffer or
 * a Uint8Array (offset relative to the view), so nothing is allocated.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "quickjs.h"
#include "native.h"

/* every JS C function has the same signature; most ignore this_val/argc */
#pragma GCC diagnostic ignored "-Wunused-parameter"

#define UDP_REUSEADDR 1
#define UDP_REUSEPORT 2
#define UDP_BROADCAST 4

static JSValue throw_errno(JSContext *ctx, const char *call, int err)
{
    JSValue e = JS_NewError(ctx);
    char msg[160];
    snprintf(msg, sizeof msg, "%s: %s", call, strerror(err));
    JS_DefinePropertyValueStr(ctx, e, "message", JS_NewString(ctx, msg),
                              JS_PROP_WRITABLE | JS_PROP_CONFIGURABLE);
    JS_DefinePropertyValueStr(ctx, e, "errno", JS_NewInt32(ctx, err),
                              JS_PROP_C_W_E);
    return JS_Throw(ctx, e);
}

static int get_int(JSContext *ctx, int *out, JSValueConst v)
{
    return JS_ToInt32(ctx, out, v);
}

/* (buffer, offset, length) -> pointer; -1 with a pending exception. */
static int get_buf(JSContext *ctx, JSValueConst *argv, uint8_t **p, size_t *n)
{
    size_t size;
    int64_t off, len;
    uint8_t *base;
    if (JS_GetTypedArrayType(argv[0]) == JS_TYPED_ARRAY_UINT8)
        base = JS_GetUint8Array(ctx, &size, argv[0]);
    else
        base = JS_GetArrayBuffer(ctx, &size, argv[0]);
    if (!base)
        return -1;
    if (JS_ToInt64(ctx, &off, argv[1]) || JS_ToInt64(ctx, &len, argv[2]))
        return -1;
    if (off < 0 || len < 0 || (uint64_t)(off + len) > size) {
        JS_ThrowRangeError(ctx, "buffer range out of bounds");
        return -1;
    }
    *p = base + off;
    *n = (size_t)len;
    return 0;
}

/* IPv4 address from a dotted string or a host-order uint32 number. */
static int get_ipv4(JSContext *ctx, struct in_addr *a, JSValueConst v)
{
    if (JS_IsString(v)) {
        const char *s = JS_ToCString(ctx, v);
        int ok;
        if (!s)
            return -1;
        ok = inet_pton(AF_INET, s, a) == 1;
        JS_FreeCString(ctx, s);
        if (!ok) {
            JS_ThrowTypeError(ctx, "bad IPv4 address");
            return -1;
        }
        return 0;
    }
    uint32_t h;
    if (JS_ToUint32(ctx, &h, v))
        return -1;
    a->s_addr = htonl(h);
    return 0;
}

static int fill_sin(JSContext *ctx, struct sockaddr_in *sa, JSValueConst addr,
                    JSValueConst port)
{
    int p;
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    if (get_ipv4(ctx, &sa->sin_addr, addr) || get_int(ctx, &p, port))
        return -1;
    if (p < 0 || p > 65535) {
        JS_ThrowRangeError(ctx, "bad port %d", p);
        return -1;
    }
    sa->sin_port = htons((uint16_t)p);
    return 0;
}

static JSValue ipv4_string(JSContext *ctx, struct in_addr a)
{
    char s[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &a, s, sizeof s);
    return JS_NewString(ctx, s);
}

static JSValue ret_n(JSContext *ctx, ssize_t n)
{
    return JS_NewInt32(ctx, n < 0 ? -errno : (int32_t)n);
}

static int set_int_opt(int fd, int level, int opt, int v)
{
    return setsockopt(fd, level, opt, &v, sizeof v);
}

/* ---- UDP ---- */

/* udpOpen(addr, port, flags, device|null) -> fd */
static JSValue js_udp_open(JSContext *ctx, JSValueConst this_val, int argc,
                           JSValueConst *argv)
{
    struct sockaddr_in sa;
    int flags, fd, err;
    const char *call = "socket";
    if (fill_sin(ctx, &sa, argv[0], argv[1]) || get_int(ctx, &flags, argv[2]))
        return JS_EXCEPTION;
    fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return throw_errno(ctx, call, errno);
    call = "setsockopt";
    if ((flags & UDP_REUSEADDR) && set_int_opt(fd, SOL_SOCKET, SO_REUSEADDR, 1))
        goto fail;
    if ((flags & UDP_REUSEPORT) && set_int_opt(fd, SOL_SOCKET, SO_REUSEPORT, 1))
        goto fail;
    if ((flags & UDP_BROADCAST) && set_int_opt(fd, SOL_SOCKET, SO_BROADCAST, 1))
        goto fail;
    if (argc > 3 && JS_IsString(argv[3])) {
        const char *dev = JS_ToCString(ctx, argv[3]);
        int r;
        if (!dev) {
            close(fd);
            return JS_EXCEPTION;
        }
        r = setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, strlen(dev));
        JS_FreeCString(ctx, dev);
        call = "SO_BINDTODEVICE";
        if (r)
            goto fail;
    }
    call = "bind";
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa))
        goto fail;
    return JS_NewInt32(ctx, fd);
fail:
    err = errno;
    close(fd);
    return throw_errno(ctx, call, err);
}

/* udpSendTo(fd, buf, off, len, addr, port) -> n | -errno */
static JSValue js_udp_sendto(JSContext *ctx, JSValueConst this_val, int argc,
                             JSValueConst *argv)
{
    struct sockaddr_in sa;
    uint8_t *p;
    size_t n;
    int fd;
    if (get_int(ctx, &fd, argv[0]) || get_buf(ctx, argv + 1, &p, &n) ||
        fill_sin(ctx, &sa, argv[4], argv[5]))
        return JS_EXCEPTION;
    return ret_n(ctx, sendto(fd, p, n, 0, (struct sockaddr *)&sa, sizeof sa));
}

/* udpFilterFrom(fd, skip|null) -> 0 | -errno
 * Attaches a classic BPF socket filter that makes the kernel drop, before they
 * are queued, datagrams from the (address, port) pairs of skip (the table of
 * udpRecvMany: [0] n, then n host-order pairs); null detaches it. A node's own
 * broadcasts loop back to its wildcard socket: dropped here they cost no
 * poll round, no system call and no JS at all (on a steady node, one poll
 * round in ten; it followed the send, so not a wakeup). The filter sees the datagram from its UDP header on: the source port
 * at offset 0, the source address at the network header's offset 12. */
#define FILTER_PAIRS_MAX 64
/* The skip table of udpRecvMany and udpFilterFrom (a Uint8Array over an
 * Int32Array: [0] n, then n (address, port) pairs): 0 with *skip and *n set,
 * or -1 with an exception thrown. */
static int get_skip_table(JSContext *ctx, JSValueConst v, const char *call, int32_t **skip, int32_t *n)
{
    size_t sn;
    uint8_t *sp = JS_GetUint8Array(ctx, &sn, v);
    if (!sp)
        return -1;
    *n = sn >= 4 && !((uintptr_t)sp & 3) ? ((int32_t *)sp)[0] : -1;
    if (*n < 0 || (size_t)(1 + 2 * *n) * 4 > sn) {
        JS_ThrowRangeError(ctx, "%s: bad skip table", call);
        return -1;
    }
    *skip = (int32_t *)sp;
    return 0;
}
/* Classic BPF, a stable kernel ABI (linux/filter.h, which not every
 * toolchain's headers have: written out here) */
struct bpf_insn_c { uint16_t code; uint8_t jt, jf; uint32_t k; };
struct bpf_prog_c { unsigned short len; struct bpf_insn_c *filter; };
#define C_LD_W_ABS 0x20   /* BPF_LD | BPF_W | BPF_ABS */
#define C_LD_H_ABS 0x28   /* BPF_LD | BPF_H | BPF_ABS */
#define C_JEQ_K 0x15      /* BPF_JMP | BPF_JEQ | BPF_K */
#define C_RET_K 0x06      /* BPF_RET | BPF_K */
#define C_NET_OFF (-0x100000) /* SKF_NET_OFF: offsets from the network header */
static struct bpf_insn_c bpf_c(uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
    struct bpf_insn_c i = { code, jt, jf, k };
    return i;
}
static JSValue js_udp_filter_from(JSContext *ctx, JSValueConst this_val,
                                  int argc, JSValueConst *argv)
{
    struct bpf_insn_c code[5 * FILTER_PAIRS_MAX + 1];
    struct bpf_prog_c prog;
    int32_t *skip, nskip, i;
    int fd, dummy = 0, len = 0;
    if (get_int(ctx, &fd, argv[0]))
        return JS_EXCEPTION;
    if (JS_IsNull(argv[1]) || JS_IsUndefined(argv[1])) {
        if (setsockopt(fd, SOL_SOCKET, SO_DETACH_FILTER, &dummy, sizeof dummy) && errno != ENOENT)
            return JS_NewInt32(ctx, -errno);
        return JS_NewInt32(ctx, 0);
    }
    if (get_skip_table(ctx, argv[1], "udpFilterFrom", &skip, &nskip))
        return JS_EXCEPTION;
    if (nskip > FILTER_PAIRS_MAX)
        return JS_NewInt32(ctx, -E2BIG);
    for (i = 0; i < nskip; i++) {
        /* A = source address; not ours: on to the next pair (3 ahead) */
        code[len++] = bpf_c(C_LD_W_ABS, 0, 0, (uint32_t)C_NET_OFF + 12);
        code[len++] = bpf_c(C_JEQ_K, 0, 3, (uint32_t)skip[1 + 2 * i]);
        /* A = source port; ours too: drop (return 0 bytes) */
        code[len++] = bpf_c(C_LD_H_ABS, 0, 0, 0);
        code[len++] = bpf_c(C_JEQ_K, 0, 1, (uint32_t)skip[2 + 2 * i]);
        code[len++] = bpf_c(C_RET_K, 0, 0, 0);
    }
    code[len++] = bpf_c(C_RET_K, 0, 0, 0xffffffffu);
    prog.len = (unsigned short)len;
    prog.filter = code;
    if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog))
        return JS_NewInt32(ctx, -errno);
    return JS_NewInt32(ctx, 0);
}

/* udpRecvMany(fd, buf, off, len, meta, skip|null) -> datagrams | -errno
 * The datagrams waiting on fd, read with recvmmsg into buf: each is offered
 * 64 KiB (so none is ever truncated), in slots 64 KiB apart; as many slots as
 * buf holds and meta has room for. meta is a Uint8Array over an Int32Array:
 * [0] 1 when the socket was drained (recvmmsg filled fewer slots than it was
 * offered: the kernel found the queue empty, so no extra recvfrom is needed to
 * hear EAGAIN), [1] datagrams skipped, then per datagram offset (into the
 * view), length, address and port. The address is the host-order int32
 * (128.0.0.0 and up negative, so the engine keeps them ints, where a uint32
 * above 2^31 would be a float64 and every compare or hash of it soft-float on
 * an FPU-less router). skip, the same kind of view or null: [0] n, then n
 * (address, port) pairs whose datagrams are read and dropped here (a node's
 * own broadcasts, looped back to its wildcard socket). Returns -errno only
 * when nothing was received (-EAGAIN: nothing waiting). */
#define RECV_MAX 65536
#define RECV_SLOTS 4
static JSValue js_udp_recv_many(JSContext *ctx, JSValueConst this_val,
                                int argc, JSValueConst *argv)
{
    struct sockaddr_in sa[RECV_SLOTS];
    struct iovec iov[RECV_SLOTS];
    struct mmsghdr mm[RECV_SLOTS];
    uint8_t *p, *mp;
    size_t n, mn;
    int32_t *meta, *skip = NULL, nskip = 0, skipped = 0, count = 0, max, i, k;
    int fd, err = 0, slots, r;
    if (get_int(ctx, &fd, argv[0]) || get_buf(ctx, argv + 1, &p, &n))
        return JS_EXCEPTION;
    mp = JS_GetUint8Array(ctx, &mn, argv[4]);
    if (!mp)
        return JS_EXCEPTION;
    if (((uintptr_t)mp & 3) || mn < 24)
        return JS_ThrowRangeError(ctx, "udpRecvMany: bad meta view");
    if (argc > 5 && !JS_IsNull(argv[5]) && !JS_IsUndefined(argv[5]) &&
        get_skip_table(ctx, argv[5], "udpRecvMany", &skip, &nskip))
        return JS_EXCEPTION;
    meta = (int32_t *)mp;
    max = (int32_t)((mn / 4 - 2) / 4);
    slots = (int)(n / RECV_MAX);
    if (slots > RECV_SLOTS)
        slots = RECV_SLOTS;
    if (slots > max)
        slots = max;
    if (slots < 1)
        return JS_ThrowRangeError(ctx, "udpRecvMany: buffer under 64 KiB");
    meta[0] = 0;
    memset(mm, 0, sizeof mm);
    for (i = 0; i < slots; i++) {
        iov[i].iov_base = p + (size_t)i * RECV_MAX;
        iov[i].iov_len = RECV_MAX;
        mm[i].msg_hdr.msg_name = &sa[i];
        mm[i].msg_hdr.msg_iov = &iov[i];
        mm[i].msg_hdr.msg_iovlen = 1;
    }
    /* Skipped datagrams free their slots: read again while all were skipped
     * and the socket may hold more. */
    while (count == 0) {
        for (i = 0; i < slots; i++)
            mm[i].msg_hdr.msg_namelen = sizeof sa[i];
        r = recvmmsg(fd, mm, (unsigned)slots, MSG_DONTWAIT, NULL);
        if (r < 0) {
            err = errno;
            if (err == EINTR)
                continue;
            if (err == EAGAIN || err == EWOULDBLOCK)
                meta[0] = 1;
            break;
        }
        for (k = 0; k < r; k++) {
            int32_t addr = (int32_t)ntohl(sa[k].sin_addr.s_addr);
            int32_t port = ntohs(sa[k].sin_port);
            size_t mo;
            for (i = 0; i < nskip; i++)
                if (skip[1 + 2 * i] == addr && skip[2 + 2 * i] == port)
                    break;
            if (i < nskip) {
                skipped++;
                continue;
            }
            mo = 2 + 4 * (size_t)count;
            meta[mo] = (int32_t)((size_t)k * RECV_MAX);
            meta[mo + 1] = (int32_t)mm[k].msg_len;
            meta[mo + 2] = addr;
            meta[mo + 3] = port;
            count++;
        }
        if (r < slots) {
            meta[0] = 1;
            break;
        }
    }
    meta[1] = skipped;
    if (count == 0 && err)
        return JS_NewInt32(ctx, -err);
    return JS_NewInt32(ctx, count);
}

/* ---- TCP ---- */

/* tcpListen(addr, port, backlog) -> fd */
static JSValue js_tcp_listen(JSContext *ctx, JSValueConst this_val, int argc,
                             JSValueConst *argv)
{
    struct sockaddr_in sa;
    int backlog, fd, err;
    const char *call = "bind";
    if (fill_sin(ctx, &sa, argv[0], argv[1]) || get_int(ctx, &backlog, argv[2]))
        return JS_EXCEPTION;
    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return throw_errno(ctx, "socket", errno);
    set_int_opt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa))
        goto fail;
    call = "listen";
    if (listen(fd, backlog))
        goto fail;
    return JS_NewInt32(ctx, fd);
fail:
    err = errno;
    close(fd);
    return throw_errno(ctx, call, err);
}

/* tcpAccept(fd) -> fd | -errno */
static JSValue js_tcp_accept(JSContext *ctx, JSValueConst this_val, int argc,
                             JSValueConst *argv)
{
    int fd, c;
    if (get_int(ctx, &fd, argv[0]))
        return JS_EXCEPTION;
    c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (c >= 0)
        set_int_opt(c, IPPROTO_TCP, TCP_NODELAY, 1);
    return JS_NewInt32(ctx, c < 0 ? -errno : c);
}

/* tcpConnect(addr, port) -> fd; completion: writable, then sockError(fd). */
static JSValue js_tcp_connect(JSContext *ctx, JSValueConst this_val, int argc,
                              JSValueConst *argv)
{
    struct sockaddr_in sa;
    int fd, err;
    if (fill_sin(ctx, &sa, argv[0], argv[1]))
        return JS_EXCEPTION;
    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return throw_errno(ctx, "socket", errno);
    set_int_opt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) && errno != EINPROGRESS) {
        err = errno;
        close(fd);
        return throw_errno(ctx, "connect", err);
    }
    return JS_NewInt32(ctx, fd);
}

/* sockError(fd) -> pending errno (0: connected) */
static JSValue js_sock_error(JSContext *ctx, JSValueConst this_val, int argc,
                             JSValueConst *argv)
{
    int fd, err = 0;
    socklen_t l = sizeof err;
    if (get_int(ctx, &fd, argv[0]))
        return JS_EXCEPTION;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l))
        return throw_errno(ctx, "getsockopt", errno);
    return JS_NewInt32(ctx, err);
}

/* sockName(fd) -> {addr, port} (IPv4 sockets) */
static JSValue js_sock_name(JSContext *ctx, JSValueConst this_val, int argc,
                            JSValueConst *argv)
{
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    int fd;
    JSValue o;
    if (get_int(ctx, &fd, argv[0]))
        return JS_EXCEPTION;
    if (getsockname(fd, (struct sockaddr *)&sa, &sl))
        return throw_errno(ctx, "getsockname", errno);
    o = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, o, "addr", ipv4_string(ctx, sa.sin_addr));
    JS_SetPropertyStr(ctx, o, "port", JS_NewInt32(ctx, ntohs(sa.sin_port)));
    return o;
}

/* read(fd, buf, off, len) -> n (0 = EOF) | -errno */
static JSValue js_read(JSContext *ctx, JSValueConst this_val, int argc,
                       JSValueConst *argv)
{
    uint8_t *p;
    size_t n;
    int fd;
    if (get_int(ctx, &fd, argv[0]) || get_buf(ctx, argv + 1, &p, &n))
        return JS_EXCEPTION;
    return ret_n(ctx, read(fd, p, n));
}

/* write(fd, buf, off, len) -> n (may be partial) | -errno */
static JSValue js_write(JSContext *ctx, JSValueConst this_val, int argc,
                        JSValueConst *argv)
{
    uint8_t *p;
    size_t n;
    int fd;
    if (get_int(ctx, &fd, argv[0]) || get_buf(ctx, argv + 1, &p, &n))
        return JS_EXCEPTION;
    return ret_n(ctx, write(fd, p, n));
}

static JSValue js_shutdown_write(JSContext *ctx, JSValueConst this_val,
                                 int argc, JSValueConst *argv)
{
    int fd;
    if (get_int(ctx, &fd, argv[0]))
        return JS_EXCEPTION;
    if (shutdown(fd, SHUT_WR))
        return throw_errno(ctx, "shutdown", errno);
    return JS_UNDEFINED;
}

static JSValue js_close(JSContext *ctx, JSValueConst this_val, int argc,
                        JSValueConst *argv)
{
    int fd;
    if (get_int(ctx, &fd, argv[0]))
        return JS_EXCEPTION;
    if (close(fd))
        return throw_errno(ctx, "close", errno);
    return JS_UNDEFINED;
}

/* ---- Unix datagram: a name starting with NUL is abstract (Linux) ---- */

static int fill_sun(JSContext *ctx, struct sockaddr_un *su, socklen_t *sl,
                    JSValueConst name)
{
    size_t len;
    const char *s = JS_ToCStringLen(ctx, &len, name);
    if (!s)
        return -1;
    memset(su, 0, sizeof *su);
    su->sun_family = AF_UNIX;
    if (len >= sizeof su->sun_path) {
        JS_FreeCString(ctx, s);
        JS_ThrowRangeError(ctx, "unix socket name too long");
        return -1;
    }
    memcpy(su->sun_path, s, len);
    JS_FreeCString(ctx, s);
    /* filesystem names include their NUL; abstract ones are length-delimited */
    *sl = offsetof(struct sockaddr_un, sun_path) + len + (len && su->sun_path[0]);
    return 0;
}

/* unixDgramOpen(name) -> fd. "" autobinds an abstract name; a path gets mode
 * 0600 (stale file replaced). */
static JSValue js_unix_open(JSContext *ctx, JSValueConst this_val, int argc,
                            JSValueConst *argv)
{
    struct sockaddr_un su;
    socklen_t sl;
    mode_t old;
    int fd, r, err;
    if (fill_sun(ctx, &su, &sl, argv[0]))
        return JS_EXCEPTION;
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return throw_errno(ctx, "socket", errno);
    if (su.sun_path[0])
        unlink(su.sun_path);
    old = umask(0177); /* socket file mode 0600 */
    r = bind(fd, (struct sockaddr *)&su, sl);
    umask(old);
    if (r) {
        err = errno;
        close(fd);
        return throw_errno(ctx, "bind", err);
    }
    return JS_NewInt32(ctx, fd);
}

/* unixSendTo(fd, buf, off, len, name) -> n | -errno */
static JSValue js_unix_sendto(JSContext *ctx, JSValueConst this_val, int argc,
                              JSValueConst *argv)
{
    struct sockaddr_un su;
    socklen_t sl;
    uint8_t *p;
    size_t n;
    int fd;
    if (get_int(ctx, &fd, argv[0]) || get_buf(ctx, argv + 1, &p, &n) ||
        fill_sun(ctx, &su, &sl, argv[4]))
        return JS_EXCEPTION;
    return ret_n(ctx, sendto(fd, p, n, 0, (struct sockaddr *)&su, sl));
}

/* unixRecvFrom(fd, buf, off, len, from) -> n | -errno; sets from.name */
static JSValue js_unix_recvfrom(JSContext *ctx, JSValueConst this_val,
                                int argc, JSValueConst *argv)
{
    struct sockaddr_un su;
    socklen_t sl = sizeof su;
    uint8_t *p;
    size_t n, nl;
    ssize_t r;
    int fd;
    if (get_int(ctx, &fd, argv[0]) || get_buf(ctx, argv + 1, &p, &n))
        return JS_EXCEPTION;
    r = recvfrom(fd, p, n, 0, (struct sockaddr *)&su, &sl);
    if (r >= 0 && JS_IsObject(argv[4])) {
        nl = sl > offsetof(struct sockaddr_un, sun_path)
                 ? sl - offsetof(struct sockaddr_un, sun_path) : 0;
        if (nl && su.sun_path[0])
            nl = strnlen(su.sun_path, nl);
        JS_SetPropertyStr(ctx, argv[4], "name",
                          JS_NewStringLen(ctx, su.sun_path, nl));
    }
    return ret_n(ctx, r);
}

/* ---- Unix datagram: connect a client socket to the daemon's (issue 13) ----
 * unixConnect(fd, name) -> 0 | -errno. Once connected, the kernel refuses
 * datagrams to this socket from any other socket (the sender gets EPERM), and
 * write() on it fails with ECONNREFUSED (then ENOTCONN) once the daemon's
 * socket is gone, even if a new daemon has bound the same path since. */
static JSValue js_unix_connect(JSContext *ctx, JSValueConst this_val,
                               int argc, JSValueConst *argv)
{
    struct sockaddr_un su;
    socklen_t sl;
    int fd;
    if (get_int(ctx, &fd, argv[0]) || fill_sun(ctx, &su, &sl, argv[1]))
        return JS_EXCEPTION;
    return JS_NewInt32(ctx, connect(fd, (struct sockaddr *)&su, sl) ? -errno : 0);
}

/* ---- interfaces ---- */

/* The interface's index from getifaddrs' own AF_PACKET entry for it (the C
 * libraries list one per link, from the same netlink dump): the daemon rescans
 * every 5 s, and if_nametoindex costs three system calls per address. */
static int ifa_index(struct ifaddrs *all, const char *name)
{
    for (struct ifaddrs *i = all; i; i = i->ifa_next)
        if (i->ifa_addr && i->ifa_addr->sa_family == AF_PACKET &&
            !strcmp(i->ifa_name, name))
            return ((struct sockaddr_ll *)i->ifa_addr)->sll_ifindex;
    return (int)if_nametoindex(name);
}

/* interfaces() -> [{name, index, addr, netmask, broadcast, up, running,
 * loopback}] for every IPv4 address */
static JSValue js_interfaces(JSContext *ctx, JSValueConst this_val, int argc,
                             JSValueConst *argv)
{
    struct ifaddrs *ifa, *i;
    JSValue arr;
    uint32_t k = 0;
    if (getifaddrs(&ifa))
        return throw_errno(ctx, "getifaddrs", errno);
    arr = JS_NewArray(ctx);
    for (i = ifa; i; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
            continue;
        JSValue o = JS_NewObject(ctx);
        struct in_addr none = { 0 };
        JS_SetPropertyStr(ctx, o, "name", JS_NewString(ctx, i->ifa_name));
        JS_SetPropertyStr(ctx, o, "index",
                          JS_NewInt32(ctx, ifa_index(ifa, i->ifa_name)));
        JS_SetPropertyStr(ctx, o, "addr", ipv4_string(ctx,
                          ((struct sockaddr_in *)i->ifa_addr)->sin_addr));
        JS_SetPropertyStr(ctx, o, "netmask", ipv4_string(ctx, i->ifa_netmask ?
                          ((struct sockaddr_in *)i->ifa_netmask)->sin_addr : none));
        JS_SetPropertyStr(ctx, o, "broadcast",
                          ipv4_string(ctx, (i->ifa_flags & IFF_BROADCAST) &&
                          i->ifa_broadaddr ? ((struct sockaddr_in *)
                          i->ifa_broadaddr)->sin_addr : none));
        JS_SetPropertyStr(ctx, o, "up", JS_NewBool(ctx, i->ifa_flags & IFF_UP));
        JS_SetPropertyStr(ctx, o, "running",
                          JS_NewBool(ctx, i->ifa_flags & IFF_RUNNING));
        JS_SetPropertyStr(ctx, o, "loopback",
                          JS_NewBool(ctx, i->ifa_flags & IFF_LOOPBACK));
        JS_SetPropertyUint32(ctx, arr, k++, o);
    }
    freeifaddrs(ifa);
    return arr;
}

/* Route netlink, declared here so the cross builds need no kernel headers
 * (linux/netlink.h, linux/rtnetlink.h, linux/if_link.h). */
struct nl_sockaddr { sa_family_t family; uint16_t pad; uint32_t pid, groups; };
struct nl_ifinfomsg { uint8_t family, pad; uint16_t type; int32_t index; uint32_t flags, change; };
#define NL_ROUTE 0
#define NL_GROUP_LINK 1          /* RTMGRP_LINK */
#define NL_GROUP_IPV4_IFADDR 0x10 /* RTMGRP_IPV4_IFADDR */
#define NL_NEWLINK 16
#define NL_DELLINK 17
#define NL_NEWADDR 20
#define NL_DELADDR 21
#define NL_IFLA_WIRELESS 11

/* netlinkOpen() -> fd: a non-blocking route netlink socket that hears of every
 * link and IPv4 address change of this network namespace (Serval DNA watches
 * RTM_NEWADDR the same way), so the daemon rescans its interfaces when they
 * change instead of listing them every few seconds. */
static JSValue js_netlink_open(JSContext *ctx, JSValueConst this_val, int argc,
                               JSValueConst *argv)
{
    struct nl_sockaddr sa;
    int fd, err;
    fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NL_ROUTE);
    if (fd < 0)
        return throw_errno(ctx, "socket(AF_NETLINK)", errno);
    memset(&sa, 0, sizeof sa);
    sa.family = AF_NETLINK;
    sa.groups = NL_GROUP_LINK | NL_GROUP_IPV4_IFADDR;
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa)) {
        err = errno;
        close(fd);
        return throw_errno(ctx, "bind(AF_NETLINK)", err);
    }
    return JS_NewInt32(ctx, fd);
}

/* A link message that only carries a wireless event (IFLA_WIRELESS: scans,
 * associations; no change of flags) says nothing about addresses. */
static int nl_wireless_only(const uint8_t *m, size_t len)
{
    const struct nl_ifinfomsg *ifi = (const struct nl_ifinfomsg *)(m + 16);
    size_t a = 16 + sizeof *ifi;
    if (len < a || ifi->change)
        return 0;
    while (a + 4 <= len) {
        uint16_t alen, type;
        memcpy(&alen, m + a, 2);
        memcpy(&type, m + a + 2, 2);
        if (alen < 4 || a + alen > len)
            break;
        if ((type & 0x3fff) == NL_IFLA_WIRELESS)
            return 1;
        a += (alen + 3u) & ~3u;
    }
    return 0;
}

/* netlinkDrain(fd) -> link or address changes read, until the socket is
 * empty; 1 when the kernel dropped some (ENOBUFS: what changed is unknown);
 * -errno on another error. */
static JSValue js_netlink_drain(JSContext *ctx, JSValueConst this_val, int argc,
                                JSValueConst *argv)
{
    static uint8_t buf[8192] __attribute__((aligned(4)));
    int fd, changes = 0;
    if (get_int(ctx, &fd, argv[0]))
        return JS_EXCEPTION;
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        size_t off = 0;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == ENOBUFS) {
                changes++;
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            return JS_NewInt32(ctx, -errno);
        }
        while (off + 16 <= (size_t)n) {
            uint32_t len;
            uint16_t type;
            memcpy(&len, buf + off, 4);
            memcpy(&type, buf + off + 4, 2);
            if (len < 16 || off + len > (size_t)n)
                break;
            if (type == NL_NEWADDR || type == NL_DELADDR || type == NL_DELLINK ||
                (type == NL_NEWLINK && !nl_wireless_only(buf + off, len)))
                changes++;
            off += (len + 3u) & ~3u;
        }
    }
    return JS_NewInt32(ctx, changes);
}

/* ---- signals, process ---- */

/* signalOpen() -> fd: blocks SIGTERM/SIGINT/SIGHUP (so poll() is never
 * interrupted, see quickjs-ng issue 614), ignores SIGPIPE, and returns a
 * signalfd that becomes readable when one arrives. */
static JSValue js_signal_open(JSContext *ctx, JSValueConst this_val, int argc,
                              JSValueConst *argv)
{
    sigset_t set;
    int fd;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    if (sigprocmask(SIG_BLOCK, &set, NULL))
        return throw_errno(ctx, "sigprocmask", errno);
    signal(SIGPIPE, SIG_IGN);
    fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0)
        return throw_errno(ctx, "signalfd", errno);
    return JS_NewInt32(ctx, fd);
}

/* signalRead(fd) -> signal number, or 0 when none is pending */
static JSValue js_signal_read(JSContext *ctx, JSValueConst this_val, int argc,
                              JSValueConst *argv)
{
    struct signalfd_siginfo si;
    int fd;
    if (get_int(ctx, &fd, argv[0]))
        return JS_EXCEPTION;
    if (read(fd, &si, sizeof si) != sizeof si)
        return JS_NewInt32(ctx, 0);
    return JS_NewInt32(ctx, (int32_t)si.ssi_signo);
}

/* monotonicMs() -> CLOCK_MONOTONIC in ms since the first call, plus
 * MONO_START_MS. Not since boot: that passes 2^31 after 24.8 days of router
 * uptime, and from then on every `now` would be a float64 to the engine (on an
 * FPU-less 24Kc every comparison and subtraction of times a soft-float call).
 * Since the process started it is an int32 for 24.8 days of this process's
 * uptime (after that a float64: exact, only slower). The start is not 0: the
 * protocol code may take 0 for "never sent" and -1e9 for "long ago".
 * The offset is negative while the system has been up for less than
 * MONO_START_MS (procd starts us seconds after boot): "set" is its own flag,
 * never the offset's sign (that froze the clock for the first 16.7 minutes). */
#define MONO_START_MS 1000000
static JSValue js_monotonic_ms(JSContext *ctx, JSValueConst this_val, int argc,
                               JSValueConst *argv)
{
    static int64_t base;
    static int base_set;
    struct timespec ts;
    int64_t ms;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    if (!base_set) {
        base = ms - MONO_START_MS;
        base_set = 1;
    }
    return JS_NewInt64(ctx, ms - base);
}

/* randomBytes(buf, off, len): fills from the kernel CSPRNG */
static JSValue js_random_bytes(JSContext *ctx, JSValueConst this_val, int argc,
                               JSValueConst *argv)
{
    uint8_t *p;
    size_t n;
    if (get_buf(ctx, argv, &p, &n))
        return JS_EXCEPTION;
    while (n) {
        ssize_t r = getrandom(p, n, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return throw_errno(ctx, "getrandom", errno);
        }
        p += r;
        n -= (size_t)r;
    }
    return JS_UNDEFINED;
}

/* daemonize(logPath|null) -> child pid in the parent, 0 in the child (which
 * has its own session, cwd "/", stdin/stdout on /dev/null and stderr appended
 * to logPath, or /dev/null) */
static JSValue js_daemonize(JSContext *ctx, JSValueConst this_val, int argc,
                            JSValueConst *argv)
{
    const char *log = NULL;
    int nul, err, efd;
    pid_t pid;
    if (argc > 0 && JS_IsString(argv[0]) && !(log = JS_ToCString(ctx, argv[0])))
        return JS_EXCEPTION;
    nul = open("/dev/null", O_RDWR | O_CLOEXEC);
    efd = log ? open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600) : nul;
    err = errno;
    if (log)
        JS_FreeCString(ctx, log);
    if (nul < 0 || efd < 0) {
        if (nul >= 0)
            close(nul);
        return throw_errno(ctx, "open", err);
    }
    fflush(NULL);
    pid = fork();
    if (pid != 0) {
        err = errno;
        close(nul);
        if (efd != nul)
            close(efd);
        if (pid < 0)
            return throw_errno(ctx, "fork", err);
        return JS_NewInt32(ctx, pid);
    }
    setsid();
    if (chdir("/")) { /* cannot fail for "/"; keep -Wunused-result quiet */ }
    dup2(nul, 0);
    dup2(nul, 1);
    dup2(efd, 2);
    close(nul);
    if (efd != nul)
        close(efd);
    return JS_NewInt32(ctx, 0);
}

static JSValue js_getpid(JSContext *ctx, JSValueConst this_val, int argc,
                         JSValueConst *argv)
{
    return JS_NewInt32(ctx, getpid());
}

/* kill(pid, sig) -> 0 | -errno (ESRCH: no such process) */
static JSValue js_kill(JSContext *ctx, JSValueConst this_val, int argc,
                       JSValueConst *argv)
{
    int pid, sig;
    if (get_int(ctx, &pid, argv[0]) || get_int(ctx, &sig, argv[1]))
        return JS_EXCEPTION;
    if (pid <= 0) /* never signal process groups by accident */
        return JS_ThrowRangeError(ctx, "kill: bad pid %d", pid);
    return JS_NewInt32(ctx, kill(pid, sig) ? -errno : 0);
}

/* ---- files ---- */

static JSValue path_call(JSContext *ctx, JSValueConst v, const char *call,
                         int (*fn)(const char *, int), int arg, bool soft)
{
    const char *s = JS_ToCString(ctx, v);
    int r, err;
    if (!s)
        return JS_EXCEPTION;
    r = fn(s, arg);
    err = errno;
    JS_FreeCString(ctx, s);
    if (r && !soft)
        return throw_errno(ctx, call, err);
    return JS_NewInt32(ctx, r ? -err : 0);
}

static int do_chmod(const char *p, int mode) { return chmod(p, (mode_t)mode); }
static int do_unlink(const char *p, int unused) { (void)unused; return unlink(p); }
static int do_mkdirs(const char *p, int mode)
{
    char buf[4096];
    size_t i, n = strlen(p);
    if (n >= sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(buf, p, n + 1);
    for (i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != 0)
            continue;
        buf[i] = 0;
        if (mkdir(buf, (mode_t)mode) && errno != EEXIST)
            return -1;
        buf[i] = p[i];
    }
    return 0;
}

static JSValue js_chmod(JSContext *ctx, JSValueConst this_val, int argc,
                        JSValueConst *argv)
{
    int mode;
    if (get_int(ctx, &mode, argv[1]))
        return JS_EXCEPTION;
    return path_call(ctx, argv[0], "chmod", do_chmod, mode, false);
}

/* unlink(path) -> 0 | -errno */
static JSValue js_unlink(JSContext *ctx, JSValueConst this_val, int argc,
                         JSValueConst *argv)
{
    return path_call(ctx, argv[0], "unlink", do_unlink, 0, true);
}

/* mkdirs(path, mode): mkdir -p */
static JSValue js_mkdirs(JSContext *ctx, JSValueConst this_val, int argc,
                         JSValueConst *argv)
{
    int mode;
    if (get_int(ctx, &mode, argv[1]))
        return JS_EXCEPTION;
    return path_call(ctx, argv[0], "mkdir", do_mkdirs, mode, false);
}

/* writeFileAtomic(path, data: string|ArrayBuffer|Uint8Array, mode): writes a
 * temporary file beside path, fsyncs it and renames it over path. */
static JSValue js_write_file_atomic(JSContext *ctx, JSValueConst this_val,
                                    int argc, JSValueConst *argv)
{
    const char *path, *str = NULL, *call = "open";
    char tmp[4096];
    uint8_t *p;
    size_t n;
    int mode, fd = -1, err = 0;
    if (get_int(ctx, &mode, argv[2]))
        return JS_EXCEPTION;
    if (JS_IsString(argv[1])) {
        if (!(str = JS_ToCStringLen(ctx, &n, argv[1])))
            return JS_EXCEPTION;
        p = (uint8_t *)str;
    } else {
        size_t size;
        if (JS_GetTypedArrayType(argv[1]) == JS_TYPED_ARRAY_UINT8)
            p = JS_GetUint8Array(ctx, &size, argv[1]);
        else
            p = JS_GetArrayBuffer(ctx, &size, argv[1]);
        if (!p)
            return JS_EXCEPTION;
        n = size;
    }
    if (!(path = JS_ToCString(ctx, argv[0]))) {
        JS_FreeCString(ctx, str);
        return JS_EXCEPTION;
    }
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp%d", path, (int)getpid()) >= sizeof tmp) {
        err = ENAMETOOLONG;
        goto out;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
    if (fd < 0 || fchmod(fd, (mode_t)mode)) {
        err = errno;
        goto out;
    }
    call = "write";
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            err = errno;
            goto out;
        }
        p += w;
        n -= (size_t)w;
    }
    call = "fsync";
    if (fsync(fd)) {
        err = errno;
        goto out;
    }
    call = "close";
    if (close(fd)) {
        fd = -1;
        err = errno;
        goto out;
    }
    fd = -1;
    call = "rename";
    if (rename(tmp, path))
        err = errno;
out:
    if (fd >= 0)
        close(fd);
    if (err)
        unlink(tmp);
    JS_FreeCString(ctx, path);
    if (str)
        JS_FreeCString(ctx, str);
    if (err)
        return throw_errno(ctx, call, err);
    return JS_UNDEFINED;
}

/* ---- strings ---- */

static JSValue js_strerror(JSContext *ctx, JSValueConst this_val, int argc,
                           JSValueConst *argv)
{
    int e;
    if (get_int(ctx, &e, argv[0]))
        return JS_EXCEPTION;
    return JS_NewString(ctx, strerror(e < 0 ? -e : e));
}

/* utf8Encode(str) -> Uint8Array (no TextEncoder in quickjs) */
static JSValue js_utf8_encode(JSContext *ctx, JSValueConst this_val, int argc,
                              JSValueConst *argv)
{
    size_t n;
    const char *s = JS_ToCStringLen(ctx, &n, argv[0]);
    JSValue r;
    if (!s)
        return JS_EXCEPTION;
    r = JS_NewUint8ArrayCopy(ctx, (const uint8_t *)s, n);
    JS_FreeCString(ctx, s);
    return r;
}

/* utf8Decode(buf, off, len) -> string */
static JSValue js_utf8_decode(JSContext *ctx, JSValueConst this_val, int argc,
                              JSValueConst *argv)
{
    uint8_t *p;
    size_t n;
    if (get_buf(ctx, argv, &p, &n))
        return JS_EXCEPTION;
    return JS_NewStringLen(ctx, (const char *)p, n);
}

/* syslogOpen(ident): openlog(ident, LOG_PID, LOG_DAEMON), for a daemon run
 * by procd, which logs all of its stderr at error priority; syslog(prio, text)
 * then gives each line its own priority in logread. openlog keeps the
 * pointer, so the ident is copied to static storage. */
static char syslog_ident[32];
static JSValue js_syslog_open(JSContext *ctx, JSValueConst this_val, int argc,
                              JSValueConst *argv)
{
    const char *s = JS_ToCString(ctx, argv[0]);
    if (!s)
        return JS_EXCEPTION;
    snprintf(syslog_ident, sizeof syslog_ident, "%s", s);
    JS_FreeCString(ctx, s);
    openlog(syslog_ident, LOG_PID, LOG_DAEMON);
    return JS_UNDEFINED;
}

/* syslog(prio, text): one message at LOG_ERR..LOG_DEBUG */
static JSValue js_syslog(JSContext *ctx, JSValueConst this_val, int argc,
                         JSValueConst *argv)
{
    int prio;
    const char *s;
    if (JS_ToInt32(ctx, &prio, argv[0]))
        return JS_EXCEPTION;
    s = JS_ToCString(ctx, argv[1]);
    if (!s)
        return JS_EXCEPTION;
    syslog(prio & LOG_PRIMASK, "%s", s);
    JS_FreeCString(ctx, s);
    return JS_UNDEFINED;
}

/* bytesEqual(a, b): two Uint8Arrays with equal contents. The JS loop costs
 * ~1.5 us for a 32-byte SID in quickjs-ng (a few bytecodes per byte), and the
 * daemon compares SIDs several times per packet. */
static JSValue js_bytes_equal(JSContext *ctx, JSValueConst this_val, int argc,
                              JSValueConst *argv)
{
    size_t na, nb;
    uint8_t *a = JS_GetUint8Array(ctx, &na, argv[0]);
    uint8_t *b;
    if (!a && JS_HasException(ctx))
        return JS_EXCEPTION;
    b = JS_GetUint8Array(ctx, &nb, argv[1]);
    if (!b && JS_HasException(ctx))
        return JS_EXCEPTION;
    return JS_NewBool(ctx, na == nb && (na == 0 || memcmp(a, b, na) == 0));
}

/* ==== daemon faults: instance lock, client-socket
 * send-buffer use, stuck connected peers. Kept apart from the code above. ==== */
#include <sys/file.h>
#include <sys/ioctl.h>
#ifndef SIOCOUTQ /* linux/sockios.h: no kernel headers needed (musl cross builds) */
#define SIOCOUTQ TIOCOUTQ
#endif

/* lockFile(path) -> fd holding an exclusive flock on path (created 0644), or
 * -errno (-EWOULDBLOCK: another process holds it). The lock lasts as long as
 * some process keeps the fd open (it is inherited across fork). */
static JSValue js_lock_file(JSContext *ctx, JSValueConst this_val, int argc,
                            JSValueConst *argv)
{
    const char *path = JS_ToCString(ctx, argv[0]);
    int fd, err;
    if (!path)
        return JS_EXCEPTION;
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    err = errno;
    JS_FreeCString(ctx, path);
    if (fd < 0)
        return JS_NewInt32(ctx, -err);
    while (flock(fd, LOCK_EX | LOCK_NB)) {
        err = errno;
        if (err == EINTR)
            continue;
        close(fd);
        return JS_NewInt32(ctx, -err);
    }
    return JS_NewInt32(ctx, fd);
}

/* lockWritePid(fd) -> 0 | -errno: replaces the lock file's contents with
 * "<our pid>\n" (so `stop` finds the holder before the pid file exists). */
static JSValue js_lock_write_pid(JSContext *ctx, JSValueConst this_val,
                                 int argc, JSValueConst *argv)
{
    char buf[24];
    int fd, n;
    if (get_int(ctx, &fd, argv[0]))
        return JS_EXCEPTION;
    n = snprintf(buf, sizeof buf, "%d\n", (int)getpid());
    if (ftruncate(fd, 0) || pwrite(fd, buf, (size_t)n, 0) != n || fsync(fd))
        return JS_NewInt32(ctx, errno ? -errno : -EIO);
    return JS_NewInt32(ctx, 0);
}

/* sendBuffer(fd, want) -> the socket's SO_SNDBUF after asking for `want`
 * bytes (SO_SNDBUFFORCE when allowed, else SO_SNDBUF, which the kernel caps
 * at net.core.wmem_max). */
static JSValue js_send_buffer(JSContext *ctx, JSValueConst this_val, int argc,
                              JSValueConst *argv)
{
    int fd, want, got = 0;
    socklen_t sl = sizeof got;
    if (get_int(ctx, &fd, argv[0]) || get_int(ctx, &want, argv[1]))
        return JS_EXCEPTION;
    if (want > 0 && setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &want, sizeof want))
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof want);
    if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &got, &sl))
        return throw_errno(ctx, "getsockopt", errno);
    return JS_NewInt32(ctx, got);
}

/* sendQueued(fd) -> bytes this socket sent that their receivers have not
 * read yet (SIOCOUTQ), or -errno. A Unix datagram socket can send nothing
 * more once this reaches its SO_SNDBUF. */
static JSValue js_send_queued(JSContext *ctx, JSValueConst this_val, int argc,
                              JSValueConst *argv)
{
    int fd, n = 0;
    if (get_int(ctx, &fd, argv[0]))
        return JS_EXCEPTION;
    if (ioctl(fd, SIOCOUTQ, &n))
        return JS_NewInt32(ctx, -errno);
    return JS_NewInt32(ctx, n);
}

/* Netlink sock_diag for AF_UNIX (linux/unix_diag.h), declared here so the
 * cross builds need no kernel headers. */
struct i13_nlmsghdr { uint32_t len; uint16_t type, flags; uint32_t seq, pid; };
struct i13_unix_diag_req {
    uint8_t family, protocol; uint16_t pad; uint32_t states, ino, show;
    uint32_t cookie[2];
};
struct i13_unix_diag_msg {
    uint8_t family, type, state, pad; uint32_t ino; uint32_t cookie[2];
};
struct i13_rtattr { uint16_t len, type; };
#define I13_NETLINK_SOCK_DIAG 4
#define I13_SOCK_DIAG_BY_FAMILY 20
#define I13_NLM_F_REQUEST 1
#define I13_NLM_F_DUMP 0x300
#define I13_NLMSG_DONE 3
#define I13_NLMSG_ERROR 2
#define I13_UDIAG_SHOW_NAME 1
#define I13_UDIAG_SHOW_PEER 4
#define I13_UDIAG_SHOW_RQLEN 0x10
#define I13_UNIX_DIAG_NAME 0
#define I13_UNIX_DIAG_PEER 2
#define I13_UNIX_DIAG_RQLEN 4
#define I13_ALIGN4(n) (((n) + 3u) & ~3u)

/* unixBlockedPeers(fd) -> names of the sockets CONNECTED to fd's socket that
 * have unread datagrams, or null when sock_diag is unavailable. Such a peer
 * is exempt from net.unix.max_dgram_qlen, so datagrams it does not read pile
 * up against OUR send buffer, which all clients share. */
static JSValue js_unix_blocked_peers(JSContext *ctx, JSValueConst this_val,
                                     int argc, JSValueConst *argv)
{
    struct { struct i13_nlmsghdr h; struct i13_unix_diag_req r; } req;
    static uint8_t buf[16384];
    struct stat st;
    int fd, nl;
    uint32_t k = 0;
    JSValue arr;
    if (get_int(ctx, &fd, argv[0]))
        return JS_EXCEPTION;
    if (fstat(fd, &st))
        return JS_NULL;
    nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, I13_NETLINK_SOCK_DIAG);
    if (nl < 0)
        return JS_NULL;
    memset(&req, 0, sizeof req);
    req.h.len = sizeof req;
    req.h.type = I13_SOCK_DIAG_BY_FAMILY;
    req.h.flags = I13_NLM_F_REQUEST | I13_NLM_F_DUMP;
    req.r.family = AF_UNIX;
    req.r.states = 0xffffffffu;
    req.r.show = I13_UDIAG_SHOW_NAME | I13_UDIAG_SHOW_PEER | I13_UDIAG_SHOW_RQLEN;
    if (send(nl, &req, sizeof req, 0) != (ssize_t)sizeof req) {
        close(nl);
        return JS_NULL;
    }
    arr = JS_NewArray(ctx);
    for (;;) {
        ssize_t n = recv(nl, buf, sizeof buf, 0);
        size_t off = 0;
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            goto fail;
        while (off + sizeof(struct i13_nlmsghdr) <= (size_t)n) {
            struct i13_nlmsghdr *h = (struct i13_nlmsghdr *)(buf + off);
            size_t a;
            uint32_t peer = 0, rq = 0;
            const char *name = NULL;
            size_t name_len = 0;
            if (h->len < sizeof *h || off + h->len > (size_t)n)
                goto fail;
            if (h->type == I13_NLMSG_DONE) {
                close(nl);
                return arr;
            }
            if (h->type == I13_NLMSG_ERROR)
                goto fail;
            a = sizeof *h + sizeof(struct i13_unix_diag_msg);
            while (a + sizeof(struct i13_rtattr) <= h->len) {
                struct i13_rtattr *at = (struct i13_rtattr *)((uint8_t *)h + a);
                const uint8_t *v = (const uint8_t *)(at + 1);
                size_t vl;
                if (at->len < sizeof *at || a + at->len > h->len)
                    break;
                vl = at->len - sizeof *at;
                if (at->type == I13_UNIX_DIAG_NAME) {
                    name = (const char *)v;
                    name_len = vl;
                } else if (at->type == I13_UNIX_DIAG_PEER && vl >= 4) {
                    memcpy(&peer, v, 4);
                } else if (at->type == I13_UNIX_DIAG_RQLEN && vl >= 4) {
                    memcpy(&rq, v, 4);
                }
                a += I13_ALIGN4(at->len);
            }
            if (peer == (uint32_t)st.st_ino && rq > 0 && name && name_len) {
                if (name[0])
                    name_len = strnlen(name, name_len);
                JS_SetPropertyUint32(ctx, arr, k++, JS_NewStringLen(ctx, name, name_len));
            }
            off += I13_ALIGN4(h->len);
        }
    }
fail:
    close(nl);
    JS_FreeValue(ctx, arr);
    return JS_NULL;
}
/* ==== end of the daemon-faults block ==== */

/*
 * memoryUsage() -> { malloc, used, count, objs, strings, arrays, bytecode, gcThreshold }
 * (issue 13, tunnel memory): the engine's own allocation counters
 * (JS_ComputeMemoryUsage), for the msp processes' SERVAL_MSP_MEMLOG lines.
 */
static JSValue js_memory_usage(JSContext *ctx, JSValueConst this_val, int argc,
                               JSValueConst *argv)
{
    JSRuntime *rt = JS_GetRuntime(ctx);
    JSMemoryUsage u;
    JSValue o = JS_NewObject(ctx);
    JS_ComputeMemoryUsage(rt, &u);
    JS_SetPropertyStr(ctx, o, "malloc", JS_NewInt64(ctx, u.malloc_size));
    JS_SetPropertyStr(ctx, o, "used", JS_NewInt64(ctx, u.memory_used_size));
    JS_SetPropertyStr(ctx, o, "count", JS_NewInt64(ctx, u.malloc_count));
    JS_SetPropertyStr(ctx, o, "objs", JS_NewInt64(ctx, u.obj_count));
    JS_SetPropertyStr(ctx, o, "strings", JS_NewInt64(ctx, u.str_size));
    JS_SetPropertyStr(ctx, o, "arrays", JS_NewInt64(ctx, u.fast_array_count));
    JS_SetPropertyStr(ctx, o, "bytecode", JS_NewInt64(ctx, u.js_func_code_size));
    JS_SetPropertyStr(ctx, o, "gcThreshold", JS_NewInt64(ctx, (int64_t)JS_GetGCThreshold(rt)));
    return o;
}

static const JSCFunctionListEntry native_funcs[] = {
    JS_CFUNC_DEF("bytesEqual", 2, js_bytes_equal),
    JS_CFUNC_DEF("udpOpen", 4, js_udp_open),
    JS_CFUNC_DEF("udpSendTo", 6, js_udp_sendto),
    JS_CFUNC_DEF("udpRecvMany", 6, js_udp_recv_many),
    JS_CFUNC_DEF("udpFilterFrom", 2, js_udp_filter_from),
    JS_CFUNC_DEF("tcpListen", 3, js_tcp_listen),
    JS_CFUNC_DEF("tcpAccept", 1, js_tcp_accept),
    JS_CFUNC_DEF("tcpConnect", 2, js_tcp_connect),
    JS_CFUNC_DEF("sockError", 1, js_sock_error),
    JS_CFUNC_DEF("sockName", 1, js_sock_name),
    JS_CFUNC_DEF("read", 4, js_read),
    JS_CFUNC_DEF("write", 4, js_write),
    JS_CFUNC_DEF("shutdownWrite", 1, js_shutdown_write),
    JS_CFUNC_DEF("close", 1, js_close),
    JS_CFUNC_DEF("unixDgramOpen", 1, js_unix_open),
    JS_CFUNC_DEF("unixSendTo", 5, js_unix_sendto),
    JS_CFUNC_DEF("unixRecvFrom", 5, js_unix_recvfrom),
    JS_CFUNC_DEF("unixConnect", 2, js_unix_connect),
    JS_CFUNC_DEF("interfaces", 0, js_interfaces),
    JS_CFUNC_DEF("netlinkOpen", 0, js_netlink_open),
    JS_CFUNC_DEF("netlinkDrain", 1, js_netlink_drain),
    JS_CFUNC_DEF("signalOpen", 0, js_signal_open),
    JS_CFUNC_DEF("signalRead", 1, js_signal_read),
    JS_CFUNC_DEF("monotonicMs", 0, js_monotonic_ms),
    JS_CFUNC_DEF("randomBytes", 3, js_random_bytes),
    JS_CFUNC_DEF("daemonize", 1, js_daemonize),
    JS_CFUNC_DEF("getpid", 0, js_getpid),
    JS_CFUNC_DEF("memoryUsage", 0, js_memory_usage),
    JS_CFUNC_DEF("kill", 2, js_kill),
    JS_CFUNC_DEF("chmod", 2, js_chmod),
    JS_CFUNC_DEF("unlink", 1, js_unlink),
    JS_CFUNC_DEF("mkdirs", 2, js_mkdirs),
    JS_CFUNC_DEF("writeFileAtomic", 3, js_write_file_atomic),
    JS_CFUNC_DEF("strerror", 1, js_strerror),
    JS_CFUNC_DEF("utf8Encode", 1, js_utf8_encode),
    JS_CFUNC_DEF("utf8Decode", 3, js_utf8_decode),
    JS_CFUNC_DEF("syslogOpen", 1, js_syslog_open),
    JS_CFUNC_DEF("syslog", 2, js_syslog),
    JS_PROP_INT32_DEF("LOG_DEBUG", LOG_DEBUG, 0),
    JS_PROP_INT32_DEF("LOG_INFO", LOG_INFO, 0),
    JS_PROP_INT32_DEF("LOG_WARNING", LOG_WARNING, 0),
    JS_PROP_INT32_DEF("LOG_ERR", LOG_ERR, 0),
    /* instance lock, per-client send queues (daemon client socket) */
    JS_CFUNC_DEF("lockFile", 1, js_lock_file),
    JS_CFUNC_DEF("lockWritePid", 1, js_lock_write_pid),
    JS_CFUNC_DEF("sendBuffer", 2, js_send_buffer),
    JS_CFUNC_DEF("sendQueued", 1, js_send_queued),
    JS_CFUNC_DEF("unixBlockedPeers", 1, js_unix_blocked_peers),
    JS_PROP_INT32_DEF("EWOULDBLOCK", EWOULDBLOCK, 0),
    JS_PROP_INT32_DEF("UDP_REUSEADDR", UDP_REUSEADDR, 0),
    JS_PROP_INT32_DEF("UDP_REUSEPORT", UDP_REUSEPORT, 0),
    JS_PROP_INT32_DEF("UDP_BROADCAST", UDP_BROADCAST, 0),
    JS_PROP_INT32_DEF("EAGAIN", EAGAIN, 0),
    JS_PROP_INT32_DEF("EINTR", EINTR, 0),
    JS_PROP_INT32_DEF("ENOENT", ENOENT, 0),
    JS_PROP_INT32_DEF("ESRCH", ESRCH, 0),
    JS_PROP_INT32_DEF("EPIPE", EPIPE, 0),
    JS_PROP_INT32_DEF("ECONNREFUSED", ECONNREFUSED, 0),
    JS_PROP_INT32_DEF("ECONNRESET", ECONNRESET, 0),
    JS_PROP_INT32_DEF("ENOBUFS", ENOBUFS, 0),
    JS_PROP_INT32_DEF("ENOTCONN", ENOTCONN, 0),
    JS_PROP_INT32_DEF("SIGTERM", SIGTERM, 0),
    JS_PROP_INT32_DEF("SIGINT", SIGINT, 0),
    JS_PROP_INT32_DEF("SIGHUP", SIGHUP, 0),
    JS_PROP_INT32_DEF("SIGKILL", SIGKILL, 0),
    JS_PROP_STRING_DEF("engineVersion", SERVAL_ENGINE_VERSION, 0),
};

static int native_init(JSContext *ctx, JSModuleDef *m)
{
    if (JS_SetModuleExportList(ctx, m, serval_crypto_funcs, serval_crypto_funcs_count))
        return -1;
    return JS_SetModuleExportList(ctx, m, native_funcs, countof(native_funcs));
}

JSModuleDef *serval_init_module_native(JSContext *ctx, const char *name)
{
    JSModuleDef *m = JS_NewCModule(ctx, name, native_init);
    if (m)
        JS_AddModuleExportList(ctx, m, native_funcs, countof(native_funcs));
    if (m)
        JS_AddModuleExportList(ctx, m, serval_crypto_funcs, serval_crypto_funcs_count);
    return m;
}
