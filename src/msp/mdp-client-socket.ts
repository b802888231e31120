// MdpSocket over the local client library (src/client/mdp-client.ts): one
// client socket and one daemon binding per MdpSocket.

import { MdpClient, MdpClientError } from "../client/mdp-client";
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

  send(remote: MspAddress, payload: Uint8Array, opts: MdpSendOptions): boolean {
    try {
      this.client.send(remote.sid, remote.port, payload, {
        encrypt: (opts.cryptFlags & MDP_FLAG_NO_CRYPT) === 0,
        sign: (opts.cryptFlags & MDP_FLAG_NO_SIGN) === 0,
        qos: opts.qos,
        ttl: opts.ttl,
      });
      return true;
    } catch (e) {
      // A full daemon socket queue: the driver retries shortly.
      if (e instanceof MdpClientError && e.code === "send-failed") return false;
      throw e;
    }
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
