// Where the run is (section, repetition, step), how long it has taken and how long it has left.
// The plan is an estimate per step; the ETA scales what is left by the pace measured so far.

export class Progress {
  constructor(plan) {
    this.plan = plan; // { [section]: { steps, seconds } } — seconds per step, estimated
    this.done = Object.fromEntries(Object.keys(plan).map((section) => [section, 0]));
    this.startedAtMs = Date.now();
    this.plannedDoneSeconds = 0;
    this.currentSection = undefined;
  }

  get totalSteps() {
    return Object.values(this.plan).reduce((sum, { steps }) => sum + steps, 0);
  }

  get stepsDone() {
    return Object.values(this.done).reduce((sum, count) => sum + count, 0);
  }

  elapsedSeconds() {
    return (Date.now() - this.startedAtMs) / 1000;
  }

  /** Starts the next step of a section and returns the line that announces it. */
  step(section, label) {
    // The step before this one is finished: its estimate joins the pace reckoning.
    this.plannedDoneSeconds += this.plan[this.currentSection]?.seconds ?? 0;
    this.currentSection = section;
    this.done[section] = (this.done[section] ?? 0) + 1;
    return `step ${this.stepsDone}/${this.totalSteps}: ${label}`;
  }

  etaSeconds() {
    let remaining = 0;
    for (const [section, { steps, seconds }] of Object.entries(this.plan)) {
      remaining += Math.max(steps - (this.done[section] ?? 0), 0) * seconds;
    }
    // The step under way is counted as not started.
    remaining += this.plan[this.currentSection]?.seconds ?? 0;
    const elapsed = this.elapsedSeconds();
    const pace =
      this.plannedDoneSeconds > 0
        ? Math.min(Math.max(elapsed / this.plannedDoneSeconds, 0.5), 3)
        : 1;
    return Math.round(remaining * pace);
  }

  /** "123 s, ETA 4 min 10 s" for every log line. */
  stamp() {
    const eta = this.etaSeconds();
    const minutes = Math.floor(eta / 60);
    return `${this.elapsedSeconds().toFixed(0).padStart(3)} s, ETA ${minutes > 0 ? `${minutes} min ` : ''}${eta % 60} s`;
  }
}
