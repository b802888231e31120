// The `serval` ubus object (luci-app-serval's rpcd plugin) in the real LuCI
// root, without a browser: serval-mesh and luci-app-serval installed by the
// real opkg, rpcd running, a neighbour servald on a veth
// (test/openwrt/luci/ubus.sh, driven by test/openwrt/luci.ts).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { missing, prepare, results, start } from "../openwrt/luci";

const why = missing();
if (why) {
  console.log(`SKIPPED: luci-app-serval ubus suite: ${why}`);
  test("luci-app-serval ubus suite: prerequisites", () => assert.unreachable(why));
} else {
  const t0 = Date.now();
  const prepared = prepare();
  console.log(`# built in ${((Date.now() - t0) / 1000).toFixed(0)} s; running test/openwrt/luci/ubus.sh`);
  const transcript = await start("ubus", prepared).done;
  console.log(`# ubus suite: ${((Date.now() - t0) / 1000).toFixed(0)} s in all`);
  const { got, expected } = results(transcript, "ubus");
  assert.ok(expected.length > 25, "ubus.sh names its checks");
  test("ubus: scenario ran to the end", () => {
    assert.ok(/^DONE$/m.test(transcript), "the scenario stopped early (see the transcript above)");
  });
  for (const name of expected) {
    test(`ubus: ${name}`, () => {
      const r = got.get(name);
      assert.ok(r !== undefined, `no RESULT line for ${name}`);
      assert.is(r, "PASS", `${name}: ${r}`);
    });
  }
}
test.run();
