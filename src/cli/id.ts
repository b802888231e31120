// `servald id self` and `servald id peers [--json]`, through the daemon's
// local client socket (SEARCH_IDS and ROUTE_TABLE commands). Text output is
// Serval DNA's one-column table.
import { registerCommand } from "./registry.js";
import { openMdpClient } from "../client/open.js";
import { runPath } from "../client/run-path.js";
import { MDP_ROUTE_TABLE, MDP_SEARCH_IDS } from "../wire/client-header.js";
import { decodeRouteRecord, RouteRecord } from "../wire/client-header.js";
import { routablePeers, routeJson, table } from "../client/route-format.js";
import { toHex } from "../wire/bytes.js";
import { print } from "../platform/proc.js";

const SID_INTERNAL = (() => { const s = new Uint8Array(32); s[31] = 1; return s; })();

/** The route table as the daemon reports it. */
export async function fetchRoutes(): Promise<RouteRecord[]> {
  const c = openMdpClient(runPath());
  try {
    const replies = await c.command(MDP_ROUTE_TABLE, undefined, SID_INTERNAL, MDP_ROUTE_TABLE);
    const out: RouteRecord[] = [];
    for (const p of replies) {
      const r = decodeRouteRecord(p);
      if (r) out.push(r);
    }
    return out;
  } finally {
    c.close();
  }
}

registerCommand({
  words: ["id", "self"],
  usage: "id self",
  summary: "print this node's SIDs (primary first)",
  async run() {
    const c = openMdpClient(runPath());
    try {
      const ids = await c.command(MDP_SEARCH_IDS);
      print(table(["sid"], ids.filter((s) => s.length >= 32).map((s) => [toHex(s.subarray(0, 32))])));
      return 0;
    } finally {
      c.close();
    }
  },
});

registerCommand({
  words: ["id", "peers"],
  usage: "id peers [--json]",
  summary: "print the SIDs of reachable peers",
  flags: ["json"],
  async run(args) {
    const peers = routablePeers(await fetchRoutes());
    if (args.flags.has("json")) print(JSON.stringify(peers.map(routeJson)) + "\n");
    else print(table(["sid"], peers.map((r) => [toHex(r.sid)])));
    return 0;
  },
});
