/* udp-probe: UDP datagram counter for lab tests (runs inside a namespace).
 * C rather than a Node script: it starts in milliseconds on a loaded machine
 * and paces sends with an absolute clock.
 *
 *   udp-probe recv PORT [EXPECT [MAX_MS]]
 *     Prints "ready", counts datagrams (distinct by their 4-byte big-endian
 *     sequence number) until EXPECT distinct ones arrived, MAX_MS passed
 *     (default 60000), or SIGTERM; then prints
 *     {"received":N,"distinct":N,"rcvbufErrors":N}. rcvbufErrors: datagrams
 *     this namespace dropped for a full socket buffer meanwhile (should be 0).
 *   udp-probe send ADDR PORT COUNT [SIZE [INTERVAL_US [BURST [broadcast]]]]
 *     Sends COUNT datagrams of SIZE bytes (default 200), BURST of them
 *     (default 1) every INTERVAL_US (default 0 = all at once), and prints
 *     {"sent":N,"errors":N,"errorCodes":{"EPERM":N,...}}: a failed sendto()
 *     is counted, never fatal.
 * Exits when its parent dies (PR_SET_PDEATHSIG).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static void on_term(int sig) { (void)sig; stop = 1; }

static uint64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static long long rcvbuf_errors(void) {
  FILE *f = fopen("/proc/net/snmp", "r");
  if (!f) return -1;
  char names[1024], values[1024];
  long long result = -1;
  while (fgets(names, sizeof names, f)) {
    if (strncmp(names, "Udp:", 4) != 0) continue;
    if (!fgets(values, sizeof values, f)) break;
    char *sn, *sv;
    char *n = strtok_r(names, " \n", &sn), *v = strtok_r(values, " \n", &sv);
    while (n && v) {
      if (strcmp(n, "RcvbufErrors") == 0) { result = atoll(v); break; }
      n = strtok_r(NULL, " \n", &sn);
      v = strtok_r(NULL, " \n", &sv);
    }
    break;
  }
  fclose(f);
  return result;
}

static int do_recv(int argc, char **argv) {
  int port = atoi(argv[2]);
  long expect = argc > 3 ? atol(argv[3]) : 0;
  long max_ms = argc > 4 ? atol(argv[4]) : 60000;
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  int one = 1, buf = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf) != 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
  struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_ANY) };
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) { perror("udp-probe: bind"); return 1; }
  const uint32_t cap = 1u << 24; /* sequence numbers tracked */
  uint8_t *seen = calloc(cap / 8, 1);
  if (!seen) return 1;
  long long errs0 = rcvbuf_errors();
  long received = 0, distinct = 0;
  printf("ready\n");
  fflush(stdout);
  uint64_t end = now_us() + (uint64_t)max_ms * 1000u;
  char data[65536];
  struct pollfd pfd = { .fd = fd, .events = POLLIN };
  while (!stop && (expect <= 0 || distinct < expect)) {
    uint64_t t = now_us();
    if (t >= end) break;
    uint64_t left_ms = (end - t) / 1000 + 1;
    int n = poll(&pfd, 1, left_ms > 100 ? 100 : (int)left_ms);
    if (n <= 0) continue;
    for (;;) {
      ssize_t r = recv(fd, data, sizeof data, MSG_DONTWAIT);
      if (r < 0) break;
      received++;
      if (r >= 4) {
        uint32_t seq = ((uint32_t)(uint8_t)data[0] << 24 | (uint32_t)(uint8_t)data[1] << 16 | (uint32_t)(uint8_t)data[2] << 8 | (uint8_t)data[3]) & (cap - 1);
        if (!(seen[seq >> 3] & (1u << (seq & 7)))) { seen[seq >> 3] |= (uint8_t)(1u << (seq & 7)); distinct++; }
      }
    }
  }
  printf("{\"received\":%ld,\"distinct\":%ld,\"rcvbufErrors\":%lld}\n", received, distinct, rcvbuf_errors() - errs0);
  return 0;
}

static int do_send(int argc, char **argv) {
  if (argc < 5) return 2;
  const char *addr = argv[2];
  int port = atoi(argv[3]);
  long count = atol(argv[4]);
  long size = argc > 5 ? atol(argv[5]) : 200;
  long interval_us = argc > 6 ? atol(argv[6]) : 0;
  long burst = argc > 7 ? atol(argv[7]) : 1;
  int broadcast = argc > 8 && strcmp(argv[8], "broadcast") == 0;
  if (size < 4) size = 4;
  if (size > 65000) size = 65000;
  if (burst < 1) burst = 1;
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (broadcast) {
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one);
  }
  struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
  if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) { fprintf(stderr, "udp-probe: bad address %s\n", addr); return 2; }
  static char data[65536];
  long sent = 0, errors = 0;
  enum { MAXE = 16 };
  int codes[MAXE];
  long code_counts[MAXE];
  int ncodes = 0;
  uint64_t next = now_us();
  for (long i = 0; i < count && !stop; i++) {
    if (interval_us > 0 && i > 0 && i % burst == 0) {
      next += (uint64_t)interval_us;
      uint64_t t = now_us();
      if (next > t) usleep((useconds_t)(next - t));
    }
    data[0] = (char)(i >> 24); data[1] = (char)(i >> 16); data[2] = (char)(i >> 8); data[3] = (char)i;
    if (sendto(fd, data, (size_t)size, 0, (struct sockaddr *)&sa, sizeof sa) < 0) {
      errors++;
      int k = 0;
      while (k < ncodes && codes[k] != errno) k++;
      if (k == ncodes && ncodes < MAXE) { codes[ncodes] = errno; code_counts[ncodes++] = 0; }
      if (k < ncodes) code_counts[k]++;
    } else sent++;
  }
  printf("{\"sent\":%ld,\"errors\":%ld,\"errorCodes\":{", sent, errors);
  for (int k = 0; k < ncodes; k++) {
    const char *name = strerrorname_np(codes[k]);
    printf("%s\"%s\":%ld", k ? "," : "", name ? name : "E?", code_counts[k]);
  }
  printf("}}\n");
  return 0;
}

int main(int argc, char **argv) {
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_term;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  if (argc >= 3 && strcmp(argv[1], "recv") == 0) return do_recv(argc, argv);
  if (argc >= 5 && strcmp(argv[1], "send") == 0) return do_send(argc, argv);
  fprintf(stderr, "usage: udp-probe recv PORT [EXPECT [MAX_MS]] | send ADDR PORT COUNT [SIZE [INTERVAL_US [BURST [broadcast]]]]\n");
  return 2;
}
