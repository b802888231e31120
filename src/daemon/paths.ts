// Instance and runtime paths (docs/ARCHITECTURE.md "Runtime paths"). Pure:
// the environment is passed in.

export interface InstancePaths {
  /** SERVALINSTANCE_PATH, default /etc/serval */
  instance: string;
  /** SERVAL_RUN_PATH; default the instance dir when SERVALINSTANCE_PATH is set, else /var/run/serval */
  run: string;
  /** SERVAL_CONFIG_FILE, default <instance>/serval.conf */
  configFile: string;
  /** <instance>/serval.keyring */
  keyring: string;
  /** <run>/servald.pid */
  pidFile: string;
  /** <run>/servald.log: stderr of a daemon started without `foreground` */
  logFile: string;
  /** <run>/servald.lock: flock()ed by the running daemon (one per instance); holds its pid */
  lockFile: string;
}

export function instancePaths(getenv: (name: string) => string | undefined): InstancePaths {
  const inst = getenv("SERVALINSTANCE_PATH") || undefined;
  const instance = trimSlash(inst ?? "/etc/serval");
  const run = trimSlash(getenv("SERVAL_RUN_PATH") || (inst ? instance : "/var/run/serval"));
  return {
    instance,
    run,
    configFile: getenv("SERVAL_CONFIG_FILE") || `${instance}/serval.conf`,
    keyring: `${instance}/serval.keyring`,
    pidFile: `${run}/servald.pid`,
    logFile: `${run}/servald.log`,
    lockFile: `${run}/servald.lock`,
  };
}

function trimSlash(p: string): string {
  return p.length > 1 ? p.replace(/\/+$/, "") : p;
}
