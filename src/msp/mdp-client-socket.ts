// MdpSocket over the local client library (src/client/mdp-client.ts): one
// client socket and one daemon binding per MdpSocket.

import { MdpClient } from "../client/mdp-client";
import { MDP_FLAG_NO_CRYPT, MDP_FLAG_NO_SIGN } from "../wire/client-header";
import { Sid } from "../wire/types";
import { MspAddress } from "./endpoint";
import { MdpInbound, MdpSendOptions, MdpSocket } from "./mdp-socket";

export class MdpClientSocket implements MdpSocket {
  private inbound: MdpInbound = { local: { sid: new Uint8Array(32), port: 0 }, remote: { sid: new Uint8Array(32), port: 0 }, cryptFlags: 0, qos: 0, ttl: 0, payload: new Uint8Array(0) };

  constructor(private readonly client: MdpClient) {}

  async bind(sid: Sid, port: number): Promise<MspAddress> {
    return this.client.bind(sid, port);
  }

  /** false when the daemon's socket queue is full: the driver retries shortly. */
  send(remote: MspAddress, payload: Uint8Array, opts: MdpSendOptions): boolean {
    return this.client.trySend(remote.sid, remote.port, payload, opts.cryptFlags, opts.qos, opts.ttl) === 0;
  }

  onPacket(cb: ((p: MdpInbound) => void) | undefined): void {
    if (!cb) { this.client.onDatagram = undefined; return; }
    const p = this.inbound;
    this.client.onDatagram = (d) => {
      p.local.sid = d.localSid;
      p.local.port = d.localPort;
      p.remote.sid = d.remoteSid;
      p.remote.port = d.remotePort;
      p.cryptFlags = d.flags & (MDP_FLAG_NO_CRYPT | MDP_FLAG_NO_SIGN);
      p.qos = d.qos;
      p.ttl = d.ttl;
      p.payload = d.payload;
      cb(p);
    };
  }

  onError(cb: (() => void) | undefined): void {
    this.client.onError = cb ? () => cb() : undefined;
  }

  close(): void {
    this.client.close();
  }
}
