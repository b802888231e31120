// Where the control bytes go (issue 12): a SimNet grid (one link to the right
// and lower neighbour, no loss, as bench/mesh-scale.ts builds with namespaces)
// settles, then every packet sent in a steady window is decoded and its bytes
// are split: envelope (of which the transmitter address), frame headers,
// link-state records by kind (ACK records, route adverts, NO_PATH), of which
// address bytes, and other frames. Per node per second, UDP payload only (on a
// veth each packet also costs 42 bytes of Ethernet, IP and UDP headers).
// Each size runs twice in the same run: full SIDs (abbreviateSids: false) as the
// baseline, then abbreviated SIDs (the default).
// Run: node demo/run.mjs bench/mesh-bytes.ts   (MESH_BYTES_SIZES=25,50,100 MESH_BYTES_STEADY_S=20)
import { ByteReader } from "../src/wire/bytes";
import { decodeEnvelope } from "../src/wire/envelope";
import { decodeFrame } from "../src/wire/frame";
import { decodeAddress, newDecodeContext } from "../src/wire/address";
import { decodePorts } from "../src/wire/mdp-ports";
import { SidBook } from "../test/helpers/sid-book";
import { LS_HAS_INTERFACE, LS_NO_PATH, PORT_LINKSTATE } from "../src/wire/types";
import { buildGrid, converged, runUntilPolled } from "../test/helpers/sim-grid";

const SIZES = (process.env.MESH_BYTES_SIZES ?? "25,50,100").split(",").map(Number);
const STEADY_S = Number(process.env.MESH_BYTES_STEADY_S ?? 20);
const GRIDS: Record<number, [number, number]> = { 10: [2, 5], 25: [5, 5], 50: [5, 10], 100: [10, 10], 200: [10, 20] };

/** Bytes an address with this Q code took (the code byte included). */
const addrBytes = (q: number): number => 1 + (q >= 1 && q <= 32 ? q : q === 0xfb ? 32 : 0);

const VARIANTS: [string, boolean][] = [["full SIDs (abbreviateSids: false, as before issue 12's abbreviation)", false], ["abbreviated SIDs (default)", true]];
const totals = new Map<string, number>();
for (const n of SIZES) for (const [label, abbreviateSids] of VARIANTS) {
  const [rows, cols] = GRIDS[n] ?? [Math.round(Math.sqrt(n)), Math.ceil(n / Math.round(Math.sqrt(n)))];
  const g = buildGrid(rows, cols, 100 + n, 20, { abbreviateSids });
  const t = runUntilPolled(g, () => converged(g), 60_000);
  g.net.runFor(10_000);
  const book = new SidBook();
  for (const x of g.nodes) for (const id of [x.identity]) book.learnSid(id.sid);
  const c: Record<string, number> = {};
  const add = (k: string, v: number): void => { c[k] = (c[k] ?? 0) + v; };
  g.net.tap = (_from, _to, bytes) => {
    add("total", bytes.length);
    add("packets", 1);
    const ctx = newDecodeContext(book);
    ctx.trace = [];
    const r = new ByteReader(bytes);
    const env = decodeEnvelope(r, ctx);
    add("envelope", r.pos);
    add("envelope: transmitter address", addrBytes(ctx.trace[0] ?? 0));
    while (r.remaining() > 0) {
      const start = r.pos;
      ctx.trace = [];
      const f = decodeFrame(r, ctx, env.version, env.encapsulation);
      const header = r.pos - start - f.payload.length;
      add("frames", 1);
      add("frame headers", header);
      add("frame headers: addresses", ctx.trace.reduce((s, q) => s + addrBytes(q), 0));
      const pr = new ByteReader(f.payload);
      let linkState = false;
      if (!f.ciphered && !f.signed) {
        try { linkState = decodePorts(pr).dstPort === PORT_LINKSTATE; } catch { /* not MDP */ }
      }
      if (!linkState) { add("other frame payloads", f.payload.length); continue; }
      add("link-state ports", pr.pos);
      const lctx = newDecodeContext(book, f.source);
      while (pr.remaining() > 0) {
        const rs = pr.pos;
        const len = pr.u8();
        if (len === 0) break;
        const flags = pr.u8();
        lctx.trace = [];
        // Addresses only: receiver, version, transmitter.
        decodeAddress(pr, lctx);
        pr.u8();
        if (!(flags & LS_NO_PATH)) decodeAddress(pr, lctx);
        const kind = flags & LS_HAS_INTERFACE ? "ACK records" : flags & LS_NO_PATH ? "NO_PATH records" : "route records";
        add(kind, len);
        add(`${kind}: count`, 1);
        add(`${kind}: addresses`, lctx.trace.reduce((s, q) => s + addrBytes(q), 0));
        pr.pos = rs + len;
      }
    }
  };
  const t0 = g.net.time;
  g.net.runFor(STEADY_S * 1000);
  g.net.tap = undefined;
  const secs = (g.net.time - t0) / 1000;
  const per = (k: string): number => (c[k] ?? 0) / n / secs;
  totals.set(`${n} ${abbreviateSids}`, per("total"));
  console.log(`\n${n} nodes (${rows}x${cols}), ${label}: converged ${t === undefined ? "never" : "yes"}; steady ${STEADY_S} s; per node per second (UDP payload):`);
  console.log(`  total ${per("total").toFixed(0)} B in ${per("packets").toFixed(1)} packets, ${per("frames").toFixed(1)} frames` +
    ` (+${(per("packets") * 42).toFixed(0)} B of Ethernet/IP/UDP headers on a veth)`);
  for (const k of Object.keys(c).sort()) {
    if (k === "total" || k === "packets" || k === "frames" || k.endsWith(": count")) continue;
    const cnt = c[`${k}: count`];
    console.log(`  ${k.padEnd(34)} ${per(k).toFixed(0).padStart(6)} B  ${((c[k]! / c.total!) * 100).toFixed(1).padStart(5)} %` +
      (cnt !== undefined ? `  (${(cnt / n / secs).toFixed(1)} records, ${(c[k]! / cnt).toFixed(1)} B each)` : ""));
  }
}
console.log("\nper node per second, UDP payload (+42 B per packet on a veth): full SIDs -> abbreviated");
for (const n of SIZES) {
  const f = totals.get(`${n} false`)!, a = totals.get(`${n} true`)!;
  console.log(`  ${n} nodes: ${f.toFixed(0)} -> ${a.toFixed(0)} B (abbreviated/full ${(a / f).toFixed(2)})`);
}
