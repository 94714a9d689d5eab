// The view of the image: the viewport with the stage (the <img> and the SVG overlay scaled together)
// and the fit, zoom and pan that place the stage. Zoom and pan move the stage only: what is stored never
// depends on them, and only a new scale redraws the overlay.

import { el } from "/static/js/dom.js";
import { render, svg } from "./drawing.js";

const MAX_HEIGHT = 600;

export function buildView(s) {
  const viewport = el("div", "lw-image-viewport");
  const stage = el("div", "lw-image-stage");
  const img = el("img", "lw-image-img");
  img.alt = "";
  img.draggable = false;
  const overlay = svg("svg", { class: "lw-image-overlay", preserveAspectRatio: "none" });
  const shapesLayer = svg("g", { class: "lw-shapes" });
  const handlesLayer = svg("g", { class: "lw-handles" });
  const draftLayer = svg("g", { class: "lw-draft" });
  overlay.append(shapesLayer, handlesLayer, draftLayer);
  stage.append(img, overlay);
  viewport.appendChild(stage);
  Object.assign(s, { viewport, stage, img, overlay, shapesLayer, handlesLayer, draftLayer });
  return viewport;
}

export function applyView(s) {
  const { size, viewport, stage, scale } = s;
  if (!size) return;
  const vw = viewport.clientWidth;
  const vh = viewport.clientHeight;
  const sw = size.w * scale;
  const sh = size.h * scale;
  s.ox = sw <= vw ? (vw - sw) / 2 : Math.min(0, Math.max(vw - sw, s.ox));
  s.oy = sh <= vh ? (vh - sh) / 2 : Math.min(0, Math.max(vh - sh, s.oy));
  stage.style.width = `${sw}px`;
  stage.style.height = `${sh}px`;
  stage.style.left = `${s.ox}px`;
  stage.style.top = `${s.oy}px`;
  s.zoomText.textContent = `${Math.round((scale / s.fitScale) * 100)}%`;
  // The overlay scales with the stage (its viewBox is in image pixels): only a new scale changes
  // what is drawn (handle and key point sizes); a pan moves the stage alone.
  if (scale !== s.drawnScale) render(s);
  s.editor.layoutChanged && s.editor.layoutChanged();
}

// The fit scale for the viewport's width (and at most MAX_HEIGHT tall), which sets the viewport height.
function measureFit(s) {
  const vw = s.viewport.clientWidth || 800;
  s.fitScale = Math.min(vw / s.size.w, MAX_HEIGHT / s.size.h);
  s.viewport.style.height = `${Math.round(s.size.h * s.fitScale)}px`;
}

export function fitToScreen(s) {
  if (!s.size) return;
  measureFit(s);
  s.scale = s.fitScale;
  applyView(s);
}

// Zoom by `factor` keeping the image point under (sx, sy) (viewport pixels) where it is.
export function zoomBy(s, factor, sx, sy) {
  if (!s.size) return;
  const vw = s.viewport.clientWidth;
  const vh = s.viewport.clientHeight;
  const px = sx === undefined ? vw / 2 : sx;
  const py = sy === undefined ? vh / 2 : sy;
  const next = Math.min(s.fitScale * 32, Math.max(s.fitScale * 0.25, s.scale * factor));
  const nx = (px - s.ox) / s.scale;
  const ny = (py - s.oy) / s.scale;
  s.scale = next;
  s.ox = px - nx * s.scale;
  s.oy = py - ny * s.scale;
  applyView(s);
}

export function panBy(s, dx, dy) {
  s.ox += dx;
  s.oy += dy;
  applyView(s);
}

// The wheel zooms around the pointer unless the config says zoom="false" (then it scrolls the page as
// usual); a resize refits and keeps the zoom level. Returns the teardown.
export function bindView(s) {
  const { viewport } = s;
  const wheelZooms = !/^false$/i.test(String(s.tag.attrs.zoom || ""));
  function onWheel(event) {
    if (!s.size || !wheelZooms) return;
    event.preventDefault();
    const r = viewport.getBoundingClientRect();
    zoomBy(s, Math.exp(-event.deltaY * 0.0015), event.clientX - r.left, event.clientY - r.top);
  }
  viewport.addEventListener("wheel", onWheel, { passive: false });
  const observer = new ResizeObserver(() => {
    if (!s.size) return;
    const zoom = s.scale / s.fitScale;
    measureFit(s);
    s.scale = s.fitScale * zoom;
    applyView(s);
  });
  observer.observe(s.root);
  return () => observer.disconnect();
}
