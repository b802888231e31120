/* nfq-delay: constant one-way delay for one netfilter queue (test lab only).
 *
 * This kernel has no netem, so the lab queues a link's incoming packets
 * (iptables ... -j NFQUEUE --queue-num Q in the receiving namespace) to this
 * helper, which holds each packet for DELAY microseconds and then accepts it.
 * The delay is constant, so verdicts are due in packet-id order: a FIFO of
 * (id, due time) and one batch verdict (accept all ids <= N) per wake-up.
 * Only metadata is copied to user space (NFQNL_COPY_META), never payloads.
 *
 * usage: nfq-delay -q QUEUE -d DELAY_US [-m MAXLEN]
 * Prints "ready" on stdout once bound. A line "delay US SEQ" on stdin changes
 * the delay (answered by "applied SEQ"): the lab never swaps queues under
 * traffic, which would lose the packets in flight. A packet is never released
 * before one that arrived earlier, so lowering the delay does not reorder.
 * SIGTERM/SIGINT or EOF on stdin: accept everything still held, print stats
 * on stderr, exit 0. Dies with its parent (PR_SET_PDEATHSIG) so a killed test
 * run leaves no helper behind.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/netfilter.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef NETLINK_NO_ENOBUFS
#define NETLINK_NO_ENOBUFS 5
#endif
#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct held { uint32_t id; uint64_t due_us; };

static struct held *ring;
static uint32_t ring_mask, head, tail; /* tail - head = packets held */
static uint64_t delay_us, received, max_held, ring_full, late_max_us, late_sum_us, released;
static volatile sig_atomic_t stop;

static uint64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void on_signal(int sig) { (void)sig; stop = 1; }

static int on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg,
                     struct nfq_data *nfa, void *data) {
  (void)msg; (void)data;
  struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
  if (!ph) return 0;
  uint32_t id = ntohl(ph->packet_id);
  received++;
  if (tail - head > ring_mask) {
    /* Ring full: more packets in flight than MAXLEN. Behave like a full
     * queue (drop) rather than silently removing the delay. */
    ring_full++;
    nfq_set_verdict(qh, id, NF_DROP, 0, NULL);
    return 0;
  }
  uint64_t due = now_us() + delay_us;
  if (head != tail && due < ring[(tail - 1) & ring_mask].due_us) due = ring[(tail - 1) & ring_mask].due_us;
  ring[tail & ring_mask] = (struct held){ id, due };
  tail++;
  if (tail - head > max_held) max_held = tail - head;
  return 0;
}

/* Accept every held packet that is due (all when flush); returns the
 * microseconds until the next one is due, or -1 when nothing is held. */
static int64_t release(struct nfq_q_handle *qh, int flush) {
  uint64_t t = now_us();
  uint32_t last = 0;
  int any = 0;
  while (head != tail && (flush || ring[head & ring_mask].due_us <= t)) {
    struct held *p = &ring[head & ring_mask];
    if (!flush) {
      uint64_t late = t - p->due_us;
      late_sum_us += late;
      if (late > late_max_us) late_max_us = late;
      released++;
    }
    last = p->id;
    head++;
    any = 1;
  }
  if (any) nfq_set_verdict_batch(qh, last, NF_ACCEPT);
  if (head == tail) return -1;
  return (int64_t)(ring[head & ring_mask].due_us - t);
}

/* Handles control lines on stdin. Returns -1 on EOF (parent gone). */
static int control(void) {
  static char line[256];
  static size_t len;
  ssize_t r = read(0, line + len, sizeof line - 1 - len);
  if (r == 0) return -1;
  if (r < 0) return errno == EINTR || errno == EAGAIN ? 0 : -1;
  len += (size_t)r;
  char *nl;
  while ((nl = memchr(line, '\n', len)) != NULL) {
    *nl = 0;
    long long us;
    unsigned seq;
    if (sscanf(line, "delay %lld %u", &us, &seq) == 2 && us >= 0) {
      delay_us = (uint64_t)us;
      printf("applied %u\n", seq);
      fflush(stdout);
    } else fprintf(stderr, "nfq-delay: bad control line: %s\n", line);
    len -= (size_t)(nl + 1 - line);
    memmove(line, nl + 1, len);
  }
  if (len == sizeof line - 1) len = 0; /* overlong line: discard */
  return 0;
}

/* Reads every queued message without blocking. Returns -1 on a fatal error. */
static int drain(struct nfq_handle *h, int fd) {
  static char buf[65536] __attribute__((aligned));
  for (;;) {
    ssize_t r = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (r < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
      if (errno == EINTR || errno == ENOBUFS) continue; /* ENOBUFS: kernel dropped messages; go on */
      perror("nfq-delay: recv");
      return -1;
    }
    nfq_handle_packet(h, buf, (int)r);
  }
}

int main(int argc, char **argv) {
  int queue = -1, opt;
  long long d = -1;
  uint32_t maxlen = 65536;
  while ((opt = getopt(argc, argv, "q:d:m:")) != -1) {
    if (opt == 'q') queue = atoi(optarg);
    else if (opt == 'd') d = atoll(optarg);
    else if (opt == 'm') maxlen = (uint32_t)strtoul(optarg, NULL, 10);
    else break;
  }
  if (queue < 0 || queue > 65535 || d < 0 || maxlen < 16) {
    fprintf(stderr, "usage: nfq-delay -q QUEUE -d DELAY_US [-m MAXLEN]\n");
    return 2;
  }
  delay_us = (uint64_t)d;
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  /* Real-time priority: on a loaded 2-core test machine a normal process
   * wakes milliseconds late, which would turn a constant delay into jitter.
   * The helper sleeps almost all the time, so this costs nothing. */
  struct sched_param sp = { .sched_priority = 10 };
  if (sched_setscheduler(0, SCHED_FIFO, &sp) != 0) perror("nfq-delay: SCHED_FIFO (continuing)");
  if (getppid() == 1) return 1; /* parent already gone */

  uint32_t size = 16;
  while (size < maxlen) size <<= 1;
  ring = calloc(size, sizeof *ring);
  if (!ring) { perror("nfq-delay: calloc"); return 1; }
  ring_mask = size - 1;

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  /* Signals stay blocked except inside ppoll, so a stop request can never
   * slip in between the check of `stop` and an unbounded wait. */
  sigset_t block, waitmask;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGINT);
  sigprocmask(SIG_BLOCK, &block, &waitmask);
  signal(SIGPIPE, SIG_IGN);

  struct nfq_handle *h = nfq_open();
  if (!h) { perror("nfq-delay: nfq_open"); return 1; }
  struct nfq_q_handle *qh = nfq_create_queue(h, (uint16_t)queue, on_packet, NULL);
  if (!qh) { fprintf(stderr, "nfq-delay: cannot bind queue %d: %s\n", queue, strerror(errno)); return 1; }
  if (nfq_set_mode(qh, NFQNL_COPY_META, 0) < 0) { perror("nfq-delay: nfq_set_mode"); return 1; }
  if (nfq_set_queue_maxlen(qh, size) < 0) { perror("nfq-delay: nfq_set_queue_maxlen"); return 1; }

  int fd = nfq_fd(h);
  int bufsize = 16 << 20, one = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bufsize, sizeof bufsize) < 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof bufsize);
  setsockopt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof one);

  printf("ready\n");
  fflush(stdout);

  struct pollfd pfd[2] = { { .fd = fd, .events = POLLIN }, { .fd = 0, .events = POLLIN } };
  int64_t wait_us = -1;
  while (!stop) {
    struct timespec ts, *tp = NULL;
    if (wait_us >= 0) { ts.tv_sec = wait_us / 1000000; ts.tv_nsec = (wait_us % 1000000) * 1000; tp = &ts; }
    int n = ppoll(pfd, 2, tp, &waitmask);
    if (n < 0 && errno != EINTR) { perror("nfq-delay: ppoll"); break; }
    if (n > 0 && (pfd[0].revents & POLLIN) && drain(h, fd) < 0) break;
    if (n > 0 && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) && control() < 0) break;
    wait_us = release(qh, 0);
  }
  /* The lab deletes the queue rule before stopping us, so whatever is still
   * in the socket is all there will be: read it, then let everything go. */
  drain(h, fd);
  release(qh, 1);
  fprintf(stderr, "nfq-delay: queue %d received %llu max_held %llu ring_full %llu late_avg_us %llu late_max_us %llu\n",
          queue, (unsigned long long)received, (unsigned long long)max_held, (unsigned long long)ring_full,
          (unsigned long long)(released ? late_sum_us / released : 0), (unsigned long long)late_max_us);
  nfq_destroy_queue(qh);
  nfq_close(h);
  return 0;
}
