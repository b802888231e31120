// Echo service, MDP port 7 (PROTOCOL.md 10(b)): reply from port 7 to the request's
// source port with the payload unchanged, authcrypted. `servald mdp ping`
// sends `u32 seq LE || u64 time_ms LE` and times the reply.
import { PORT_ECHO, type Sid } from "../wire/types";
import type { ServiceHost } from "./service-host";

export function handleEcho(
  host: ServiceHost, now: number, localSid: Sid, remoteSid: Sid, srcPort: number, data: Uint8Array,
  broadcast: boolean, qos: number,
): void {
  if (srcPort === PORT_ECHO) return; // never answer an echo (two echo services would loop)
  const from = host.identityFor(localSid, broadcast);
  host.stats.echoReplies++;
  host.send(now, { srcSid: from.sid, srcPort: PORT_ECHO, dstSid: remoteSid, dstPort: srcPort, payload: data, qos });
}
