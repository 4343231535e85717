import { setTimeout as sleep } from 'node:timers/promises';

// Standard streams stay open until the process ends; they are not leaks.
const STDIO = new Set(['TTYWrap', 'PipeWrap']);

/**
 * Waits (up to maxMs) for sockets that are closing to finish, then names what would still keep
 * the process alive. Empty means the process would end on its own, without process.exit.
 */
export async function lingeringHandles(maxMs: number): Promise<string[]> {
  const deadline = Date.now() + maxMs;
  const open = () => process.getActiveResourcesInfo().filter((resource) => !STDIO.has(resource));
  // The sleep's own timer shows up as 'Timeout' while we wait; it is gone when we look.
  while (open().length > 0 && Date.now() < deadline) {
    await sleep(10);
  }
  return open();
}
