// `make demo`: a 3-node line mesh in network namespaces with lossy links, an
// HTTP server behind `servald msp listen --forward` on one end, HTTP clients
// through `servald msp connect --forward` on the other; prints what crossed
// and how fast, then removes everything it created.
import { resolve } from "node:path";
import { meshLine, msp, MeshLine, tcpListening } from "../test/helpers/mesh";

const LOSS = Number(process.env.DEMO_LOSS ?? 0.1);
const GET_BYTES = 2 << 20;
const POST_BYTES = 1 << 20;
const PEER = resolve(new URL(".", import.meta.url).pathname, "../../demo/http-peer.mjs");
const short = (sid: string) => `${sid.slice(0, 8)}*`;
const mbit = (bytes: number, s: number) => ((bytes * 8) / s / 1e6).toFixed(2);

async function main(): Promise<number> {
  console.log(`demo: 3 servald nodes n0 - n1 - n2 in network namespaces, ${(LOSS * 100).toFixed(0)}% packet loss on every link (both directions)`);
  const t0 = Date.now();
  let L: MeshLine | undefined;
  try {
    L = await meshLine("svdemo", 3, { loss: LOSS });
    const [n0, n1, n2] = L.nodes as [string, string, string];
    const [s0, s1, s2] = L.sids as [string, string, string];
    console.log(`demo: mesh up in ${((Date.now() - t0) / 1000).toFixed(1)} s: n0=${short(s0)} n1=${short(s1)} n2=${short(s2)}; n2 reaches n0 via n1 (${(await L.mesh.routes(n2)).get(s0)?.[0]})`);

    const server = L.lab.spawnNode(n0, PEER, ["server", "8080", String(GET_BYTES)]);
    await server.waitFor(/^listening/m);
    const listen = msp(L, n0, ["listen", "--forward=8080", "80"]);
    const connect = msp(L, n2, ["connect", "--forward=8081", s0, "80"]);
    await tcpListening(connect, 8081);
    console.log(`demo: n0: HTTP server on 127.0.0.1:8080 <- servald msp listen --forward=8080 80`);
    console.log(`demo: n2: servald msp connect --forward=8081 ${short(s0)} 80 -> HTTP clients use 127.0.0.1:8081`);

    const drops0 = await Promise.all(L.lab.links.flatMap((l) => [L!.lab.lossDrops(l, l.a), L!.lab.lossDrops(l, l.b)]));
    const run = async (args: string[]) => {
      const r = await L!.lab.exec(n2, process.execPath, [PEER, ...args], { timeoutMs: 300_000 });
      return JSON.parse(r.stdout.trim().split("\n").pop()!) as { bytes: number; seconds: number; sha256: string; expected?: string; answer?: { bytes: number; sha256: string } };
    };
    const get = await run(["get", "8081"]);
    const getOk = get.sha256 === get.expected && get.bytes === GET_BYTES;
    console.log(`demo: GET  ${(get.bytes / 1048576).toFixed(1)} MiB n0 -> n2 across 2 lossy hops in ${get.seconds.toFixed(2)} s = ${mbit(get.bytes, get.seconds)} Mbit/s, sha256 ${getOk ? "identical" : "DIFFERENT"}`);
    const post = await run(["post", "8081", String(POST_BYTES)]);
    const postOk = post.answer?.sha256 === post.sha256 && post.answer?.bytes === POST_BYTES;
    console.log(`demo: POST ${(post.bytes / 1048576).toFixed(1)} MiB n2 -> n0 across 2 lossy hops in ${post.seconds.toFixed(2)} s = ${mbit(post.bytes, post.seconds)} Mbit/s, sha256 ${postOk ? "identical" : "DIFFERENT"}`);
    const drops1 = await Promise.all(L.lab.links.flatMap((l) => [L!.lab.lossDrops(l, l.a), L!.lab.lossDrops(l, l.b)]));
    const dropped = drops1.reduce((a, b, i) => a + b - drops0[i]!, 0);
    console.log(`demo: the links dropped ${dropped} packets meanwhile; per-hop retransmission and MSP recovered every byte`);
    await connect.kill();
    await listen.kill();
    await server.kill();
    return getOk && postOk ? 0 : 1;
  } finally {
    await L?.close();
    console.log(`demo: namespaces and daemons removed (${((Date.now() - t0) / 1000).toFixed(1)} s in all)`);
  }
}

main().then((code) => { console.log(code === 0 ? "demo: ok" : "demo: FAILED"); process.exit(code); }, (e) => { console.error(`demo: FAILED: ${e instanceof Error ? e.stack : String(e)}`); process.exit(1); });
