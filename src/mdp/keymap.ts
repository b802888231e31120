// Keymap / SAS exchange, MDP port 1 (PROTOCOL.md 5.4): a request `02` is answered
// with `02 || signing key || signature over our raw SID`, authcrypted; a
// response teaches us the sender's signing key (if the signature verifies),
// so its signed frames can be checked. Unlock messages (F0-F2) are ignored.
import { PORT_KEYMAPREQUEST, type Sid } from "../wire/types";
import { buildKeymapRequest, buildKeymapResponse, parseKeymapResponse, KEYMAP_RESPONSE_BYTES, KEYMAP_SIGN_KEY } from "../crypto/mdp-payload";
import type { ServiceHost } from "./service-host";
import type { Subscriber } from "./subscribers";
import { KEYMAP_REQUEST_INTERVAL_MS, OQ_MESH_MANAGEMENT } from "./constants";

/** We ask one peer at most this often (servald: 100 ms; our requests are retransmitted per hop anyway). */
const REQUEST_INTERVAL_MS = KEYMAP_REQUEST_INTERVAL_MS * 10;

export function handleKeymap(
  host: ServiceHost, now: number, localSid: Sid, remoteSid: Sid, srcPort: number, data: Uint8Array, broadcast: boolean,
): void {
  if (data.length === 0 || data[0] !== KEYMAP_SIGN_KEY) return;
  if (data.length >= KEYMAP_RESPONSE_BYTES) {
    const r = parseKeymapResponse(host.crypto, data, remoteSid);
    if (!r) { host.stats.cryptoFailures++; return; }
    const s = host.subscriber(remoteSid);
    if (!s.signKey) {
      s.signKey = r.signPublic;
      host.log("debug", `learnt signing key of ${s.hex}`);
    }
    return;
  }
  const id = host.identityFor(localSid, broadcast);
  host.send(now, {
    srcSid: id.sid, srcPort: PORT_KEYMAPREQUEST, dstSid: remoteSid, dstPort: srcPort,
    payload: buildKeymapResponse(host.crypto, id), qos: OQ_MESH_MANAGEMENT,
  });
}

/** Ask `s` for its signing key (rate-limited; not if known or one of ours). */
export function requestSignKey(host: ServiceHost, now: number, s: Subscriber): void {
  if (s.signKey || s.local || now - s.keyRequestAt < REQUEST_INTERVAL_MS) return;
  s.keyRequestAt = now;
  host.stats.keymapRequests++;
  host.send(now, {
    srcPort: PORT_KEYMAPREQUEST, dstSid: s.sid, dstPort: PORT_KEYMAPREQUEST,
    payload: buildKeymapRequest(), qos: OQ_MESH_MANAGEMENT,
  });
}
