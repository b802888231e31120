// `servald msp listen|connect`: MSP streams bridged to stdin/stdout or, with
// --forward, to local TCP connections (Serval DNA's msp_proxy.c behaviour,
// PROTOCOL.md 8.6). The streams run in this process over the daemon's local client
// socket; see src/msp/driver.ts. Exit status: 1 if any stream timed out,
// 255 if the daemon could not be used, else 0.
//
// A daemon restart: the driver notices within PROBE_MS (1 s), streams in
// flight end ("closed suddenly"), and the process tries every
// RECONNECT_RETRY_MS to bind its port (and --service) again on the new
// daemon; if that does not succeed within RECONNECT_MAX_S (30 s, or
// $SERVAL_MSP_RECONNECT_S) it exits 255, so procd restarts it. `msp connect
// --forward` binds a port per stream and holds no client socket while idle: a
// TCP connection after the restart simply uses the new daemon (while none
// answers, it is closed and the same wait runs). A stdio stream or `--once` stream lost this way ends
// the process with 255.

import { registerCommand } from "./registry";
import { openClient, Session, StdioStream } from "./msp-session";
import { ParsedArgs } from "./args";
import { MSP_CONNECT_USAGE, MSP_LISTEN_USAGE, parseMspConnect, parseMspListen } from "./msp-args";
import { MdpClientError, SID_ANY } from "../client/mdp-client";
import { MspStream } from "../msp/endpoint";
import { forwardToTcp, who } from "../tunnel/forward";
import { TcpListener } from "../platform/tcp";
import { errorText, log } from "../platform/log";
import { pid, utf8Encode } from "../platform/proc";

const PORT_SERVICE_DISCOVERY = 11;
async function serveDiscovery(session: Session, name: string, port: number): Promise<void> {
  const client = openClient();
  session.addService(client);
  await client.bind(SID_ANY, PORT_SERVICE_DISCOVERY);
  const reply = utf8Encode(`${name}.mdp.port=${port}`);
  client.onDatagram = (d) => {
    try {
      client.send(d.remoteSid, d.remotePort, reply, { encrypt: d.encrypted, sign: d.signed, qos: d.qos, ttl: 0 });
    } catch (e) {
      log.warn(`service discovery reply: ${errorText(e)}`);
    }
  };
}

function forwardTcp(session: Session, s: MspStream, tcpPort: number): void {
  session.tcpPending(1);
  forwardToTcp(session.driver, s, tcpPort, (tcp) => {
    session.tcpPending(-1);
    return session.attach(s, tcp);
  }, () => session.tcpPending(-1)); // only now, with the stream stopped, may `listen --once` see that nothing is left and exit
}

async function listen(p: ParsedArgs): Promise<number> {
  const a = parseMspListen(p);
  const session = new Session();
  const once = a.once || a.forward === undefined;
  try {
    session.driver.onAccept = (s) => {
      log.debug(` - New connection from ${who(s)}`);
      if (once) {
        session.driver.unlisten(a.port);
        session.setListening(false);
      }
      if (a.forward === undefined) session.attach(s, new StdioStream());
      else forwardTcp(session, s, a.forward);
    };
    session.rebind = async () => {
      await session.driver.listen(a.port);
      if (a.service === undefined) return;
      try {
        await serveDiscovery(session, a.service, a.port);
      } catch (e) {
        session.driver.unlisten(a.port);
        throw e;
      }
    };
    await session.driver.listen(a.port);
    session.setListening(true);
    if (a.forward === undefined) log.debug(` - Listening on port ${a.port}`);
    else log.debug(`- Forwarding from port ${a.port} to AF_INET:127.0.0.1:${a.forward}`);
    if (a.service !== undefined) await serveDiscovery(session, a.service, a.port);
    if (a.forward !== undefined) session.reportAs({ mode: "listen", mdpPort: a.port, tcpPort: a.forward, service: a.service, pid: pid() });
  } catch (e) {
    log.error(`Error listening for incoming connections: ${errorText(e)}`);
    session.fail(255);
  }
  return session.result;
}

async function connect(p: ParsedArgs): Promise<number> {
  const a = parseMspConnect(p);
  const session = new Session();
  const remote = { sid: a.sid, port: a.port };
  try {
    if (a.forward === undefined) {
      log.debug(`- Connecting to ${a.sidHex}:${a.port}`);
      const stdio = new StdioStream();
      stdio.pause();
      session.tcpPending(1);
      const s = await session.driver.connect(remote, () => undefined);
      session.tcpPending(-1);
      session.attach(s, stdio);
      return session.result;
    }
    const tcpPort = a.forward;
    const listener = TcpListener.listen("127.0.0.1", tcpPort, 128);
    session.setTcpListener(listener);
    log.debug(`- Forwarding from AF_INET:127.0.0.1:${tcpPort} to ${a.sidHex}:${a.port}`);
    session.reportAs({ mode: "connect", mdpPort: a.port, tcpPort, sid: a.sidHex.toUpperCase(), pid: pid() });
    listener.onAccept((tcp) => {
      log.debug("- Incoming TCP connection from AF_INET:127.0.0.1");
      tcp.pause();
      session.tcpPending(1);
      if (a.once) session.setTcpListener(undefined);
      session.driver.connect(remote, () => undefined).then((s) => {
        session.tcpPending(-1);
        session.attach(s, tcp);
      }, (e: unknown) => {
        log.error(`MSP connect failed: ${errorText(e)}`);
        tcp.close();
        // No daemon to talk to: wait for one as after a restart (exit 255 if none comes).
        if (e instanceof MdpClientError && (e.code === "not-running" || e.code === "timeout")) session.daemonLost([], 0);
        session.tcpPending(-1);
      });
    });
  } catch (e) {
    log.error(errorText(e));
    session.fail(255);
  }
  return session.result;
}

registerCommand({
  words: ["msp", "listen"],
  usage: MSP_LISTEN_USAGE,
  summary: "accept MSP streams on MDPPORT; bridge to stdin/stdout or to 127.0.0.1:TCPPORT",
  flags: ["once"],
  options: ["forward", "service"],
  minArgs: 0,
  maxArgs: 8,
  run: (p) => listen(p),
});

registerCommand({
  words: ["msp", "connect"],
  usage: MSP_CONNECT_USAGE,
  summary: "open MSP streams to SID:MDPPORT; from stdin/stdout or per TCP connection on 127.0.0.1:TCPPORT",
  flags: ["once"],
  options: ["forward"],
  minArgs: 0,
  maxArgs: 8,
  run: (p) => connect(p),
});
