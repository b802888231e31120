// Plugs the mesh (src/daemon/mesh-service.ts) into the daemon lifecycle.
import { startMeshService } from "./mesh-service";
import { registerDaemonService } from "./services";

let running: { stop(): void } | null = null;

registerDaemonService({
  name: "mesh",
  start(ctx) {
    running = startMeshService({ keyringPath: ctx.paths.keyring, runPath: ctx.paths.run, config: () => ctx.config() });
  },
  stop() {
    running?.stop();
    running = null;
  },
});
