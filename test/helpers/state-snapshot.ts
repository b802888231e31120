// The whole state an object reaches, as text: two runs that should leave the
// same state (a fast path and the generic one it stands for) compare equal.
// Walks own properties (in name order), array elements, Map entries and Set
// members (in their order: it is part of the state), typed arrays as their
// bytes; functions are left out, an object seen before is written as its
// number (so shared references must be shared the same way on both sides).

/** `skip`: property names left out (e.g. a fast path's own scratch fields),
 * anywhere ("name") or on one class's objects ("Class.name"). */
export function stateSnapshot(root: unknown, skip: ReadonlySet<string> = new Set()): string {
  const seen = new Map<object, number>();
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (v === null || v === undefined || typeof v === "boolean" || typeof v === "string" || typeof v === "bigint") {
      out.push(typeof v === "string" ? JSON.stringify(v) : String(v));
      return;
    }
    if (typeof v === "number") { out.push(Object.is(v, -0) ? "-0" : String(v)); return; }
    if (typeof v === "function" || typeof v === "symbol") { out.push("f"); return; }
    const o = v as object;
    const id = seen.get(o);
    if (id !== undefined) { out.push(`#${id}`); return; }
    seen.set(o, seen.size);
    if (ArrayBuffer.isView(o)) {
      const b = new Uint8Array(o.buffer, o.byteOffset, o.byteLength);
      out.push(`${o.constructor.name}(${Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("")})`);
      return;
    }
    if (Array.isArray(o)) {
      out.push("[");
      for (const x of o) walk(x);
      out.push("]");
      return;
    }
    if (o instanceof Map) {
      out.push("Map{");
      for (const [k, x] of o) { walk(k); out.push("=>"); walk(x); }
      out.push("}");
      return;
    }
    if (o instanceof Set) {
      out.push("Set{");
      for (const x of o) walk(x);
      out.push("}");
      return;
    }
    const cls = o.constructor?.name ?? "";
    out.push(`${cls}{`);
    const rec = o as Record<string, unknown>;
    for (const k of Object.keys(o).sort()) {
      if (skip.has(k) || skip.has(`${cls}.${k}`)) continue;
      out.push(`${k}:`);
      walk(rec[k]);
    }
    out.push("}");
  };
  walk(root);
  return out.join(" ");
}

/** Where two snapshots first differ, with some context (undefined: the same). */
export function snapshotDifference(a: string, b: string, context = 300): string | undefined {
  if (a === b) return undefined;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const from = Math.max(0, i - context);
  return `at ${i}:\n  ${a.slice(from, i + 80)}\n  ${b.slice(from, i + 80)}`;
}
