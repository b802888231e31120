// Service discovery ("Cooee", MDP port 11, PROTOCOL.md 8.8): the query payload and
// the reply parser used by `servald msp discover`. Pure: unit-tested under Node.

export const PORT_SERVICE_DISCOVERY = 11;

export interface ServiceAnswer {
  name: string;
  port: number;
}

/** Query payload: the pattern text then a NUL, as Serval's Java client sends it. */
export function encodeServiceQuery(pattern: string): Uint8Array {
  const b = new Uint8Array(pattern.length + 1);
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charCodeAt(i);
    b[i] = c < 0x80 ? c : 0x3f; // patterns are service names: ASCII
  }
  return b;
}

// `NAME.mdp.port` is the documented form (our listener); Serval DNA writes `NAME.msp.port`.
const PORT_KEY = /^(.+)\.m[ds]p\.port$/;

/**
 * The services named in a reply: `name=value` lines, the trailing newline
 * optional, stray NULs/CRs ignored; keys other than NAME.{mdp,msp}.port and
 * ports outside 1..2^32-1 are skipped.
 */
export function parseServiceReply(text: string): ServiceAnswer[] {
  const out: ServiceAnswer[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/[\0\r]+$/, "");
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    const m = PORT_KEY.exec(line.slice(0, eq).trim());
    const v = line.slice(eq + 1).trim();
    if (!m || !/^\d{1,10}$/.test(v)) continue;
    const port = Number(v);
    if (port < 1 || port > 0xffffffff) continue;
    out.push({ name: m[1], port });
  }
  return out;
}
