// lead_time: the seconds an annotator actively spent on the task on screen. The clock pauses while
// the tab is hidden (another tab, a minimised window, a locked screen), so a task left open over
// lunch does not count an hour. One timer lives as long as the page; `reset` starts each task.

export class LeadTimer {
  constructor() {
    this.base = 0;
    this.since = null;
    this._visibility = () => {
      if (document.hidden) this._pause();
      else if (this.since === null && this.running) this.since = performance.now();
    };
    this.running = false;
    document.addEventListener("visibilitychange", this._visibility);
  }

  // Start counting a task, from `base` seconds already spent on it (a restored draft's lead_time).
  reset(base = 0) {
    this.base = Number.isFinite(base) && base > 0 ? base : 0;
    this.running = true;
    this.since = document.hidden ? null : performance.now();
  }

  stop() {
    this._pause();
    this.running = false;
  }

  seconds() {
    const live = this.since === null ? 0 : (performance.now() - this.since) / 1000;
    return Math.round((this.base + live) * 1000) / 1000;
  }

  _pause() {
    if (this.since !== null) this.base += (performance.now() - this.since) / 1000;
    this.since = null;
  }
}
