// IPv4 dotted-quad <-> host-order int32 (the shim's numeric address form: the
// bits of the uint32, so 128.0.0.0 and up are negative). An int32 stays an
// int in the engine; a uint32 above 2^31 would be a float64, and every compare
// or hash of it a soft-float call on an FPU-less router. Compare with ===,
// mask with &, never >>> 0. Pure: usable from Node tests too.

export function ipv4Parse(s: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const b = Number(m[i]);
    if (b > 255) return null;
    n = (n << 8) | b;
  }
  return n;
}

export function ipv4Format(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}
