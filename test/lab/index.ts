// Public entry of the network-namespace lab (test-only). See README.md.
export { Lab, sweepStale, creatorPid } from "./lab";
export type { LabOptions, LinkOpts, Link, ExecOpts, SpawnOpts, TcpTransferResult, StreamResult, StreamTransferResult } from "./lab";
export { LabProcess } from "./process";
export type { ExitStatus } from "./process";
export type { DirectionOpts, DirectionShape, LossSpec } from "./shaping";
export { udpProbe } from "./probes";
export type { UdpProbeResult, UdpProbeOpts } from "./probes";
export { labScript, repoRoot, helperBinary, pidAlive } from "./sys";
