// Drawing on the SVG overlay, whose user units are the image's natural pixels: every shape region of
// the page shown (hidden ones skipped, the selected one on top with its handles), then the shape being
// drawn and the polygon being built. Sizes meant in screen pixels (handles, key points) go through
// the current scale, so a new zoom redraws and a pan does not.

import { labelColor } from "../spans.js";
import * as S from "../tags/shapes.js";
import { firstLabels, geometryOf, itemsHere } from "./regions.js";

const SVG = "http://www.w3.org/2000/svg";
export const HANDLE = 9; // screen pixels

export function svg(name, attrs = {}) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

function shapeElement(s, kind, g) {
  if (kind === "rectangle") return svg("rect", { x: g.x, y: g.y, width: Math.max(g.w, 0), height: Math.max(g.h, 0), transform: `rotate(${g.rotation} ${g.x} ${g.y})` });
  if (kind === "ellipse") return svg("ellipse", { cx: g.x, cy: g.y, rx: Math.max(g.rx, 0), ry: Math.max(g.ry, 0), transform: `rotate(${g.rotation} ${g.x} ${g.y})` });
  if (kind === "keypoint") return svg("circle", { cx: g.x, cy: g.y, r: Math.max(s.px(5), g.width || 0) });
  const points = g.points.map((p) => p.join(",")).join(" ");
  return svg(g.closed === false ? "polyline" : "polygon", { points });
}

function handle(s, x, y, attrs) {
  const size = s.px(HANDLE);
  return svg("rect", { x: x - size / 2, y: y - size / 2, width: size, height: size, class: "lw-handle", ...attrs });
}

function drawHandles(s, item, kind, g) {
  const { handlesLayer, vertex } = s;
  if (kind === "rectangle") {
    for (const [hname, u, v] of S.RECT_HANDLES) {
      const [x, y] = S.rectPoint(g, u * g.w, v * g.h);
      handlesLayer.appendChild(handle(s, x, y, { "data-handle": hname, "data-region-id": item.id }));
    }
    const control = s.schema.controls[item.from_name];
    if (control && /^true$/i.test(String(control.attrs.canRotate || ""))) {
      const [tx, ty] = S.rectPoint(g, g.w / 2, 0);
      const [rx, ry] = S.rectPoint(g, g.w / 2, -s.px(24));
      handlesLayer.appendChild(svg("line", { x1: tx, y1: ty, x2: rx, y2: ry, class: "lw-handle-stem" }));
      handlesLayer.appendChild(svg("circle", { cx: rx, cy: ry, r: s.px(6), class: "lw-handle lw-rotate", "data-handle": "rotate", "data-region-id": item.id }));
    }
  } else if (kind === "ellipse") {
    const pts = { e: [g.rx, 0], w: [-g.rx, 0], s: [0, g.ry], n: [0, -g.ry] };
    for (const [hname, [u, v]] of Object.entries(pts)) {
      const [dx, dy] = S.rotate([u, v], g.rotation);
      handlesLayer.appendChild(handle(s, g.x + dx, g.y + dy, { "data-handle": hname, "data-region-id": item.id }));
    }
  } else if (kind === "polygon") {
    const n = g.points.length;
    g.points.forEach((p, i) => {
      const q = g.points[(i + 1) % n];
      handlesLayer.appendChild(svg("line", { x1: p[0], y1: p[1], x2: q[0], y2: q[1], class: "lw-edge", "data-edge": i, "data-region-id": item.id }));
    });
    g.points.forEach((p, i) => {
      const h = handle(s, p[0], p[1], { "data-vertex": i, "data-region-id": item.id });
      if (vertex && vertex.id === item.id && vertex.index === i) h.classList.add("is-current");
      handlesLayer.appendChild(h);
    });
  }
}

export function render(s) {
  const { shapesLayer, handlesLayer, draftLayer, store, schema, editor, drag, poly } = s;
  shapesLayer.replaceChildren();
  handlesLayer.replaceChildren();
  draftLayer.replaceChildren();
  if (!s.size) return;
  s.drawnScale = s.scale;
  const labelsById = firstLabels(s);
  const selected = store.selected;
  const list = itemsHere(s).filter(({ item }) => !store.isHidden(item.id));
  list.sort((a, b) => (a.item.id === selected) - (b.item.id === selected));
  for (const { item, kind } of list) {
    const g = geometryOf(s, item, kind);
    const shape = shapeElement(s, kind, g);
    shape.setAttribute("class", `lw-shape lw-shape-${kind}`);
    shape.dataset.regionId = item.id;
    const color = labelColor(schema, item.from_name, labelsById.get(item.id) || undefined);
    shape.setAttribute("stroke", color);
    shape.setAttribute("fill", color);
    if (item.id === selected) shape.classList.add("is-selected");
    if (item.id === editor.candidate()) shape.classList.add("is-candidate");
    if (item.origin === "prediction") shape.classList.add("is-prediction");
    shapesLayer.appendChild(shape);
    if (item.id === selected && !store.isLocked(item.id) && !editor.readOnly) drawHandles(s, item, kind, g);
  }
  if (drag && drag.mode === "draw") {
    const shape = shapeElement(s, drag.kind, drag.geometry);
    shape.setAttribute("class", "lw-shape lw-draft-shape");
    draftLayer.appendChild(shape);
  }
  if (poly) {
    const line = svg("polyline", { points: [...poly.points, ...(poly.cursor ? [poly.cursor] : [])].map((p) => p.join(",")).join(" "), class: "lw-shape lw-draft-shape" });
    draftLayer.appendChild(line);
    poly.points.forEach((p, i) => draftLayer.appendChild(handle(s, p[0], p[1], { class: i === 0 ? "lw-handle lw-first" : "lw-handle", "data-draft-vertex": i })));
  }
}
