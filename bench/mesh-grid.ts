// The namespace grid of the mesh benchmarks (mesh-scale.ts, mesh-cpu-ab.ts):
// ROWS x COLS nodes g<r>_<c>, a veth (own /24) to the right and lower neighbour.
import type { Lab } from "../test/lab/index";

/** Grid shape per node count. */
export const GRIDS: Record<number, [number, number]> = { 9: [3, 3], 10: [2, 5], 25: [5, 5], 35: [5, 7], 40: [5, 8], 50: [5, 10], 100: [10, 10] };

export const gridName = (r: number, c: number): string => `g${r}_${c}`;

/** Creates the grid's nodes and links in `lab`. */
export async function buildGridLab(lab: Lab, rows: number, cols: number): Promise<void> {
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) await lab.node(gridName(r, c));
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      if (c + 1 < cols) await lab.link(gridName(r, c), gridName(r, c + 1));
      if (r + 1 < rows) await lab.link(gridName(r, c), gridName(r + 1, c));
    }
  }
}
