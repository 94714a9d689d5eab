// Pointer gestures on the image: pan (middle button, or Space held), draw a box or ellipse, click a key
// point or polygon point, select and move a shape, and drag its handles (resize, rotate, a polygon's
// points and edges). A drag changes the screen only (`s.overrides`) and writes the store once on release.

import * as S from "../tags/shapes.js";
import { render } from "./drawing.js";
import { deleteVertex, polygonClick } from "./polygon.js";
import { commitGeometry, create, drawTarget, itemOf } from "./regions.js";
import { applyView } from "./view.js";

function moveShape(s, kind, g, dx, dy) {
  const { size } = s;
  if (kind === "rectangle") return S.moveRect(g, dx, dy, size);
  if (kind === "polygon") {
    const xs = g.points.map((p) => p[0]);
    const ys = g.points.map((p) => p[1]);
    const ddx = Math.min(size.w - Math.max(...xs), Math.max(-Math.min(...xs), dx));
    const ddy = Math.min(size.h - Math.max(...ys), Math.max(-Math.min(...ys), dy));
    return { ...g, points: g.points.map(([x, y]) => [x + ddx, y + ddy]) };
  }
  return { ...g, x: s.clampX(g.x + dx), y: s.clampY(g.y + dy) };
}

function resizeEllipse(g, hname, p) {
  const [u, v] = S.rotate([p[0] - g.x, p[1] - g.y], -g.rotation);
  if (hname === "e" || hname === "w") return { ...g, rx: Math.abs(u) };
  return { ...g, ry: Math.abs(v) };
}

// A press on a handle of the selected shape: which edit it starts.
function startHandle(s, event, handleEl, p) {
  const { store, size, overrides } = s;
  const id = handleEl.dataset.regionId;
  const found = itemOf(s, id);
  if (!found || store.isLocked(id)) return;
  const start = S.toPixels(found.kind, found.item.value, size);
  if (handleEl.dataset.vertex !== undefined) {
    const i = Number(handleEl.dataset.vertex);
    if (event.altKey) return deleteVertex(s, id, i);
    s.vertex = { id, index: i };
    s.drag = { mode: "vertex", id, kind: found.kind, start, index: i, from: p, moved: false };
  } else if (handleEl.dataset.edge !== undefined) {
    const i = Number(handleEl.dataset.edge);
    const points = start.points.slice();
    const q = S.nearestOnSegment(points[i], points[(i + 1) % points.length], p).point;
    points.splice(i + 1, 0, q);
    const grown = { ...start, points };
    s.vertex = { id, index: i + 1 };
    overrides.set(id, grown);
    s.drag = { mode: "vertex", id, kind: found.kind, start: grown, index: i + 1, from: p, moved: true };
  } else if (handleEl.dataset.handle === "rotate") {
    s.drag = { mode: "rotate", id, kind: found.kind, start, angle: S.angleAround(start, p), moved: false };
  } else {
    s.drag = { mode: "resize", id, kind: found.kind, start, handle: handleEl.dataset.handle, moved: false };
  }
  s.overlay.setPointerCapture(event.pointerId);
  render(s);
}

function onPointerDown(s, event) {
  const { store, editor, size, viewport, overlay } = s;
  if (!size) return;
  s.root.focus({ preventScroll: true });
  const vr = viewport.getBoundingClientRect();
  if (event.button === 1 || (event.button === 0 && s.spaceDown)) {
    s.drag = { mode: "pan", x: event.clientX, y: event.clientY, ox: s.ox, oy: s.oy };
    viewport.setPointerCapture(event.pointerId);
    event.preventDefault();
    return;
  }
  if (event.button !== 0 || vr.width === 0) return;
  event.preventDefault();
  const p = s.toImage(event);
  const target = event.target instanceof Element ? event.target : null;
  const writable = !editor.readOnly;
  if (s.poly) return polygonClick(s, p, target);
  const handleEl = target && target.closest("[data-handle], [data-vertex], [data-edge]");
  if (handleEl && writable) return startHandle(s, event, handleEl, p);
  const shapeEl = target && target.closest(".lw-shape[data-region-id]");
  if (shapeEl) {
    const id = shapeEl.dataset.regionId;
    const relating = !!editor.relating();
    editor.pick(id);
    if (relating || !writable || store.isLocked(id)) return;
    const found = itemOf(s, id);
    if (found) {
      s.drag = { mode: "move", id, kind: found.kind, start: S.toPixels(found.kind, found.item.value, size), from: p, moved: false };
      overlay.setPointerCapture(event.pointerId);
    }
    return;
  }
  const what = writable ? drawTarget(s) : null;
  if (!what) {
    s.drag = { mode: "click", from: p };
    return;
  }
  if (what.kind === "polygon") return polygonClick(s, p, target, what);
  if (what.kind === "keypoint") {
    s.drag = { mode: "click", from: p };
    create(s, "keypoint", what.entries, { x: p[0], y: p[1], width: Number(what.entries[0].control.attrs.strokeWidth) || 1 });
    s.drag = null;
    return;
  }
  s.drag = { mode: "draw", kind: what.kind, entries: what.entries, from: p, geometry: what.kind === "ellipse" ? { x: p[0], y: p[1], rx: 0, ry: 0, rotation: 0 } : S.rectFromDrag(p, p, size) };
  overlay.setPointerCapture(event.pointerId);
}

function onPointerMove(s, event) {
  const { size, overrides } = s;
  if (s.poly && size) {
    s.poly.cursor = s.toImage(event);
    render(s);
  }
  const { drag } = s;
  if (!drag || !size) return;
  if (drag.mode === "pan") {
    s.ox = drag.ox + (event.clientX - drag.x);
    s.oy = drag.oy + (event.clientY - drag.y);
    applyView(s);
    return;
  }
  const p = s.toImage(event);
  if (drag.mode === "click") return;
  drag.moved = true;
  if (drag.mode === "draw") {
    if (drag.kind === "ellipse") {
      const [cx, cy] = drag.from;
      drag.geometry = { x: cx, y: cy, rx: Math.abs(p[0] - cx), ry: Math.abs(p[1] - cy), rotation: 0 };
    } else drag.geometry = S.rectFromDrag(drag.from, p, size);
  } else if (drag.mode === "move") {
    const dx = p[0] - drag.from[0];
    const dy = p[1] - drag.from[1];
    overrides.set(drag.id, moveShape(s, drag.kind, drag.start, dx, dy));
  } else if (drag.mode === "resize") {
    overrides.set(drag.id, drag.kind === "ellipse" ? resizeEllipse(drag.start, drag.handle, p) : S.clampRect(S.resizeRect(drag.start, drag.handle, p), size));
  } else if (drag.mode === "rotate") {
    overrides.set(drag.id, S.rotateRect(drag.start, drag.angle, p, drag.start));
  } else if (drag.mode === "vertex") {
    const points = drag.start.points.slice();
    points[drag.index] = [s.clampX(p[0]), s.clampY(p[1])];
    overrides.set(drag.id, { ...drag.start, points });
  }
  render(s);
}

function onPointerUp(s) {
  const { store, editor } = s;
  const gesture = s.drag;
  s.drag = null;
  if (!gesture || !s.size) return;
  if (gesture.mode === "pan") return;
  if (gesture.mode === "click") {
    if (!editor.relating()) store.select(null);
    return;
  }
  if (gesture.mode === "draw") {
    const g = gesture.geometry;
    const big = gesture.kind === "ellipse" ? Math.max(g.rx, g.ry) * s.scale >= 3 : Math.max(g.w, g.h) * s.scale >= 3;
    if (big) create(s, gesture.kind, gesture.entries, g);
    else store.select(null);
    render(s);
    return;
  }
  const g = s.overrides.get(gesture.id);
  s.overrides.delete(gesture.id);
  if (gesture.moved && g) commitGeometry(s, gesture.id, gesture.kind, g);
  else render(s);
}

export function bindPointer(s) {
  const { viewport } = s;
  const up = () => onPointerUp(s);
  viewport.addEventListener("pointerdown", (event) => onPointerDown(s, event));
  viewport.addEventListener("pointermove", (event) => onPointerMove(s, event));
  viewport.addEventListener("pointerup", up);
  viewport.addEventListener("pointercancel", up);
  viewport.addEventListener("pointerenter", () => (s.hovering = true));
  viewport.addEventListener("pointerleave", () => (s.hovering = false));
  viewport.addEventListener("auxclick", (e) => e.preventDefault());
}
