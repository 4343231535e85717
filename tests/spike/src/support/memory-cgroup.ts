import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const V1_ROOT = '/sys/fs/cgroup/memory';
const V2_ROOT = '/sys/fs/cgroup';

/**
 * A memory cgroup with a hard limit, as a container runtime makes for a pod's container: past the
 * limit the kernel reclaims, then kills. v1 (`memory.limit_in_bytes`) or v2 (`memory.max`).
 */
export class MemoryCgroup {
  private constructor(
    readonly path: string,
    private readonly version: 1 | 2,
  ) {}

  /** Throws one line saying why when this machine cannot make one (no root, no memory controller). */
  static create(name: string, limitBytes: number): MemoryCgroup {
    const v2 =
      existsSync(join(V2_ROOT, 'cgroup.controllers')) &&
      readFileSync(join(V2_ROOT, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('memory');
    const version = existsSync(join(V1_ROOT, 'memory.limit_in_bytes')) ? 1 : v2 ? 2 : undefined;
    if (version === undefined) {
      throw new Error(
        `spike tier cannot run here: no memory cgroup controller (neither ${V1_ROOT} nor cgroup v2 with "memory")`,
      );
    }
    const path = join(version === 1 ? V1_ROOT : V2_ROOT, name);
    try {
      if (version === 2) {
        writeFileSync(join(V2_ROOT, 'cgroup.subtree_control'), '+memory');
      }
      mkdirSync(path, { recursive: true });
      writeFileSync(
        join(path, version === 1 ? 'memory.limit_in_bytes' : 'memory.max'),
        String(limitBytes),
      );
    } catch (error) {
      throw new Error(
        `spike tier cannot run here: cannot create memory cgroup ${path} (needs root): ${(error as Error).message}`,
      );
    }
    return new MemoryCgroup(path, version);
  }

  /** Processes of this group the kernel killed for memory (v1 reports it from Linux 4.13 on). */
  oomKills(): number {
    const text = readFileSync(
      join(this.path, this.version === 1 ? 'memory.oom_control' : 'memory.events'),
      'utf8',
    );
    return Number(/oom_kill (\d+)/.exec(text)?.[1] ?? 0);
  }

  remove(): void {
    try {
      rmdirSync(this.path);
    } catch {
      // Still has a process (a failed run): left for the next run, which reuses it.
    }
  }
}

/** Peak resident memory of a process so far (VmHWM), in bytes. */
export function peakRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}
