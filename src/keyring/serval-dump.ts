// Parser for Serval DNA's `servald keyring dump --secret` text, e.g.
//   0: type=0x06(CRYPTOCOMBINED)  pub=<sign_pub 32><SID 32> sec=<sign_sec 64><box_sec 32>
// Used to import Serval DNA identities and in tests. Only CRYPTOCOMBINED
// keypairs become identities; other key types (RHIZOME, DID, ...) are skipped.
// Every imported identity is re-derived from its seed and must match the dump.

import type { Identity } from "../crypto/types";
import { checkIdentity, type IdentityPrimitives } from "../crypto/identity";
import { parseHex as fromHex } from "../wire/bytes";

export const KEYTYPE_CRYPTOCOMBINED = 0x06;

export interface DumpedIdentity {
  /** The identity number at the start of the line (Serval DNA's slot order). */
  index: number;
  identity: Identity;
}

export type DumpParseResult = { ok: true; identities: DumpedIdentity[] } | { ok: false; line: number; message: string };

const LINE = /^\s*(\d+):\s+type=0x([0-9A-Fa-f]+)\(([^)]*)\)(.*)$/;

function field(rest: string, name: string): string | undefined {
  const m = new RegExp(`(?:^|\\s)${name}=([0-9A-Fa-f]*)`).exec(rest);
  return m?.[1];
}

/** Parse the whole dump text. Needs `--secret` output for CRYPTOCOMBINED lines. */
export function parseServalKeyringDump(text: string, prims?: IdentityPrimitives): DumpParseResult {
  const identities: DumpedIdentity[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (raw === "") continue;
    const m = LINE.exec(raw);
    if (m === null) return { ok: false, line: i + 1, message: `not a keyring dump line: ${raw.slice(0, 60)}` };
    if (parseInt(m[2], 16) !== KEYTYPE_CRYPTOCOMBINED) continue;
    const pub = fromHex(field(m[4], "pub") ?? "");
    const sec = fromHex(field(m[4], "sec") ?? "");
    if (pub === undefined || pub.length !== 64) return { ok: false, line: i + 1, message: "CRYPTOCOMBINED pub must be 64 bytes of hex (sign public || SID)" };
    if (sec === undefined || sec.length !== 96) {
      return { ok: false, line: i + 1, message: "CRYPTOCOMBINED sec must be 96 bytes of hex (sign secret || box secret); use `keyring dump --secret`" };
    }
    const identity: Identity = {
      signPublic: pub.slice(0, 32),
      sid: pub.slice(32, 64),
      signSecret: sec.slice(0, 64),
      boxSecret: sec.slice(64, 96),
    };
    const check = checkIdentity(identity, prims);
    if (check !== "ok") return { ok: false, line: i + 1, message: `CRYPTOCOMBINED ${check} does not match the key derived from its seed` };
    identities.push({ index: Number(m[1]), identity });
  }
  return { ok: true, identities };
}
