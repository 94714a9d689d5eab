// The geometry of image regions, in the image's natural pixels (what the SVG overlay draws in) and in
// Label Studio's stored form (percent of the image). Pure functions: no DOM, no store.
//
//   rectangle  {x, y, width, height, rotation}  x, y: the top-left corner; rotation (degrees, clockwise)
//              turns the box around that corner, as Label Studio stores it
//   ellipse    {x, y, radiusX, radiusY, rotation}  x, y: the centre
//   polygon    {points: [[x, y], ...], closed: true}
//   keypoint   {x, y, width}

export const SHAPE_KINDS = ["rectangle", "polygon", "keypoint", "ellipse"];

// "rectanglelabels" -> "rectangle"; null for anything that is not an image shape.
export function kindOf(type) {
  const base = String(type || "").toLowerCase().replace(/labels$/, "");
  return SHAPE_KINDS.includes(base) ? base : null;
}

const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
const round = (v) => Math.round(v * 1e6) / 1e6;
const rad = (deg) => (deg * Math.PI) / 180;

export function rotate([x, y], deg) {
  const a = rad(deg);
  return [x * Math.cos(a) - y * Math.sin(a), x * Math.sin(a) + y * Math.cos(a)];
}

// Stored value (percent) -> pixel geometry, and back. `size` is {w, h}, the natural size.
export function toPixels(kind, value, size) {
  const px = (v) => (v / 100) * size.w;
  const py = (v) => (v / 100) * size.h;
  if (kind === "rectangle") return { x: px(value.x), y: py(value.y), w: px(value.width), h: py(value.height), rotation: value.rotation || 0 };
  if (kind === "ellipse") return { x: px(value.x), y: py(value.y), rx: px(value.radiusX), ry: py(value.radiusY), rotation: value.rotation || 0 };
  if (kind === "keypoint") return { x: px(value.x), y: py(value.y), width: value.width || 1 };
  return { points: (value.points || []).map(([x, y]) => [px(x), py(y)]), closed: value.closed !== false };
}

export function toValue(kind, g, size) {
  const vx = (v) => round((v / size.w) * 100);
  const vy = (v) => round((v / size.h) * 100);
  if (kind === "rectangle") {
    return { x: clamp(vx(g.x), 0, 100), y: clamp(vy(g.y), 0, 100), width: vx(g.w), height: vy(g.h), rotation: round(((g.rotation % 360) + 360) % 360) };
  }
  if (kind === "ellipse") {
    return { x: clamp(vx(g.x), 0, 100), y: clamp(vy(g.y), 0, 100), radiusX: vx(g.rx), radiusY: vy(g.ry), rotation: round(((g.rotation % 360) + 360) % 360) };
  }
  if (kind === "keypoint") return { x: clamp(vx(g.x), 0, 100), y: clamp(vy(g.y), 0, 100), width: g.width };
  return { points: g.points.map(([x, y]) => [clamp(vx(x), 0, 100), clamp(vy(y), 0, 100)]), closed: true };
}

// Keeps an unrotated box inside the image (the server refuses x + width > 100 then).
export function clampRect(g, size) {
  if (g.rotation % 360 !== 0) return { ...g, x: clamp(g.x, 0, size.w), y: clamp(g.y, 0, size.h) };
  const x = clamp(g.x, 0, size.w);
  const y = clamp(g.y, 0, size.h);
  return { ...g, x, y, w: clamp(g.w, 0, size.w - x), h: clamp(g.h, 0, size.h - y) };
}

// The box moved by (dx, dy) pixels, kept inside the image when unrotated.
export function moveRect(g, dx, dy, size) {
  if (g.rotation % 360 !== 0) return { ...g, x: clamp(g.x + dx, 0, size.w), y: clamp(g.y + dy, 0, size.h) };
  return { ...g, x: clamp(g.x + dx, 0, size.w - g.w), y: clamp(g.y + dy, 0, size.h - g.h) };
}

// The eight handles of a box in its own frame: [name, u, v] with u, v in 0..1 of width and height.
export const RECT_HANDLES = [
  ["nw", 0, 0], ["n", 0.5, 0], ["ne", 1, 0], ["e", 1, 0.5], ["se", 1, 1], ["s", 0.5, 1], ["sw", 0, 1], ["w", 0, 0.5],
];

// A point of the box given in its own frame (u, v in pixels from the top-left corner), in image pixels.
export function rectPoint(g, u, v) {
  const [rx, ry] = rotate([u, v], g.rotation);
  return [g.x + rx, g.y + ry];
}

export function rectCentre(g) {
  return rectPoint(g, g.w / 2, g.h / 2);
}

// Dragging handle `name` of box `g` to image point `p`: the opposite side stays where it was, in the
// box's own (rotated) frame; dragging past it flips the box rather than giving a negative size.
export function resizeRect(g, name, p) {
  const [lu, lv] = rotate([p[0] - g.x, p[1] - g.y], -g.rotation);
  let u0 = 0, v0 = 0, u1 = g.w, v1 = g.h;
  if (name.includes("w")) u0 = lu;
  if (name.includes("e")) u1 = lu;
  if (name.includes("n")) v0 = lv;
  if (name.includes("s")) v1 = lv;
  const [minU, maxU] = [Math.min(u0, u1), Math.max(u0, u1)];
  const [minV, maxV] = [Math.min(v0, v1), Math.max(v0, v1)];
  const [x, y] = rectPoint(g, minU, minV);
  return { x, y, w: maxU - minU, h: maxV - minV, rotation: g.rotation };
}

// Rotating by the handle: the box turns around its centre on screen (as Label Studio's rotation tool
// does), and the stored corner follows, so the stored rotation stays "around the top-left corner".
export function rotateRect(g, startAngle, p, start) {
  const [cx, cy] = rectCentre(start);
  const angle = (Math.atan2(p[1] - cy, p[0] - cx) * 180) / Math.PI;
  const rotation = start.rotation + (angle - startAngle);
  const [ox, oy] = rotate([start.w / 2, start.h / 2], rotation);
  return { ...g, x: cx - ox, y: cy - oy, rotation };
}

export function angleAround(g, p) {
  const [cx, cy] = rectCentre(g);
  return (Math.atan2(p[1] - cy, p[0] - cx) * 180) / Math.PI;
}

// The box spanned by two corner points (a drag), kept inside the image.
export function rectFromDrag(a, b, size) {
  const x0 = clamp(Math.min(a[0], b[0]), 0, size.w);
  const y0 = clamp(Math.min(a[1], b[1]), 0, size.h);
  const x1 = clamp(Math.max(a[0], b[0]), 0, size.w);
  const y1 = clamp(Math.max(a[1], b[1]), 0, size.h);
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0, rotation: 0 };
}

// The nearest point on segment a-b to p, and its distance.
export function nearestOnSegment(a, b, p) {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len = dx * dx + dy * dy;
  const t = len ? clamp(((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len, 0, 1) : 0;
  const q = [a[0] + t * dx, a[1] + t * dy];
  return { point: q, distance: Math.hypot(p[0] - q[0], p[1] - q[1]) };
}

// A short description of a region for the regions list ("Box 30 × 15 % at 12.5, 20").
export function describe(kind, value) {
  const n = (v) => (typeof v === "number" ? String(Math.round(v * 10) / 10) : "?");
  if (kind === "rectangle") return `Box ${n(value.width)} × ${n(value.height)} % at ${n(value.x)}, ${n(value.y)}${value.rotation ? ` ↻${n(value.rotation)}°` : ""}`;
  if (kind === "ellipse") return `Ellipse at ${n(value.x)}, ${n(value.y)}`;
  if (kind === "keypoint") return `Point at ${n(value.x)}, ${n(value.y)}`;
  if (kind === "polygon") return `Polygon of ${(value.points || []).length} points`;
  return "";
}
