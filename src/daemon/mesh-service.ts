// Entry point the daemon lifecycle (`servald start [foreground]`) calls to run
// the mesh: builds the crypto provider and MeshNode and starts MeshDaemon.
// Throws with a readable message when it cannot start (damaged keyring,
// client socket in use); the caller reports it and exits non-zero.
import { createNaclCrypto } from "../crypto/nacl-provider.js";
import { MeshDaemon } from "./mesh-daemon.js";
import { MeshNodeCore } from "./mesh-node-adapter.js";
import { log, logEnabled } from "../platform/log.js";
import { randomBytes } from "../platform/proc.js";
import { nativeCrypto } from "../platform/native-crypto.js";

export interface MeshServiceOptions {
  keyringPath: string;
  runPath: string;
  /** Current config as flat key/value pairs (re-read on SIGHUP). */
  config: () => Iterable<[string, string]>;
}

export function startMeshService(opts: MeshServiceOptions): { stop(): void; daemon: MeshDaemon } {
  const crypto = createNaclCrypto(randomBytes, { native: nativeCrypto() });
  const daemon = new MeshDaemon({
    keyringPath: opts.keyringPath,
    runPath: opts.runPath,
    config: opts.config,
    createCore: (identities, now) => new MeshNodeCore(identities, crypto, now, (level, msg) => {
      if (logEnabled(level)) log[level](msg);
    }),
  });
  return { stop: () => daemon.stop(), daemon };
}
