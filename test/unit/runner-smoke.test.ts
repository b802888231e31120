import { test } from "uvu";
import * as assert from "uvu/assert";

test("the test runner bundles TypeScript and counts results", () => {
  const n: number = [1, 2, 3].reduce((a, b) => a + b, 0);
  assert.is(n, 6);
});

test.run();
