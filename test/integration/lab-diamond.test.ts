// Lab self-test: a diamond (c reachable from a via b or via d), routes follow link state.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Lab } from "../lab/index";

let lab: Lab;
let d: Awaited<ReturnType<Lab["diamond"]>>;

test.before(async () => {
  lab = await Lab.create();
  d = await lab.diamond({}, ["A", "B", "C", "D"]);
  await lab.enableForwarding();
});
test.after(async () => {
  await lab.cleanup();
});

const via = async (from: string, to: string) => (await lab.exec(from, "ip", ["-4", "route", "get", to])).stdout;

test("diamond: four nodes, links A-B, B-C, A-D, D-C", () => {
  const { ab, bc, ad, dc } = d.links;
  assert.equal([ab.a, ab.b, bc.a, bc.b, ad.a, ad.b, dc.a, dc.b], ["A", "B", "B", "C", "A", "D", "D", "C"]);
});

const esc = (ip: string) => new RegExp(`via ${ip.replace(/\./g, "\\.")} `);

test("diamond: A reaches C's D-side address through D, through B while A-D is down, through D again when it is back", async () => {
  const { ab, ad, dc } = d.links;
  const target = dc.ipB; // C's address on the D-C link
  assert.match(await via("A", target), esc(ad.ipB));
  assert.is((await lab.ping("A", target, { count: 2, intervalMs: 50 })).received, 2);
  await lab.setLinkUp(ad, false);
  assert.match(await via("A", target), esc(ab.ipB));
  assert.is((await lab.ping("A", target, { count: 2, intervalMs: 50 })).received, 2);
  await lab.setLinkUp(ad, true);
  assert.match(await via("A", target), esc(ad.ipB));
  assert.is((await lab.ping("A", target, { count: 2, intervalMs: 50 })).received, 2);
});

test.run();
