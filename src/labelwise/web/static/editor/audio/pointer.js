// The mouse on the waveform: a drag on empty waveform makes a segment (a ghost shows it meanwhile), a
// drag on a segment moves it and on its edges resizes it, a click selects a segment or seeks, and ▶ on
// a segment plays it. A drag changes the screen only and writes the store once, on release.

import { playRegion, seek } from "./playback.js";
import { createSegment, moveRegion } from "./segments.js";
import { draw } from "./viewport.js";

const EDGE_PX = 6; // width of a segment's resize handles

export function bindPointer(s) {
  const { overlay, ghost, store, editor } = s;

  function onPointerDown(event) {
    if (event.button !== 0 || !s.duration) return;
    s.container.focus({ preventScroll: true });
    const target = event.target instanceof Element ? event.target : null;
    const play = target && target.closest(".lw-audio-region-play");
    if (play) {
      event.preventDefault();
      playRegion(s, play.dataset.regionId);
      return;
    }
    const node = target && target.closest(".lw-audio-region");
    const id = node ? node.dataset.regionId : null;
    const item = id ? s.mine().find((it) => it.id === id) : null;
    let kind = "create";
    if (item) {
      const box = node.getBoundingClientRect();
      if (event.clientX - box.left <= EDGE_PX) kind = "start";
      else if (box.right - event.clientX <= EDGE_PX) kind = "end";
      else kind = "move";
    }
    s.drag = { kind, id, node, item, x: event.clientX, t: s.timeAt(event.clientX), moved: false, start: item && item.value.start, end: item && item.value.end };
    overlay.setPointerCapture(event.pointerId);
    event.preventDefault();
  }

  function onPointerMove(event) {
    const { drag } = s;
    if (!drag) return;
    if (!drag.moved && Math.abs(event.clientX - drag.x) < 3) return;
    if (editor.readOnly || (drag.item && store.isLocked(drag.id))) return;
    drag.moved = true;
    const t = s.timeAt(event.clientX);
    if (drag.kind === "create") {
      const a = Math.min(drag.t, t);
      const b = Math.max(drag.t, t);
      ghost.hidden = false;
      ghost.style.left = `${s.xOf(a)}px`;
      ghost.style.width = `${s.xOf(b) - s.xOf(a)}px`;
      return;
    }
    const { item } = drag;
    let start = item.value.start;
    let end = item.value.end;
    if (drag.kind === "move") {
      const length = end - start;
      start = Math.max(0, Math.min(s.duration - length, start + (t - drag.t)));
      end = start + length;
    } else if (drag.kind === "start") start = Math.min(t, end);
    else end = Math.max(t, start);
    drag.start = start;
    drag.end = end;
    drag.node.style.left = `${s.xOf(start)}px`;
    drag.node.style.width = `${Math.max(2, s.xOf(end) - s.xOf(start))}px`;
  }

  function onPointerUp(event) {
    const current = s.drag;
    s.drag = null;
    if (!current) return;
    ghost.hidden = true;
    if (overlay.hasPointerCapture(event.pointerId)) overlay.releasePointerCapture(event.pointerId);
    if (!current.moved) {
      if (current.id) editor.pick(current.id);
      else {
        seek(s, current.t);
        if (!editor.relating()) store.select(null);
      }
      return;
    }
    if (current.kind === "create") createSegment(s, current.t, s.timeAt(event.clientX));
    else if (current.end - current.start > 0) {
      moveRegion(s, current.id, current.start, current.end);
      if (store.selected !== current.id) editor.pick(current.id);
    } else draw(s);
  }

  overlay.addEventListener("pointerdown", onPointerDown);
  overlay.addEventListener("pointermove", onPointerMove);
  overlay.addEventListener("pointerup", onPointerUp);
  overlay.addEventListener("pointercancel", onPointerUp);
}
