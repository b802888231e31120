// `servald route print [--json]`: the daemon's route table in Serval DNA's
// format (SID:flags:interface:next hop:prior hop).
import { registerCommand } from "./registry.js";
import { fetchRoutes } from "./id.js";
import { routeJson, routeTableText } from "../client/route-format.js";
import { print } from "../platform/proc.js";

registerCommand({
  words: ["route", "print"],
  usage: "route print [--json]",
  summary: "print the routing table",
  flags: ["json"],
  async run(args) {
    const routes = await fetchRoutes();
    if (args.flags.has("json")) print(JSON.stringify(routes.map(routeJson)) + "\n");
    else print(routeTableText(routes));
    return 0;
  },
});
