import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Figures {
  scenario: string;
  sent: number;
  accepted: number;
  stored: number;
  duplicates: number;
  inDlq: number;
  lost: number;
  durationMs: number;
  /** Scenario-specific evidence that the chaos really happened (kills, outage length, deadlocks…). */
  details: Record<string, string | number | boolean>;
}

/** One clear line per scenario on stdout (outside jest's console capture), and a file for the summary. */
export function report(figures: Figures): void {
  const details = Object.entries(figures.details)
    .map(([key, value]) => `${key}=${value}`)
    .join(' ');
  const line =
    `CHAOS ${figures.scenario.padEnd(22)} sent=${figures.sent} accepted=${figures.accepted} stored=${figures.stored} ` +
    `duplicates=${figures.duplicates} inDlq=${figures.inDlq} lost=${figures.lost} duration=${(figures.durationMs / 1000).toFixed(1)}s | ${details}`;
  process.stdout.write(`\n${line}\n`);
  const directory = process.env.CHAOS_RUN_DIR;
  if (directory) {
    mkdirSync(directory, { recursive: true });
    writeFileSync(join(directory, `${figures.scenario}.json`), JSON.stringify(figures, null, 2));
  }
}
