// The waveform area: the canvas the peaks are drawn on, the elements layered over it (segments overlay,
// drag ghost, mark and playhead lines, the loading status) and the time ruler under it. Drawing reads
// the peak pyramid at about one block per pixel column, so it costs the same at any zoom.

import { peakAt } from "../peaks.js";
import { el } from "/static/js/dom.js";
import { clock } from "./time.js";

const RULER_HEIGHT = 18;

export function buildWaveform(s) {
  const view = el("div", "lw-audio-view");
  const canvas = el("canvas", "lw-audio-wave");
  canvas.setAttribute("aria-hidden", "true");
  const overlay = el("div", "lw-audio-overlay");
  const cursor = el("div", "lw-audio-cursor");
  const mark = el("div", "lw-audio-mark");
  mark.hidden = true;
  const ghost = el("div", "lw-audio-ghost");
  ghost.hidden = true;
  const status = el("div", "lw-audio-status", "Loading audio…");
  status.setAttribute("role", "status");
  view.append(canvas, overlay, ghost, mark, cursor, status);
  const ruler = el("canvas", "lw-audio-ruler");
  ruler.setAttribute("aria-hidden", "true");
  Object.assign(s, { view, canvas, overlay, cursor, mark, ghost, status, ruler });
  return { view, ruler };
}

function sizeCanvas(s, target, cssHeight) {
  const ratio = window.devicePixelRatio || 1;
  const w = Math.round(s.width() * ratio);
  const h = Math.round(cssHeight * ratio);
  if (target.width !== w || target.height !== h) {
    target.width = w;
    target.height = h;
  }
  return { w, h, ratio };
}

export function drawWave(s) {
  const { canvas, peaks, duration } = s;
  const { w, h } = sizeCanvas(s, canvas, s.waveHeight);
  const g = canvas.getContext("2d");
  const styles = getComputedStyle(s.container);
  g.fillStyle = styles.getPropertyValue("--lw-audio-bg").trim() || "#f8f9fa";
  g.fillRect(0, 0, w, h);
  if (!peaks || !duration) return;
  g.fillStyle = styles.getPropertyValue("--lw-audio-wave").trim() || "#4c6ef5";
  const mid = h / 2;
  const perPixel = (s.viewDuration() * peaks.rate) / w;
  const first = s.viewStart * peaks.rate;
  for (let x = 0; x < w; x += 1) {
    const a = first + x * perPixel;
    const [lo, hi] = peakAt(peaks.levels, a, a + perPixel);
    if (lo > hi) continue;
    const top = mid - hi * mid;
    const bottom = mid - lo * mid;
    g.fillRect(x, top, 1, Math.max(1, bottom - top));
  }
}

export function drawRuler(s) {
  const { ruler, viewStart } = s;
  const { w, h, ratio } = sizeCanvas(s, ruler, RULER_HEIGHT);
  const g = ruler.getContext("2d");
  g.clearRect(0, 0, w, h);
  if (!s.duration) return;
  const styles = getComputedStyle(s.container);
  g.fillStyle = styles.getPropertyValue("--lw-audio-ruler").trim() || "#868e96";
  g.font = `${10 * ratio}px system-ui, sans-serif`;
  const span = s.viewDuration();
  const steps = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];
  const step = steps.find((st) => (st / span) * s.width() >= 80) || 3600;
  for (let t = Math.floor(viewStart / step) * step; t <= viewStart + span; t += step) {
    const x = s.xOf(t) * ratio;
    if (x < 0) continue;
    g.fillRect(x, 0, ratio, 5 * ratio);
    g.fillText(clock(t).replace(/\.?0+$/, "") || "0", x + 3 * ratio, 14 * ratio);
  }
}
