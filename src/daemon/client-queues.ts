// Per-client queues for messages a local client's full socket refused (EAGAIN).
// Linux queues only net.unix.max_dgram_qlen (10) datagrams per receiving
// socket, so a client that reads a little late gets its messages later, in
// order, from here. A client that does not read at all fills only ITS queue:
// beyond HELD_PER_CLIENT its newer messages are dropped, counted, and ONE
// warning is logged for that client (issue 13: a single stuck client used to
// stall the whole daemon through one shared held list rescanned per input).
//
// Cost: sending a new message is one Map lookup; retries are per blocked
// CLIENT (one sendto each until it refuses), never per held message. A client
// that read something within the last STUCK_AFTER_MS is retried on every drive
// and at least every 2 ms, as the old shared list did (a busy `msp` process
// must be refilled as soon as it reads, or a tunnel crawls); one that has read
// nothing for that long backs off (2 ms doubling to 128 ms) until it reads again.
// Sans-I/O: the send function and the clock are passed in.

/** Messages held per client; newer ones are dropped while it is full (half of all: a busy
 * msp process under CPU load needs a deep queue, as the old shared one of 4096 gave it). */
export const HELD_PER_CLIENT = 2048;
/** Messages held for all clients together (a bound on memory: ~6 MB of 1.5 KB messages). */
export const HELD_TOTAL = 4096;
/** First retry delay for a client whose socket was full, and the back-off ceiling. */
export const RETRY_MIN_MS = 2;
export const RETRY_MAX_MS = 128;
/** A blocked client that read nothing for this long is retried with back-off only. */
export const STUCK_AFTER_MS = 3000;

/** What sending one message to a client did: SENT (or failed for good: the
 * message is gone either way), FULL (the client's socket is full: keep it and
 * try again later) or GONE (ENOENT/ECONNREFUSED: forget everything for it). */
export type SendResult = typeof SENT | typeof FULL | typeof GONE;
export const SENT = 0, FULL = 1, GONE = 2;

export interface ClientQueueStats {
  /** messages held at least once because a client's socket was full */
  held: number;
  /** messages dropped because their client's queue (or all queues) was full */
  dropped: number;
  /** clients that lost messages (each logged once) */
  stuckClients: number;
}

interface Queue {
  to: string;
  msgs: Uint8Array[];
  head: number;
  retryAt: number;
  backoff: number;
  /** when its socket last took a message (or it first blocked) */
  lastProgress: number;
  /** it read within STUCK_AFTER_MS: retried on every drive */
  eager: boolean;
  /** a warning was logged for this client */
  warned: boolean;
  dropped: number;
  /** in `blocked` (has messages) */
  listed: boolean;
}

export class ClientQueues {
  readonly stats: ClientQueueStats = { held: 0, dropped: 0, stuckClients: 0 };
  /** Every client with held messages or a logged warning. */
  private readonly byClient = new Map<string, Queue>();
  /** Queues with messages, in the order they first blocked. */
  private blocked: Queue[] = [];
  private total = 0;
  /** When retry() has work (Infinity: nothing held). Read-only outside (a field, not a
   * getter: the driver looks at it on every drive, and a getter is a JS call). */
  retryAt = Infinity;
  /** Blocked clients retried on every drive (as of the last retry). Read-only outside. */
  activeCount = 0;
  /** Clients not sent to for now (connected peers holding our send buffer; see setThrottled). */
  private throttled: ReadonlySet<string> = NO_CLIENTS;

  constructor(
    private readonly send: (to: string, data: Uint8Array) => SendResult,
    /** A client is gone: the caller drops its bindings and logs (quietly when `warned`). */
    private readonly gone: (to: string, warned: boolean) => void,
    /** Once per client, when it first loses a message. */
    private readonly warn: (to: string) => void,
  ) {}

  /** Messages held now, for all clients. */
  get heldCount(): number {
    return this.total;
  }


  /** Sends m now, or queues it behind what this client already has waiting. */
  offer(now: number, to: string, data: Uint8Array): void {
    if (data.length === 0) return; // cancelled (client gone)
    const q = this.byClient.get(to);
    if (q !== undefined && q.head < q.msgs.length) {
      this.hold(now, q, data);
      return;
    }
    const r = this.throttled.has(to) ? FULL : this.send(to, data);
    if (r === FULL) this.hold(now, q ?? this.create(to), data);
    else if (r === GONE) this.forget(to, true);
  }

  /** Retries every blocked client that is due, and every one still reading; cost is
   * per blocked client, not per message. */
  retry(now: number): void {
    if (now < this.retryAt && this.activeCount === 0) return;
    let next = Infinity;
    let keep = 0;
    let active = 0;
    const list = this.blocked;
    for (let i = 0; i < list.length; i++) {
      const q = list[i]!;
      if (!q.listed) continue; // forgotten
      if (q.retryAt <= now || q.eager) this.drain(now, q);
      if (!q.listed) continue;
      list[keep++] = q;
      if (q.retryAt < next) next = q.retryAt;
      if (q.eager) active++;
    }
    list.length = keep;
    this.retryAt = next;
    this.activeCount = active;
  }

  /** The client is gone (goodbye or a failed send): drop what is held for it. */
  forget(to: string, notify = false): void {
    const q = this.byClient.get(to);
    if (q === undefined) {
      if (notify) this.gone(to, false);
      return;
    }
    this.byClient.delete(to);
    this.total -= q.msgs.length - q.head;
    q.msgs = [];
    q.head = 0;
    q.listed = false; // removed from `blocked` lazily by retry()
    if (notify) this.gone(to, q.warned);
  }

  /** Clients to treat as full whatever their sockets say: connect()ed clients with
   * unread datagrams while the daemon's own send buffer (shared by all) runs low. */
  setThrottled(clients: ReadonlySet<string>): void {
    this.throttled = clients;
  }

  get throttledCount(): number {
    return this.throttled.size;
  }

  /** Messages dropped for one client so far (for tests and logs). */
  droppedFor(to: string): number {
    return this.byClient.get(to)?.dropped ?? 0;
  }

  private create(to: string): Queue {
    const q: Queue = { to, msgs: [], head: 0, retryAt: 0, backoff: RETRY_MIN_MS, lastProgress: 0, eager: false, warned: false, dropped: 0, listed: false };
    this.byClient.set(to, q);
    return q;
  }

  private hold(now: number, q: Queue, data: Uint8Array): void {
    if (q.msgs.length - q.head >= HELD_PER_CLIENT || this.total >= HELD_TOTAL) {
      this.stats.dropped++;
      q.dropped++;
      if (!q.warned) {
        q.warned = true;
        this.stats.stuckClients++;
        this.warn(q.to);
      }
      return;
    }
    this.stats.held++;
    this.total++;
    q.msgs.push(data);
    if (!q.listed) {
      q.listed = true;
      q.backoff = RETRY_MIN_MS;
      q.retryAt = now + RETRY_MIN_MS;
      q.lastProgress = now;
      q.eager = true;
      this.activeCount++;
      this.blocked.push(q);
      if (q.retryAt < this.retryAt) this.retryAt = q.retryAt;
    }
  }

  /** Sends q's messages until its socket refuses one; backs off while it makes no progress. */
  private drain(now: number, q: Queue): void {
    let sent = 0;
    while (q.head < q.msgs.length && !this.throttled.has(q.to)) {
      const r = this.send(q.to, q.msgs[q.head]!);
      if (r === FULL) break;
      if (r === GONE) {
        this.forget(q.to, true);
        return;
      }
      q.msgs[q.head] = EMPTY; // let it be collected
      q.head++;
      this.total--;
      sent++;
    }
    if (q.head === q.msgs.length) {
      q.msgs = [];
      q.head = 0;
      q.listed = false;
      // (a warned client is remembered so it is warned once; a bounded number of them)
      if (!q.warned || this.byClient.size > MAX_REMEMBERED) this.byClient.delete(q.to);
      return;
    }
    if (q.head >= 256 && q.head * 2 >= q.msgs.length) {
      q.msgs = q.msgs.slice(q.head); // compact now and then, not per message
      q.head = 0;
    }
    if (sent > 0) q.lastProgress = now;
    q.eager = now - q.lastProgress < STUCK_AFTER_MS;
    q.backoff = now - q.lastProgress < STUCK_AFTER_MS ? RETRY_MIN_MS : Math.min(q.backoff * 2, RETRY_MAX_MS);
    q.retryAt = now + q.backoff;
  }
}

const EMPTY = new Uint8Array(0);
const NO_CLIENTS: ReadonlySet<string> = new Set();
/** Clients kept only to remember that they were warned about. */
const MAX_REMEMBERED = 1024;
