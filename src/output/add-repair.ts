import type { RepairName } from './repair-name.js';

/** Appends a repair name unless it is already listed. @internal */
export function addRepair(repairs: RepairName[], repair: RepairName): void {
  if (!repairs.includes(repair)) {
    repairs.push(repair);
  }
}
