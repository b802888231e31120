// Byte-level primitives shared by every codec in src/wire/.
//
// API (stable; other modules build on it):
//   class WireError extends Error                       thrown on malformed/truncated input
//   class ByteReader { buf; pos; end }                  bounds-checked cursor over a Uint8Array
//     new ByteReader(buf, pos = 0, end = buf.length)
//     .remaining(): number
//     .u8() .u16be() .u32be() .u16le() .u32le(): number  (u32 results are unsigned)
//     .bytes(n): Uint8Array                             a subarray VIEW, not a copy
//     .skip(n)
//   class ByteWriter { buf; pos }                       appends into a reusable buffer
//     new ByteWriter(initialCapacity = 1500)
//     .reset()  .u8(v) .u16be(v) .u32be(v) .u16le(v) .u32le(v) .bytes(src)
//     .patchU8(at, v) .patchU16be(at, v)
//     .view(): Uint8Array                               subarray(0, pos): valid until the next write/reset
//     .toBytes(): Uint8Array                            a copy the caller may keep
//   toHex(bytes), sidToHex(sid) (64 upper-case hex digits), fromHex(text) (throws), parseHex(text) (undefined), bytesEqual(a, b)
//
// Decoders return views into the packet they were given: callers must copy
// (`slice()`) anything they keep beyond the lifetime of the receive buffer.

/** Malformed or truncated wire data. Codecs throw it; packet-level decoders catch it. */
export class WireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WireError";
  }
}

export class ByteReader {
  buf: Uint8Array;
  pos: number;
  end: number;

  constructor(buf: Uint8Array, pos = 0, end = buf.length) {
    if (pos < 0 || end > buf.length || pos > end) throw new WireError("reader range out of bounds");
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  remaining(): number {
    return this.end - this.pos;
  }

  // Bounds checks are inlined in each accessor: a call per byte is costly in QuickJS.
  private short(n: number): WireError {
    return new WireError(`need ${n} byte(s) at offset ${this.pos}, only ${this.end - this.pos} left`);
  }

  u8(): number {
    if (this.pos >= this.end) throw this.short(1);
    return this.buf[this.pos++];
  }

  u16be(): number {
    const b = this.buf, p = this.pos;
    if (p + 2 > this.end) throw this.short(2);
    this.pos = p + 2;
    return (b[p] << 8) | b[p + 1];
  }

  u32be(): number {
    const b = this.buf, p = this.pos;
    if (p + 4 > this.end) throw this.short(4);
    this.pos = p + 4;
    return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
  }

  u16le(): number {
    const b = this.buf, p = this.pos;
    if (p + 2 > this.end) throw this.short(2);
    this.pos = p + 2;
    return b[p] | (b[p + 1] << 8);
  }

  u32le(): number {
    const b = this.buf, p = this.pos;
    if (p + 4 > this.end) throw this.short(4);
    this.pos = p + 4;
    return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
  }

  /** A view of the next n bytes (no copy). */
  bytes(n: number): Uint8Array {
    const p = this.pos;
    if (n < 0 || p + n > this.end) throw this.short(n);
    this.pos = p + n;
    return this.buf.subarray(p, p + n);
  }

  skip(n: number): void {
    if (n < 0 || this.pos + n > this.end) throw this.short(n);
    this.pos += n;
  }
}

export class ByteWriter {
  buf: Uint8Array;
  pos = 0;
  /** buf.length, kept in a field: a typed array's length is a getter call in
   * QuickJS, and every field written checks the room (~55 ns a call on x86_64). */
  private cap: number;

  constructor(initialCapacity = 1500) {
    this.buf = new Uint8Array(initialCapacity);
    this.cap = initialCapacity;
  }

  reset(): void {
    this.pos = 0;
  }

  /** Make room for n more bytes; grows by doubling, so it happens rarely. */
  ensure(n: number): void {
    const want = this.pos + n;
    if (want <= this.cap) return;
    let cap = this.cap * 2 || 64;
    while (cap < want) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.cap = cap;
  }

  // Each writer checks the room inline and calls ensure() only to grow: a call
  // per field written (ensure) was ~4% of the sending daemon's profile samples.
  u8(v: number): void {
    if (this.pos >= this.cap) this.ensure(1);
    this.buf[this.pos++] = v;
  }

  u16be(v: number): void {
    if (this.pos + 2 > this.cap) this.ensure(2);
    const b = this.buf, p = this.pos;
    b[p] = v >>> 8;
    b[p + 1] = v;
    this.pos = p + 2;
  }

  u32be(v: number): void {
    if (this.pos + 4 > this.cap) this.ensure(4);
    const b = this.buf, p = this.pos;
    b[p] = v >>> 24;
    b[p + 1] = v >>> 16;
    b[p + 2] = v >>> 8;
    b[p + 3] = v;
    this.pos = p + 4;
  }

  u16le(v: number): void {
    if (this.pos + 2 > this.cap) this.ensure(2);
    const b = this.buf, p = this.pos;
    b[p] = v;
    b[p + 1] = v >>> 8;
    this.pos = p + 2;
  }

  u32le(v: number): void {
    if (this.pos + 4 > this.cap) this.ensure(4);
    const b = this.buf, p = this.pos;
    b[p] = v;
    b[p + 1] = v >>> 8;
    b[p + 2] = v >>> 16;
    b[p + 3] = v >>> 24;
    this.pos = p + 4;
  }

  bytes(src: Uint8Array): void {
    if (this.pos + src.length > this.cap) this.ensure(src.length);
    this.buf.set(src, this.pos);
    this.pos += src.length;
  }

  patchU8(at: number, v: number): void {
    this.buf[at] = v;
  }

  patchU16be(at: number, v: number): void {
    this.buf[at] = v >>> 8;
    this.buf[at + 1] = v;
  }

  /** Bytes written so far, as a view that the next write or reset may change. */
  view(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  /** Bytes written so far, as a copy. */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

const HEX_DIGITS = "0123456789ABCDEF";
const HEX_PAIRS: string[] = [];
for (let i = 0; i < 256; i++) HEX_PAIRS.push(HEX_DIGITS[i >> 4] + HEX_DIGITS[i & 15]);

/** Upper-case hex, as Serval DNA prints SIDs and keys. */
export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += HEX_PAIRS[bytes[i]];
  return s;
}

/** A SID as 64 upper-case hex digits. */
export function sidToHex(sid: Uint8Array): string {
  if (sid.length !== 32) throw new WireError(`SID must be 32 bytes, got ${sid.length}`);
  return toHex(sid);
}

function hexNibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** Parse hex (either case, no separators). Throws WireError on odd length or a bad digit. */
export function fromHex(text: string): Uint8Array {
  if (text.length % 2 !== 0) throw new WireError("hex text has odd length");
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hexNibble(text.charCodeAt(2 * i));
    const lo = hexNibble(text.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) throw new WireError(`bad hex digit near offset ${2 * i}`);
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/** Like fromHex, but undefined instead of throwing (for text from users and files). */
export function parseHex(text: string): Uint8Array | undefined {
  try {
    return fromHex(text);
  } catch {
    return undefined;
  }
}

/** Equal contents. A live binding: the quickjs-ng entry installs the C shim's
 * memcmp (useBytesEqual), as the daemon compares 32-byte SIDs several times per
 * packet and the loop below costs ~1.5 us each in the interpreter. */
export let bytesEqual: (a: Uint8Array, b: Uint8Array) => boolean = loopBytesEqual;

export function useBytesEqual(equal: (a: Uint8Array, b: Uint8Array) => boolean): void {
  bytesEqual = equal;
}

function loopBytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  const n = a.length; // hoisted: a typed array's length is a getter call in quickjs-ng
  if (n !== b.length) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}
