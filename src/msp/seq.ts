// 16-bit wrapping sequence arithmetic, compared as Serval DNA does:
// the difference cast to int16 (dataformats.c compare_wrapped_uint16).

/** Signed distance a - b in [-32768, 32767]. */
export function seqDiff(a: number, b: number): number {
  return (((a - b) & 0xffff) << 16) >> 16;
}

export function seqAdd(a: number, n: number): number {
  return (a + n) & 0xffff;
}
