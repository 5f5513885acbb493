/**
 * The ids of the cores users registered (`registerCore`), in order. A light module (no
 * TensorFlow.js), so that loading a user's module can tell which cores it added without loading
 * the cores themselves.
 */
const REGISTERED: string[] = [];

export function noteRegisteredCore(id: string): void {
  REGISTERED.push(id);
}

export function registeredCoreIds(): readonly string[] {
  return [...REGISTERED];
}
