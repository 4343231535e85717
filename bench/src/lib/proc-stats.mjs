import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

// Linux reports process CPU time in clock ticks of 1/100 s (getconf CLK_TCK).
const TICKS_PER_SECOND = 100;

/** User + system CPU seconds a process has used so far, from its own kernel accounting. */
export function cpuSeconds(pid) {
  const fields = statFields(pid);
  // utime and stime are fields 14 and 15 of proc(5).
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** Resident set size in MiB (VmRSS). */
export function rssMiB(pid) {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : 0;
}

function statFields(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the ")" that closes the command name, so field N of proc(5) is index N - 3.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/**
 * CPU seconds of a PostgreSQL server: the postmaster, its live backends, and the time of the
 * children it has already reaped (cutime + cstime), so closed connections still count.
 */
export function postgresCpuSeconds(dataDir) {
  let postmaster;
  try {
    postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return 0;
  }
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    try {
      const fields = statFields(entry);
      const pid = Number(entry);
      if (pid === postmaster) {
        total += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
      } else if (Number(fields[1]) === postmaster) {
        total += Number(fields[11]) + Number(fields[12]);
      }
    } catch {
      // exited meanwhile
    }
  }
  return total / TICKS_PER_SECOND;
}

/** Whole-machine CPU ticks from /proc/stat: busy (incl. interrupts), idle (incl. I/O wait) and steal. */
export function machineTicks() {
  const fields = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields;
  return { busy: user + nice + system + irq + softirq, idle: idle + iowait, steal };
}
