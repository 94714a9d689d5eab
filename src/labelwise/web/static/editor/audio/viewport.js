// The part of the recording on screen: zoom (pixels per second, from "whole file fits" up to a cap),
// the scroll position and the scroll bar under the ruler (its spacer is as wide as the whole recording
// at this zoom), and the repaint of everything drawn for the current view.

import { el } from "/static/js/dom.js";
import { drawRegions } from "./segments.js";
import { drawRuler, drawWave } from "./waveform.js";

const MAX_PX_PER_SEC = 2000;

export function buildScroll(s) {
  const scroll = el("div", "lw-audio-scroll");
  const spacer = el("div", "lw-audio-spacer");
  scroll.appendChild(spacer);
  Object.assign(s, { scroll, spacer });
  return scroll;
}

export function draw(s) {
  if (s.destroyed || s.mediaError) return;
  drawWave(s);
  drawRuler(s);
  drawRegions(s);
  if (s.editor.layoutChanged) s.editor.layoutChanged();
  s.placeLine(s.cursor, s.now());
  if (s.markAt !== null) s.placeLine(s.mark, s.markAt);
  else s.mark.hidden = true;
}

export function layout(s) {
  if (!s.duration) return;
  const { scroll } = s;
  s.pxPerSec = Math.max(s.fit(), Math.min(MAX_PX_PER_SEC, s.pxPerSec || s.fit()));
  s.viewStart = Math.max(0, Math.min(s.duration - s.viewDuration(), s.viewStart));
  s.spacer.style.width = `${Math.ceil(s.duration * s.pxPerSec)}px`;
  scroll.hidden = s.pxPerSec <= s.fit() * 1.0001;
  if (Math.abs(scroll.scrollLeft - s.viewStart * s.pxPerSec) > 1) scroll.scrollLeft = s.viewStart * s.pxPerSec;
  const factor = s.pxPerSec / s.fit();
  s.zoomLabel.textContent = `${factor < 10 ? Math.round(factor * 10) / 10 : Math.round(factor)}×`;
  s.zoomOut.disabled = factor <= 1.0001;
  s.zoomIn.disabled = s.pxPerSec >= MAX_PX_PER_SEC;
  draw(s);
}

// Zooms by `factor`, keeping time `anchor` at the same place on screen.
export function zoom(s, factor, anchor) {
  if (!s.duration) return;
  const t = anchor === undefined ? s.viewStart + s.viewDuration() / 2 : anchor;
  const x = s.xOf(t);
  s.pxPerSec = Math.max(s.fit(), Math.min(MAX_PX_PER_SEC, s.pxPerSec * factor));
  s.viewStart = t - x / s.pxPerSec;
  layout(s);
}

// The playhead stays put when it is on screen; otherwise the middle of the view does.
export function zoomKey(s, factor) {
  const t = s.now();
  zoom(s, factor, t >= s.viewStart && t <= s.viewStart + s.viewDuration() ? t : undefined);
}

export function reveal(s, t, end = t) {
  const span = s.viewDuration();
  if (t >= s.viewStart && end <= s.viewStart + span) return;
  s.viewStart = end - t > span ? t : t - span * 0.1;
  layout(s);
}

// Ctrl+wheel zooms around the pointer, a sideways (or Shift+) wheel scrolls; the scroll bar scrolls; a
// resize keeps "fit" when the whole file was shown. Returns the teardown.
export function bindViewport(s) {
  const { view, scroll } = s;
  function onWheel(event) {
    if (!s.duration) return;
    if (event.ctrlKey || event.metaKey) {
      event.preventDefault();
      zoom(s, Math.pow(2, -event.deltaY / 250), s.timeAt(event.clientX));
      return;
    }
    const dx = event.deltaX || (event.shiftKey ? event.deltaY : 0);
    if (!dx || scroll.hidden) return;
    event.preventDefault();
    s.viewStart += dx / s.pxPerSec;
    layout(s);
  }
  function onScroll() {
    const next = scroll.scrollLeft / s.pxPerSec;
    if (Math.abs(next - s.viewStart) * s.pxPerSec > 1) {
      s.viewStart = next;
      layout(s);
    }
  }
  view.addEventListener("wheel", onWheel, { passive: false });
  scroll.addEventListener("scroll", onScroll);
  const resize = new ResizeObserver(() => {
    if (!s.duration) return;
    const wasFit = scroll.hidden;
    if (wasFit) s.pxPerSec = s.fit();
    layout(s);
  });
  resize.observe(view);
  return () => resize.disconnect();
}
