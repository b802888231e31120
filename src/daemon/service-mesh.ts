// The mesh as a daemon service (`servald start [foreground]`): builds the
// crypto provider (the shim's native primitives when present) and the overlay
// node, and runs MeshDaemon on the lifecycle's config and reload hooks.
// MeshDaemon's constructor throws a readable message when it cannot start
// (damaged keyring, client socket in use); the lifecycle reports it.
import { createNaclCrypto } from "../crypto/nacl-provider.js";
import { pooledRandom } from "../crypto/nonce.js";
import { log, logEnabled } from "../platform/log.js";
import { nativeCrypto } from "../platform/native-crypto.js";
import { randomBytes } from "../platform/proc.js";
import { MeshDaemon } from "./mesh-daemon.js";
import { MeshNodeCore } from "./mesh-node-adapter.js";
import { meshLimitsFromConfig } from "./config-schema.js";
import { registerDaemonService } from "./services.js";

let running: MeshDaemon | null = null;

registerDaemonService({
  name: "mesh",
  start(ctx) {
    // (nonces from a pool: made here, in the daemon's own process, after daemonize's fork)
    const crypto = createNaclCrypto(pooledRandom(randomBytes), { native: nativeCrypto() });
    running = new MeshDaemon({
      keyringPath: ctx.paths.keyring,
      runPath: ctx.paths.run,
      config: () => ctx.config(),
      onReload: (fn) => ctx.onReload(fn),
      reloadConfig: (why) => ctx.reloadConfig(why),
      // Table caps are read once, at start (a reload does not resize tables).
      createCore: (identities, now) => new MeshNodeCore(identities, crypto, now, (level, msg) => {
        if (logEnabled(level)) log[level](msg);
      }, meshLimitsFromConfig(ctx.config())),
    });
  },
  stop() {
    running?.stop();
    running = null;
  },
});
