// TCP <-> MSP forwarding shared by `servald msp listen|connect --forward`
// (src/cli/msp-commands.ts, one process per tunnel, MDP over the daemon's
// client socket) and the daemon-hosted tunnels (src/daemon/tunnels.ts, MDP
// bound inside the daemon): the same pump, the same log lines.

import type { MspDriver } from "../msp/driver";
import type { MspStream } from "../msp/endpoint";
import type { MspEvent } from "../msp/events";
import { ByteStream, PumpEnd, StreamPump } from "../msp/pump";
import { SysError } from "../platform/errors";
import { log } from "../platform/log";
import { TcpStream, tcpConnect } from "../platform/tcp";

export function sidHex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += (b[i] < 16 ? "0" : "") + b[i].toString(16);
  return s.toUpperCase();
}

/** "SID:PORT" of the stream's far end, as Serval DNA's msp_proxy logs it. */
export function who(s: MspStream): string {
  return `${sidHex(s.remote.sid)}:${s.remote.port}`;
}

/** Serval DNA's line for a stream that ended (a timed-out one is reported as closed gracefully too, PROTOCOL.md 8.6). */
export function endedText(how: PumpEnd, s: MspStream): string {
  return `- Connection with ${who(s)} closed ${how === "suddenly" ? "suddenly" : "gracefully"}`;
}

/** Pumps the stream's events and bytes to and from `local` until it ends (onEnd). */
export function startPump(driver: MspDriver, s: MspStream, local: ByteStream, onEnd: (how: PumpEnd, p: StreamPump) => void, prefix = ""): StreamPump {
  const pump = new StreamPump(s, local, driver, onEnd,
    (p) => log.debug(`${prefix}- Connection with ${who(p.stream)} local shutdown`),
    (p) => log.debug(`${prefix}- Connection with ${who(p.stream)} remote shutdown`));
  driver.setHandler(s, (_s, e) => pump.onEvent(e));
  pump.start();
  driver.service();
  return pump;
}

/** An accepted stream forwarded to a new TCP connection to 127.0.0.1:tcpPort.
 * Stream events that arrive while connecting are replayed to the pump `attach`
 * makes. A failed connect is logged, the stream stopped and `failed` called. */
export function forwardToTcp(driver: MspDriver, s: MspStream, tcpPort: number,
  attach: (tcp: TcpStream) => StreamPump, failed: () => void, prefix = ""): void {
  const queued: MspEvent[] = [];
  driver.setHandler(s, (_s, e) => queued.push(e));
  tcpConnect("127.0.0.1", tcpPort, (err, tcp) => {
    if (err || !tcp) {
      const errno = err instanceof SysError ? err.errno : 0;
      const text = err ? err.message.replace(/^connect: /, "") : "failed";
      log.error(`${prefix}connect(AF_INET:127.0.0.1:${tcpPort}): ${text} [errno=${errno}]`);
      s.conn.stop(driver.now());
      driver.service();
      log.info(`${prefix}- Connection with ${who(s)} closed suddenly`);
      failed();
      return;
    }
    const pump = attach(tcp);
    for (const e of queued) pump.onEvent(e);
    driver.service();
  });
}
