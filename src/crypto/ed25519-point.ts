// Edwards25519 arithmetic over BigInt, for operations on PUBLIC data only
// (SID derivation from a signing key, signature verification). BigInt is not
// constant time, so nothing here may touch a secret. Under quickjs-ng BigInt
// is native code and runs 10-20x faster than tweetnacl's Float64Array field.

export const P = (1n << 255n) - 19n;
/** Order of the prime-order subgroup. */
export const L = (1n << 252n) + 27742317777372353535851937790883648493n;

export function mod(a: bigint): bigint {
  const r = a % P;
  return r < 0n ? r + P : r;
}

export function pow(base: bigint, exp: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
    e >>= 1n;
  }
  return result;
}

export function inverse(a: bigint): bigint {
  return pow(a, P - 2n);
}

/** Edwards curve constant d = -121665/121666 mod p. */
const D = mod(-121665n * inverse(121666n));
const D2 = mod(2n * D);
/** sqrt(-1) mod p. */
const SQRT_M1 = pow(2n, (P - 1n) / 4n);

/** Little-endian 32 bytes to a number; `clearTopBit` drops bit 255 (the x sign). */
export function bytesToBigLE(bytes: Uint8Array, clearTopBit: boolean): bigint {
  let n = 0n;
  for (let i = 31; i >= 0; i--) {
    const b = i === 31 && clearTopBit ? bytes[i] & 0x7f : bytes[i];
    n = (n << 8n) | BigInt(b);
  }
  return n;
}

export function bigToBytesLE(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  let v = n;
  for (let i = 0; i < 32; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** Extended twisted Edwards coordinates (X:Y:Z:T), x = X/Z, y = Y/Z, xy = T/Z. */
export interface ExtPoint { x: bigint; y: bigint; z: bigint; t: bigint }

export const IDENTITY: ExtPoint = { x: 0n, y: 1n, z: 1n, t: 0n };

/** Unified addition (add-2008-hwcd-3, a = -1); also correct for doubling. */
export function add(p: ExtPoint, q: ExtPoint): ExtPoint {
  const a = mod((p.y - p.x) * (q.y - q.x));
  const b = mod((p.y + p.x) * (q.y + q.x));
  const c = mod(p.t * D2 * q.t);
  const d = mod(2n * p.z * q.z);
  const e = b - a, f = d - c, g = d + c, h = b + a;
  return { x: mod(e * f), y: mod(g * h), t: mod(e * h), z: mod(f * g) };
}

/** Doubling (dbl-2008-hwcd, a = -1): 4 multiplications + 4 squarings. */
export function double(p: ExtPoint): ExtPoint {
  const a = mod(p.x * p.x);
  const b = mod(p.y * p.y);
  const c = mod(2n * p.z * p.z);
  const d = P - a; // a*A with a = -1
  const xy = p.x + p.y;
  const e = mod(xy * xy - a - b);
  const g = d + b, f = g - c, h = d - b;
  return { x: mod(e * f), y: mod(g * h), t: mod(e * h), z: mod(f * g) };
}

export function negate(p: ExtPoint): ExtPoint {
  return { x: mod(-p.x), y: p.y, z: p.z, t: mod(-p.t) };
}

/** [k]p by double-and-add (variable time: public inputs only). */
export function multiply(p: ExtPoint, k: bigint): ExtPoint {
  let r = IDENTITY;
  for (let i = BigInt(k.toString(2).length - 1); i >= 0n; i--) {
    r = double(r);
    if ((k >> i) & 1n) r = add(r, p);
  }
  return r;
}

/** [a]p + [b]q with one shared doubling chain (Straus/Shamir). */
export function doubleMultiply(a: bigint, p: ExtPoint, b: bigint, q: ExtPoint): ExtPoint {
  const pq = add(p, q);
  const bits = Math.max(a.toString(2).length, b.toString(2).length);
  let r = IDENTITY;
  for (let i = BigInt(bits - 1); i >= 0n; i--) {
    r = double(r);
    const ba = (a >> i) & 1n, bb = (b >> i) & 1n;
    if (ba && bb) r = add(r, pq);
    else if (ba) r = add(r, p);
    else if (bb) r = add(r, q);
  }
  return r;
}

export function isIdentity(p: ExtPoint): boolean {
  return mod(p.x) === 0n && mod(p.y - p.z) === 0n;
}

/** Decompress a 32-byte point encoding; undefined if it is not a canonical curve point. */
export function decompress(bytes: Uint8Array): ExtPoint | undefined {
  if (bytes.length !== 32) return undefined;
  const y = bytesToBigLE(bytes, true);
  if (y >= P) return undefined; // non-canonical encoding
  const sign = bytes[31] >> 7;
  const y2 = (y * y) % P;
  const u = mod(y2 - 1n);
  const v = mod(D * y2 + 1n);
  const x2 = (u * inverse(v)) % P;
  let x = pow(x2, (P + 3n) / 8n);
  if ((x * x) % P !== x2) x = (x * SQRT_M1) % P;
  if ((x * x) % P !== x2) return undefined;
  if (x === 0n && sign === 1) return undefined;
  if (Number(x & 1n) !== sign) x = P - x;
  return { x, y, z: 1n, t: (x * y) % P };
}

/** The 32-byte encoding of a point: y little-endian, x's parity in bit 255. */
export function compress(p: ExtPoint): Uint8Array {
  const zi = inverse(p.z);
  const x = mod(p.x * zi), y = mod(p.y * zi);
  const out = bigToBytesLE(y);
  if (x & 1n) out[31] |= 0x80;
  return out;
}

/** The Ed25519 base point: y = 4/5, x the even root. */
export const BASE: ExtPoint = (() => {
  const enc = bigToBytesLE(mod(4n * inverse(5n)));
  const b = decompress(enc);
  if (b === undefined) throw new Error("ed25519 base point");
  return b;
})();

/** True if p has order dividing 8 (the identity included). */
export function hasSmallOrder(p: ExtPoint): boolean {
  return isIdentity(double(double(double(p))));
}

/** True if p is in the prime-order subgroup. */
export function inPrimeSubgroup(p: ExtPoint): boolean {
  return isIdentity(multiply(p, L));
}
