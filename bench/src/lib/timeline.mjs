import { round } from './stats.mjs';

/** Per-second samples (throughput, p99) of every measured phase, on the run's own clock, for the chart. */
export class Timeline {
  constructor(startedAtMs) {
    this.startedAtMs = startedAtMs;
    this.samples = [];
    this.steps = [];
  }

  now() {
    return round((Date.now() - this.startedAtMs) / 1000, 1);
  }

  /** A step of the run (phase, repetition) begins; the previous one ends here. */
  step(section, label) {
    this.endStep();
    this.steps.push({ section, label, start: this.now(), end: null });
  }

  endStep() {
    const last = this.steps.at(-1);
    if (last && last.end === null) {
      last.end = this.now();
    }
  }

  /** One second of one series: `rate` per second (2xx, stored, received), `p99` ms when known. */
  record({ series, rate, p99 = null, atMs }) {
    const t = atMs === undefined ? this.now() : round((atMs - this.startedAtMs) / 1000, 1);
    this.samples.push({ t, series, rate, p99: round(p99, 1) });
  }

  toJSON() {
    return { samples: this.samples, steps: this.steps };
  }
}
