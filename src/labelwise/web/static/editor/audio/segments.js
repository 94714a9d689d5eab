// Segments: the regions of the Labels controls that point at this audio, drawn as elements over the
// canvas (the canvas keeps only the waveform), and every way one is made or changed: from a drag, from
// the mark set at the playhead (Enter, then Enter or a label key), or by moving and resizing.

import { createFromArmed, createRegion, labelColor, labelsOf, armedFor } from "../spans.js";
import { button, el } from "/static/js/dom.js";
import { lanesOf, validSegment } from "./lanes.js";
import { clock, round } from "./time.js";

export function drawRegions(s) {
  const { store, schema, editor } = s;
  const regions = s.mine();
  const { lane, count } = lanesOf(regions);
  const span = s.viewDuration();
  const fragment = document.createDocumentFragment();
  for (const item of regions) {
    const { start, end } = item.value;
    if (!s.duration || end < s.viewStart || start > s.viewStart + span) continue;
    const node = el("div", "lw-audio-region");
    node.dataset.regionId = item.id;
    node.style.left = `${s.xOf(start)}px`;
    node.style.width = `${Math.max(2, s.xOf(end) - s.xOf(start))}px`;
    node.style.top = `${(lane.get(item.id) / count) * 100}%`;
    node.style.height = `${100 / count}%`;
    node.style.setProperty("--lw-label-color", labelColor(schema, item.from_name, labelsOf(item)[0]));
    if (item.id === store.selected) node.classList.add("is-selected");
    if (editor.candidate && item.id === editor.candidate()) node.classList.add("is-candidate");
    if (item.origin === "prediction") node.classList.add("is-prediction");
    const labels = store.items().filter((it) => it.id === item.id).flatMap(labelsOf);
    node.title = `${labels.join(", ")} ${clock(start)}–${clock(end)}`;
    const caption = el("span", "lw-audio-region-label", labels.join(", "));
    const play = button("lw-audio-region-play", "▶", "Play this segment");
    play.tabIndex = -1;
    play.dataset.regionId = item.id;
    node.append(el("span", "lw-audio-handle is-start"), play, caption, el("span", "lw-audio-handle is-end"));
    fragment.appendChild(node);
  }
  s.overlay.replaceChildren(fragment);
}

function segmentValue(s, a, b) {
  const start = Math.max(0, Math.min(a, b));
  const end = Math.min(s.duration, Math.max(a, b));
  return { start: round(start), end: round(end), channel: 0 };
}

function finishCreate(s, id) {
  if (!id) return null;
  s.store.update(id, { original_length: round(s.duration) });
  return id;
}

// With the armed labels of every Labels control on this object; a message when none is armed.
export function createSegment(s, a, b, control = null, values = null) {
  const { store, editor } = s;
  if (editor.readOnly || !s.duration) return null;
  const span = segmentValue(s, a, b);
  if (span.end - span.start <= 0) return null;
  if (!control && !armedFor(store, s.schema, s.name).length) {
    editor.message("Choose a label first (click it or press its key), then drag on the waveform.");
    return null;
  }
  const id = store.transaction(() => finishCreate(s, control ? createRegion(s.ctx, span, control, values) : createFromArmed(s.ctx, span)));
  if (id) store.select(id);
  return id;
}

export function moveRegion(s, id, start, end) {
  const { store } = s;
  const items = store.items().filter((it) => it.id === id);
  if (!items.length || store.isLocked(id)) return;
  const region = items.find((it) => it.to_name === s.name && validSegment(it.value));
  const origin = region && region.origin === "prediction" ? "prediction-changed" : region && region.origin;
  store.update(id, { ...(origin ? { origin } : {}), value: { start: round(start), end: round(end) } });
}

export function setMark(s, t) {
  s.markAt = t;
  if (t === null) {
    s.mark.hidden = true;
    s.hint.textContent = "";
  } else {
    s.placeLine(s.mark, t);
    s.hint.textContent = `Segment from ${clock(t)}: Enter (or a label key) at its end, Esc cancels`;
  }
}

// Called by Labels controls for a label key or click: ends a segment started at the playhead.
export function labelSelection(s, control, values) {
  if (s.editor.readOnly || s.markAt === null) return false;
  const start = s.markAt;
  setMark(s, null);
  createSegment(s, start, s.now(), control, values);
  return true;
}

// Enter: the first press marks a start at the playhead, the next ends the segment with the armed labels.
export function markKey(s) {
  const { editor } = s;
  if (editor.relating() || editor.readOnly || !s.duration) return false;
  if (s.markAt === null) {
    setMark(s, s.now());
    return true;
  }
  const start = s.markAt;
  if (!armedFor(s.store, s.schema, s.name).length) {
    editor.message("Choose a label first (click it or press its key), or press a label key to end the segment with it.");
    return true;
  }
  setMark(s, null);
  createSegment(s, start, s.now());
  return true;
}

// [ and ]: the selected segment's start or end moves to the playhead (a keyboard resize).
export function edgeToPlayhead(s, which) {
  const { store } = s;
  const item = store.selected ? s.mine().find((it) => it.id === store.selected) : null;
  if (!item || s.editor.readOnly) return false;
  if (store.isLocked(item.id)) return true;
  const t = s.now();
  const start = which === "start" ? Math.min(t, item.value.end) : item.value.start;
  const end = which === "end" ? Math.max(t, item.value.start) : item.value.end;
  if (end - start > 0) moveRegion(s, item.id, start, end);
  return true;
}
