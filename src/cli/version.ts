// `servald version`: package version, engine version, build id.
import { engineVersion, print } from "../platform/proc";
import { registerCommand } from "./registry";

registerCommand({
  words: ["version"],
  usage: "version",
  summary: "show servald version, engine version and build id",
  run() {
    print(`servald ${__SERVAL_VERSION__}\nengine ${engineVersion}\nbuild ${__SERVAL_BUILD_ID__}\n`);
    return 0;
  },
});
