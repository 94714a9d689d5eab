// One mounted <Audio>'s shared state: its config, its elements (set by the parts that build them) and
// what changes while it runs (duration, zoom, scroll, playback, the gesture under way). Every part of
// the tag reads and writes this one object instead of a closure's variables, so what is shared is
// visible in one place; the time <-> pixel mapping of the current view lives here too.

import { regionsOf } from "../spans.js";
import { TagState } from "../tagstate.js";
import { validSegment } from "./lanes.js";

const WAVE_HEIGHT = 128;

export class AudioState extends TagState {
  constructor(ctx) {
    super(ctx);
    const { tag } = ctx;
    this.url = ctx.value(tag.value || `$${tag.value_key}`);
    // Label Studio's attributes, whatever their case: defaultSpeed, defaultZoom, defaultVolume, height,
    // hotkey (play/pause), and the older zoom/speed/volume="false" that hide those controls.
    this.attrs = Object.fromEntries(Object.entries(tag.attrs || {}).map(([k, v]) => [k.toLowerCase(), v]));
    this.waveHeight = Math.round(this.number("height", 48, 400, WAVE_HEIGHT));
    this.startRate = this.number("defaultspeed", 0.5, 2, 1);

    this.duration = 0;
    this.peaks = null; // {rate, levels}
    this.blobUrl = null;
    this.mediaError = null;
    this.destroyed = false;
    this.pxPerSec = 0; // 0 until the duration is known: fit
    this.viewStart = 0;
    this.stopAt = null; // end of the segment being played
    this.markAt = null; // start of a segment made at the playhead
    this.frame = 0;
    this.drag = null;
  }

  number(key, lo, hi, fallback) {
    const n = parseFloat(this.attrs[key]);
    return Number.isFinite(n) ? Math.max(lo, Math.min(hi, n)) : fallback;
  }

  off(key) {
    return /^(false|0|no)$/i.test(String(this.attrs[key] ?? "").trim());
  }

  width() {
    return Math.max(1, this.view.clientWidth);
  }

  fit() {
    return this.duration > 0 ? this.width() / this.duration : 1;
  }

  viewDuration() {
    return this.duration > 0 ? this.width() / this.pxPerSec : 0;
  }

  xOf(t) {
    return ((t - this.viewStart) / this.viewDuration()) * this.width();
  }

  timeAt(clientX) {
    const box = this.view.getBoundingClientRect();
    const t = this.viewStart + ((clientX - box.left) / box.width) * this.viewDuration();
    return Math.max(0, Math.min(this.duration, t));
  }

  now() {
    return Number.isFinite(this.audio.currentTime) ? this.audio.currentTime : 0;
  }

  // This object's segments (regions of the Labels controls that point here, with a valid time span).
  mine() {
    return regionsOf(this.store, this.name).filter((item) => validSegment(item.value));
  }

  // A vertical line (the playhead, the mark) at time t, hidden when off screen.
  placeLine(node, t) {
    const x = this.xOf(t);
    node.hidden = !(this.duration > 0 && x >= 0 && x <= this.width());
    node.style.transform = `translateX(${x}px)`;
  }
}
