// Polygons take several gestures, so they have their own state (`s.poly` while one is being built,
// `s.vertex` for the point clicked last): each click adds a point, a click on the first point (or
// Enter) closes it, Backspace drops the last point or deletes the clicked point of a saved one.

import * as S from "../tags/shapes.js";
import { HANDLE, render } from "./drawing.js";
import { commitGeometry, create, itemOf } from "./regions.js";

export function polygonClick(s, p, target, what) {
  if (!s.poly) {
    s.poly = { kind: "polygon", entries: what.entries, points: [p], cursor: null };
    render(s);
    return;
  }
  const first = s.poly.points[0];
  const near = Math.hypot(p[0] - first[0], p[1] - first[1]) * s.scale <= HANDLE;
  if ((near || (target && target.closest("[data-draft-vertex='0']"))) && s.poly.points.length >= 3) return closePolygon(s);
  s.poly.points.push([s.clampX(p[0]), s.clampY(p[1])]);
  render(s);
}

export function closePolygon(s) {
  if (!s.poly || s.poly.points.length < 3) return false;
  const { entries, points } = s.poly;
  s.poly = null;
  create(s, "polygon", entries, { points, closed: true });
  render(s);
  return true;
}

export function cancelPolygon(s) {
  if (!s.poly) return false;
  s.poly = null;
  render(s);
  return true;
}

export function deleteVertex(s, id, i) {
  const found = itemOf(s, id);
  if (!found || found.kind !== "polygon" || s.store.isLocked(id)) return false;
  const g = S.toPixels("polygon", found.item.value, s.size);
  if (g.points.length <= 3) {
    s.editor.message("A polygon keeps at least 3 points.");
    return true;
  }
  g.points.splice(i, 1);
  s.vertex = null;
  commitGeometry(s, id, "polygon", g);
  return true;
}

// Backspace / Delete: the last point of the polygon being built, else the clicked point of the selected one.
export function dropPoint(s) {
  const { poly, vertex } = s;
  if (poly && poly.points.length > 1) {
    poly.points.pop();
    render(s);
    return true;
  }
  if (vertex && s.store.selected === vertex.id) return deleteVertex(s, vertex.id, vertex.index);
  return false;
}
