// Ed25519 -> X25519 conversions used by Serval DNA's combined identities
// (spec 5.1): SID = crypto_sign_ed25519_pk_to_curve25519(signing key).
// The public-key conversion runs once per peer (callers cache it), so plain
// BigInt field arithmetic is fast enough and keeps this file dependency-free.

const P = (1n << 255n) - 19n;
/** Edwards curve constant d = -121665/121666 mod p. */
const D = mod(-121665n * inverse(121666n));
const D2 = mod(2n * D);
/** sqrt(-1) mod p. */
const SQRT_M1 = pow(2n, (P - 1n) / 4n);
/** Order of the prime-order subgroup. */
const L = (1n << 252n) + 27742317777372353535851937790883648493n;

function mod(a: bigint): bigint {
  const r = a % P;
  return r < 0n ? r + P : r;
}

function pow(base: bigint, exp: bigint): bigint {
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

function inverse(a: bigint): bigint {
  return pow(a, P - 2n);
}

function bytesToBigLE(bytes: Uint8Array, topBitMask: boolean): bigint {
  let n = 0n;
  for (let i = 31; i >= 0; i--) {
    const b = i === 31 && topBitMask ? bytes[i] & 0x7f : bytes[i];
    n = (n << 8n) | BigInt(b);
  }
  return n;
}

function bigToBytesLE(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  let v = n;
  for (let i = 0; i < 32; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** Extended twisted Edwards coordinates (X:Y:Z:T), x = X/Z, y = Y/Z, xy = T/Z. */
interface ExtPoint { x: bigint; y: bigint; z: bigint; t: bigint }

// Unified addition (add-2008-hwcd-3, a = -1); also correct for doubling.
function add(p: ExtPoint, q: ExtPoint): ExtPoint {
  const a = mod((p.y - p.x) * (q.y - q.x));
  const b = mod((p.y + p.x) * (q.y + q.x));
  const c = mod(p.t * D2 * q.t);
  const d = mod(2n * p.z * q.z);
  const e = b - a, f = d - c, g = d + c, h = b + a;
  return { x: mod(e * f), y: mod(g * h), t: mod(e * h), z: mod(f * g) };
}

function multiply(p: ExtPoint, k: bigint): ExtPoint {
  let r: ExtPoint = { x: 0n, y: 1n, z: 1n, t: 0n };
  let q = p;
  let e = k;
  while (e > 0n) {
    if (e & 1n) r = add(r, q);
    q = add(q, q);
    e >>= 1n;
  }
  return r;
}

function isIdentity(p: ExtPoint): boolean {
  return mod(p.x) === 0n && mod(p.y - p.z) === 0n;
}

/** Decompress an Ed25519 public key; undefined if it is not a curve point. */
function decompress(key: Uint8Array): ExtPoint | undefined {
  const y = bytesToBigLE(key, true);
  if (y >= P) return undefined; // non-canonical encoding
  const sign = key[31] >> 7;
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

/**
 * crypto_sign_ed25519_pk_to_curve25519: u = (1 + y) / (1 - y) mod p.
 * Like libsodium, rejects keys that are not points, small-order points and
 * points outside the prime-order subgroup. Returns undefined for those.
 */
export function curve25519PublicFromEd25519(signPublic: Uint8Array): Uint8Array | undefined {
  if (signPublic.length !== 32) return undefined;
  const point = decompress(signPublic);
  if (point === undefined || isIdentity(point)) return undefined;
  if (!isIdentity(multiply(point, L))) return undefined;
  const y = point.y;
  const u = mod((1n + y) * inverse(mod(1n - y)));
  return bigToBytesLE(u);
}

/**
 * crypto_sign_ed25519_sk_to_curve25519: the first 32 bytes of SHA-512(seed),
 * clamped. `seedHash` is SHA-512 of the 32-byte Ed25519 seed.
 */
export function curve25519SecretFromSeedHash(seedHash: Uint8Array): Uint8Array {
  const s = seedHash.slice(0, 32);
  s[0] &= 248;
  s[31] &= 127;
  s[31] |= 64;
  return s;
}
