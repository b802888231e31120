// The 200-node grid (10x20, 28 hops corner to corner) of mdp-sim-scale.test.ts,
// in a file of its own: ~90 s on an idle 2-core machine.
process.env.SCALE_SIZES = "200";
await import("./mdp-sim-scale.test");
export {};
