// <Image>: one image (value="$image") or several with a pager (valueList="$images"), zoom (wheel around
// the pointer, +/-, 0 fits), pan (drag with Space held or the middle button; arrow keys while the image
// has focus and no region is selected), brightness and contrast, and an SVG overlay in the image's natural
// pixels on which every shape region is drawn and edited (shapes.js holds the geometry).
//
// Coordinates: the pointer is converted through the overlay's on-screen box, so zoom and pan never change
// what is stored; values are percent of the natural size, which every region also carries as
// original_width / original_height (image_rotation 0). A drag changes the screen only and writes the store
// once on release: one drag, one undo step. A broken or missing image shows a message, sets
// `instance.mediaError` and dispatches `lw-media-error` on the tag's element.

import { labelColor, labelsOf } from "../spans.js";
import * as S from "./shapes.js";
import { button, el } from "/static/js/dom.js";

const SVG = "http://www.w3.org/2000/svg";
const MAX_HEIGHT = 600;
const HANDLE = 9; // screen pixels
const SAFE_URL = /^(https?:|data:image\/|blob:|\/|\.\.?\/|[^:]*$)/i;

function svg(name, attrs = {}) {
  const el = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

export default {
  mount(ctx) {
    const { tag, store, schema, editor } = ctx;
    const name = tag.name;
    const isList = !!tag.value_list_key;
    const raw = isList ? ctx.value(`$${tag.value_list_key}`) : ctx.value(tag.attrs.value);
    const urls = (isList ? (Array.isArray(raw) ? raw : []) : [raw]).map((u) => (typeof u === "string" ? u : u && typeof u === "object" && typeof u.url === "string" ? u.url : ""));
    const shapeControls = () => Object.values(schema.controls || {}).filter((c) => S.kindOf(c.type) && (c.to_name || []).includes(name));

    const root = el("div", "lw-image");
    root.tabIndex = 0;
    root.setAttribute("aria-label", `Image ${name}`);
    const bar = el("div", "lw-image-toolbar");
    const zoomOut = button("lw-icon-button", "−", "Zoom out (-)");
    const zoomIn = button("lw-icon-button", "+", "Zoom in (+)");
    const fit = button("lw-image-fit", "Fit", "Fit to screen (0)");
    const zoomText = el("span", "lw-image-zoom", "100%");
    const slider = (label) => {
      const wrap = el("label", "lw-image-slider");
      wrap.append(el("span", "", label));
      const input = el("input");
      input.type = "range";
      input.min = "0";
      input.max = "200";
      input.value = "100";
      wrap.appendChild(input);
      return [wrap, input];
    };
    const [brightWrap, bright] = slider("Brightness");
    const [contrastWrap, contrast] = slider("Contrast");
    bar.append(zoomOut, zoomText, zoomIn, fit, brightWrap, contrastWrap);
    const prev = button("lw-icon-button", "‹", "Previous image");
    const next = button("lw-icon-button", "›", "Next image");
    const pageText = el("span", "lw-image-page");
    if (isList) bar.append(prev, pageText, next);
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
    const error = el("p", "lw-image-error lw-media-error");
    error.setAttribute("role", "alert");
    error.hidden = true;
    root.append(bar, viewport, error);
    ctx.el.appendChild(root);

    let index = 0;
    let size = null; // natural {w, h} of the current image, once loaded
    let fitScale = 1;
    let scale = 1;
    let drawnScale = 0; // the scale the overlay was last drawn at
    let ox = 0;
    let oy = 0;
    let tool = null; // a bare shape control picked by its button
    let drag = null; // the gesture under way
    let poly = null; // a polygon being built: {kind, entries, points}
    let vertex = null; // {id, index}: the polygon point clicked last (Backspace deletes it)
    let spaceDown = false;
    let hovering = false;
    const overrides = new Map(); // region id -> pixel geometry while it is dragged
    const instance = { element: root, mediaError: null };

    // ---- the view: fit, zoom, pan ----
    function applyView() {
      if (!size) return;
      const vw = viewport.clientWidth;
      const vh = viewport.clientHeight;
      const sw = size.w * scale;
      const sh = size.h * scale;
      ox = sw <= vw ? (vw - sw) / 2 : Math.min(0, Math.max(vw - sw, ox));
      oy = sh <= vh ? (vh - sh) / 2 : Math.min(0, Math.max(vh - sh, oy));
      stage.style.width = `${sw}px`;
      stage.style.height = `${sh}px`;
      stage.style.left = `${ox}px`;
      stage.style.top = `${oy}px`;
      zoomText.textContent = `${Math.round((scale / fitScale) * 100)}%`;
      // The overlay scales with the stage (its viewBox is in image pixels): only a new scale changes
      // what is drawn (handle and key point sizes); a pan moves the stage alone.
      if (scale !== drawnScale) render();
      editor.layoutChanged && editor.layoutChanged();
    }

    function fitToScreen() {
      if (!size) return;
      const vw = viewport.clientWidth || 800;
      fitScale = Math.min(vw / size.w, MAX_HEIGHT / size.h);
      viewport.style.height = `${Math.round(size.h * fitScale)}px`;
      scale = fitScale;
      applyView();
    }

    // Zoom by `factor` keeping the image point under (sx, sy) (viewport pixels) where it is.
    function zoomBy(factor, sx, sy) {
      if (!size) return;
      const vw = viewport.clientWidth;
      const vh = viewport.clientHeight;
      const px = sx === undefined ? vw / 2 : sx;
      const py = sy === undefined ? vh / 2 : sy;
      const next = Math.min(fitScale * 32, Math.max(fitScale * 0.25, scale * factor));
      const nx = (px - ox) / scale;
      const ny = (py - oy) / scale;
      scale = next;
      ox = px - nx * scale;
      oy = py - ny * scale;
      applyView();
    }

    function panBy(dx, dy) {
      ox += dx;
      oy += dy;
      applyView();
    }

    // ---- loading ----
    function fail(message) {
      const url = urls[index] || "";
      instance.mediaError = message;
      error.textContent = message;
      error.hidden = false;
      viewport.hidden = true;
      root.dataset.state = "error";
      ctx.el.dispatchEvent(new CustomEvent("lw-media-error", { bubbles: true, detail: { object: name, url, index, message } }));
    }

    function load(i) {
      index = i;
      size = null;
      poly = null;
      vertex = null;
      instance.mediaError = null;
      error.hidden = true;
      viewport.hidden = false;
      pageText.textContent = `${index + 1} / ${urls.length}`;
      prev.disabled = index <= 0;
      next.disabled = index >= urls.length - 1;
      render();
      const url = urls[index];
      if (!url) {
        const field = tag.value_list_key || String(tag.attrs.value || "").replace(/^\$/, "");
        fail(isList && !urls.length ? `No images in this task (the field "${field}" is empty).` : `No image in this task (the field "${field}" is empty).`);
        return;
      }
      if (!SAFE_URL.test(url)) {
        fail(`This image address is not supported: ${url}`);
        return;
      }
      root.dataset.state = "loading";
      delete root.dataset.loaded;
      img.removeAttribute("src");
      img.src = url;
    }

    function onLoad() {
      if (!img.naturalWidth || !img.naturalHeight) return fail(`The image could not be read: ${urls[index]}`);
      size = { w: img.naturalWidth, h: img.naturalHeight };
      overlay.setAttribute("viewBox", `0 0 ${size.w} ${size.h}`);
      root.dataset.naturalWidth = String(size.w);
      root.dataset.naturalHeight = String(size.h);
      fitToScreen();
      root.dataset.loaded = "true";
      root.dataset.state = "ready";
    }
    function onError() {
      delete root.dataset.loaded;
      fail(`The image could not be loaded: ${urls[index]}`);
    }
    img.addEventListener("load", onLoad);
    img.addEventListener("error", onError);

    // ---- regions ----
    function itemsHere() {
      const seen = new Set();
      const out = [];
      for (const item of store.items()) {
        const kind = S.kindOf(item.type);
        if (!kind || item.to_name !== name || seen.has(item.id) || !item.value) continue;
        if (isList && (item.item_index || 0) !== index) continue;
        seen.add(item.id);
        out.push({ item, kind });
      }
      return out;
    }

    // The first label of every shape region, by id, in one pass over the store (for the colours).
    function firstLabels() {
      const out = new Map();
      for (const it of store.items()) {
        if (!S.kindOf(it.type) || out.get(it.id)) continue;
        const labels = labelsOf(it);
        if (labels.length || !out.has(it.id)) out.set(it.id, labels[0] || null);
      }
      return out;
    }

    function geometryOf(item, kind) {
      return overrides.get(item.id) || S.toPixels(kind, item.value, size);
    }

    const px = (n) => n / scale; // screen pixels -> image pixels

    function shapeElement(kind, g) {
      if (kind === "rectangle") return svg("rect", { x: g.x, y: g.y, width: Math.max(g.w, 0), height: Math.max(g.h, 0), transform: `rotate(${g.rotation} ${g.x} ${g.y})` });
      if (kind === "ellipse") return svg("ellipse", { cx: g.x, cy: g.y, rx: Math.max(g.rx, 0), ry: Math.max(g.ry, 0), transform: `rotate(${g.rotation} ${g.x} ${g.y})` });
      if (kind === "keypoint") return svg("circle", { cx: g.x, cy: g.y, r: Math.max(px(5), g.width || 0) });
      const points = g.points.map((p) => p.join(",")).join(" ");
      return svg(g.closed === false ? "polyline" : "polygon", { points });
    }

    function handle(x, y, attrs) {
      const s = px(HANDLE);
      return svg("rect", { x: x - s / 2, y: y - s / 2, width: s, height: s, class: "lw-handle", ...attrs });
    }

    function drawHandles(item, kind, g) {
      if (kind === "rectangle") {
        for (const [hname, u, v] of S.RECT_HANDLES) {
          const [x, y] = S.rectPoint(g, u * g.w, v * g.h);
          handlesLayer.appendChild(handle(x, y, { "data-handle": hname, "data-region-id": item.id }));
        }
        const control = schema.controls[item.from_name];
        if (control && /^true$/i.test(String(control.attrs.canRotate || ""))) {
          const [tx, ty] = S.rectPoint(g, g.w / 2, 0);
          const [rx, ry] = S.rectPoint(g, g.w / 2, -px(24));
          handlesLayer.appendChild(svg("line", { x1: tx, y1: ty, x2: rx, y2: ry, class: "lw-handle-stem" }));
          handlesLayer.appendChild(svg("circle", { cx: rx, cy: ry, r: px(6), class: "lw-handle lw-rotate", "data-handle": "rotate", "data-region-id": item.id }));
        }
      } else if (kind === "ellipse") {
        const pts = { e: [g.rx, 0], w: [-g.rx, 0], s: [0, g.ry], n: [0, -g.ry] };
        for (const [hname, [u, v]] of Object.entries(pts)) {
          const [dx, dy] = S.rotate([u, v], g.rotation);
          handlesLayer.appendChild(handle(g.x + dx, g.y + dy, { "data-handle": hname, "data-region-id": item.id }));
        }
      } else if (kind === "polygon") {
        const n = g.points.length;
        g.points.forEach((p, i) => {
          const q = g.points[(i + 1) % n];
          handlesLayer.appendChild(svg("line", { x1: p[0], y1: p[1], x2: q[0], y2: q[1], class: "lw-edge", "data-edge": i, "data-region-id": item.id }));
        });
        g.points.forEach((p, i) => {
          const h = handle(p[0], p[1], { "data-vertex": i, "data-region-id": item.id });
          if (vertex && vertex.id === item.id && vertex.index === i) h.classList.add("is-current");
          handlesLayer.appendChild(h);
        });
      }
    }

    function render() {
      shapesLayer.replaceChildren();
      handlesLayer.replaceChildren();
      draftLayer.replaceChildren();
      if (!size) return;
      drawnScale = scale;
      const labelsById = firstLabels();
      const selected = store.selected;
      const list = itemsHere().filter(({ item }) => !store.isHidden(item.id));
      list.sort((a, b) => (a.item.id === selected) - (b.item.id === selected));
      for (const { item, kind } of list) {
        const g = geometryOf(item, kind);
        const shape = shapeElement(kind, g);
        shape.setAttribute("class", `lw-shape lw-shape-${kind}`);
        shape.dataset.regionId = item.id;
        const color = labelColor(schema, item.from_name, labelsById.get(item.id) || undefined);
        shape.setAttribute("stroke", color);
        shape.setAttribute("fill", color);
        if (item.id === selected) shape.classList.add("is-selected");
        if (item.id === editor.candidate()) shape.classList.add("is-candidate");
        if (item.origin === "prediction") shape.classList.add("is-prediction");
        shapesLayer.appendChild(shape);
        if (item.id === selected && !store.isLocked(item.id) && !editor.readOnly) drawHandles(item, kind, g);
      }
      if (drag && drag.mode === "draw") {
        const shape = shapeElement(drag.kind, drag.geometry);
        shape.setAttribute("class", "lw-shape lw-draft-shape");
        draftLayer.appendChild(shape);
      }
      if (poly) {
        const line = svg("polyline", { points: [...poly.points, ...(poly.cursor ? [poly.cursor] : [])].map((p) => p.join(",")).join(" "), class: "lw-shape lw-draft-shape" });
        draftLayer.appendChild(line);
        poly.points.forEach((p, i) => draftLayer.appendChild(handle(p[0], p[1], { class: i === 0 ? "lw-handle lw-first" : "lw-handle", "data-draft-vertex": i })));
      }
    }

    // ---- creating ----
    // What a new shape is drawn with: the armed labels of one shape control (all armed controls of that
    // kind get one result each, same id), else the picked bare tool.
    function drawTarget() {
      const armed = shapeControls()
        .map((control) => ({ control, values: store.activeLabels.get(control.name) || [] }))
        .filter((entry) => entry.values.length);
      if (armed.length) {
        const kind = S.kindOf(armed[0].control.type);
        return { kind, entries: armed.filter((e) => S.kindOf(e.control.type) === kind) };
      }
      const bare = tool && schema.controls[tool];
      if (bare) return { kind: S.kindOf(bare.type), entries: [{ control: bare, values: [] }] };
      return null;
    }

    function usageError(entries) {
      for (const { control, values } of entries) {
        const regions = store.byControl(control.name).filter((it) => S.kindOf(it.type));
        if (control.max_usages && regions.length >= control.max_usages) return `${control.name} allows at most ${control.max_usages} region(s)`;
        for (const value of values) {
          const option = (control.options || []).find((o) => o.value === value || o.alias === value);
          const max = option && parseInt((option.attrs && option.attrs.maxUsages) || "", 10);
          if (max && regions.filter((it) => labelsOf(it).includes(value)).length >= max) return `"${value}" may be used at most ${max} time(s)`;
        }
      }
      return null;
    }

    function create(kind, entries, geometry) {
      const problem = usageError(entries);
      if (problem) {
        editor.message(problem);
        return null;
      }
      const value = S.toValue(kind, geometry, size);
      const id = store.newId();
      store.transaction(() => {
        for (const { control, values } of entries) {
          const item = {
            id, from_name: control.name, to_name: name, type: values.length ? control.type : kind,
            original_width: size.w, original_height: size.h, image_rotation: 0, origin: "manual",
            value: values.length ? { ...value, [control.type]: [...values] } : value,
          };
          if (isList) item.item_index = index;
          store.add(item);
        }
      });
      // With per-region controls on this image, the new region is selected so they show at once (else it
      // is not: the next label key arms the next label instead of relabeling the region just drawn).
      const perRegion = Object.values(schema.controls || {}).some((c) => c.per_region && (c.to_name || []).includes(name));
      if (perRegion) store.select(id);
      return id;
    }

    // Writes a region's new geometry into every item of its id (per-region results keep its shape).
    function commitGeometry(id, kind, g) {
      const item = store.get(id);
      const origin = item && item.origin === "prediction" ? { origin: "prediction-changed" } : {};
      store.update(id, { ...origin, value: S.toValue(kind, g, size) });
    }

    // ---- pointer gestures ----
    function toImage(event) {
      const r = overlay.getBoundingClientRect();
      return [((event.clientX - r.left) / r.width) * size.w, ((event.clientY - r.top) / r.height) * size.h];
    }

    function itemOf(id) {
      const found = itemsHere().find(({ item }) => item.id === id);
      return found || null;
    }

    function onPointerDown(event) {
      if (!size) return;
      root.focus({ preventScroll: true });
      const vr = viewport.getBoundingClientRect();
      if (event.button === 1 || (event.button === 0 && spaceDown)) {
        drag = { mode: "pan", x: event.clientX, y: event.clientY, ox, oy };
        viewport.setPointerCapture(event.pointerId);
        event.preventDefault();
        return;
      }
      if (event.button !== 0 || vr.width === 0) return;
      event.preventDefault();
      const p = toImage(event);
      const target = event.target instanceof Element ? event.target : null;
      const writable = !editor.readOnly;
      if (poly) return polygonClick(p, target);
      const handleEl = target && target.closest("[data-handle], [data-vertex], [data-edge]");
      if (handleEl && writable) {
        const id = handleEl.dataset.regionId;
        const found = itemOf(id);
        if (!found || store.isLocked(id)) return;
        const start = S.toPixels(found.kind, found.item.value, size);
        if (handleEl.dataset.vertex !== undefined) {
          const i = Number(handleEl.dataset.vertex);
          if (event.altKey) return deleteVertex(id, i);
          vertex = { id, index: i };
          drag = { mode: "vertex", id, kind: found.kind, start, index: i, from: p, moved: false };
        } else if (handleEl.dataset.edge !== undefined) {
          const i = Number(handleEl.dataset.edge);
          const points = start.points.slice();
          const q = S.nearestOnSegment(points[i], points[(i + 1) % points.length], p).point;
          points.splice(i + 1, 0, q);
          const grown = { ...start, points };
          vertex = { id, index: i + 1 };
          overrides.set(id, grown);
          drag = { mode: "vertex", id, kind: found.kind, start: grown, index: i + 1, from: p, moved: true };
        } else if (handleEl.dataset.handle === "rotate") {
          drag = { mode: "rotate", id, kind: found.kind, start, angle: S.angleAround(start, p), moved: false };
        } else {
          drag = { mode: "resize", id, kind: found.kind, start, handle: handleEl.dataset.handle, moved: false };
        }
        overlay.setPointerCapture(event.pointerId);
        render();
        return;
      }
      const shapeEl = target && target.closest(".lw-shape[data-region-id]");
      if (shapeEl) {
        const id = shapeEl.dataset.regionId;
        const relating = !!editor.relating();
        editor.pick(id);
        if (relating || !writable || store.isLocked(id)) return;
        const found = itemOf(id);
        if (found) {
          drag = { mode: "move", id, kind: found.kind, start: S.toPixels(found.kind, found.item.value, size), from: p, moved: false };
          overlay.setPointerCapture(event.pointerId);
        }
        return;
      }
      const what = writable ? drawTarget() : null;
      if (!what) {
        drag = { mode: "click", from: p };
        return;
      }
      if (what.kind === "polygon") return polygonClick(p, target, what);
      if (what.kind === "keypoint") {
        drag = { mode: "click", from: p };
        create("keypoint", what.entries, { x: p[0], y: p[1], width: Number(what.entries[0].control.attrs.strokeWidth) || 1 });
        drag = null;
        return;
      }
      drag = { mode: "draw", kind: what.kind, entries: what.entries, from: p, geometry: what.kind === "ellipse" ? { x: p[0], y: p[1], rx: 0, ry: 0, rotation: 0 } : S.rectFromDrag(p, p, size) };
      overlay.setPointerCapture(event.pointerId);
    }

    function onPointerMove(event) {
      if (poly && size) {
        poly.cursor = toImage(event);
        render();
      }
      if (!drag || !size) return;
      if (drag.mode === "pan") {
        ox = drag.ox + (event.clientX - drag.x);
        oy = drag.oy + (event.clientY - drag.y);
        applyView();
        return;
      }
      const p = toImage(event);
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
        overrides.set(drag.id, moveShape(drag.kind, drag.start, dx, dy));
      } else if (drag.mode === "resize") {
        overrides.set(drag.id, drag.kind === "ellipse" ? resizeEllipse(drag.start, drag.handle, p) : S.clampRect(S.resizeRect(drag.start, drag.handle, p), size));
      } else if (drag.mode === "rotate") {
        overrides.set(drag.id, S.rotateRect(drag.start, drag.angle, p, drag.start));
      } else if (drag.mode === "vertex") {
        const points = drag.start.points.slice();
        points[drag.index] = [clampX(p[0]), clampY(p[1])];
        overrides.set(drag.id, { ...drag.start, points });
      }
      render();
    }

    function onPointerUp(event) {
      const gesture = drag;
      drag = null;
      if (!gesture || !size) return;
      if (gesture.mode === "pan") return;
      if (gesture.mode === "click") {
        if (!editor.relating()) store.select(null);
        return;
      }
      if (gesture.mode === "draw") {
        const g = gesture.geometry;
        const big = gesture.kind === "ellipse" ? Math.max(g.rx, g.ry) * scale >= 3 : Math.max(g.w, g.h) * scale >= 3;
        if (big) create(gesture.kind, gesture.entries, g);
        else store.select(null);
        render();
        return;
      }
      const g = overrides.get(gesture.id);
      overrides.delete(gesture.id);
      if (gesture.moved && g) commitGeometry(gesture.id, gesture.kind, g);
      else render();
      void event;
    }

    const clampX = (x) => Math.min(size.w, Math.max(0, x));
    const clampY = (y) => Math.min(size.h, Math.max(0, y));

    function moveShape(kind, g, dx, dy) {
      if (kind === "rectangle") return S.moveRect(g, dx, dy, size);
      if (kind === "polygon") {
        const xs = g.points.map((p) => p[0]);
        const ys = g.points.map((p) => p[1]);
        const ddx = Math.min(size.w - Math.max(...xs), Math.max(-Math.min(...xs), dx));
        const ddy = Math.min(size.h - Math.max(...ys), Math.max(-Math.min(...ys), dy));
        return { ...g, points: g.points.map(([x, y]) => [x + ddx, y + ddy]) };
      }
      return { ...g, x: clampX(g.x + dx), y: clampY(g.y + dy) };
    }

    function resizeEllipse(g, hname, p) {
      const [u, v] = S.rotate([p[0] - g.x, p[1] - g.y], -g.rotation);
      if (hname === "e" || hname === "w") return { ...g, rx: Math.abs(u) };
      return { ...g, ry: Math.abs(v) };
    }

    // ---- polygons ----
    function polygonClick(p, target, what) {
      if (!poly) {
        poly = { kind: "polygon", entries: what.entries, points: [p], cursor: null };
        render();
        return;
      }
      const first = poly.points[0];
      const near = Math.hypot(p[0] - first[0], p[1] - first[1]) * scale <= HANDLE;
      if ((near || (target && target.closest("[data-draft-vertex='0']"))) && poly.points.length >= 3) return closePolygon();
      poly.points.push([clampX(p[0]), clampY(p[1])]);
      render();
    }

    function closePolygon() {
      if (!poly || poly.points.length < 3) return false;
      const { entries, points } = poly;
      poly = null;
      create("polygon", entries, { points, closed: true });
      render();
      return true;
    }

    function deleteVertex(id, i) {
      const found = itemOf(id);
      if (!found || found.kind !== "polygon" || store.isLocked(id)) return false;
      const g = S.toPixels("polygon", found.item.value, size);
      if (g.points.length <= 3) {
        editor.message("A polygon keeps at least 3 points.");
        return true;
      }
      g.points.splice(i, 1);
      vertex = null;
      commitGeometry(id, "polygon", g);
      return true;
    }

    // ---- other input ----
    // The wheel zooms unless the config says zoom="false" (then it scrolls the page as usual).
    const wheelZooms = !/^false$/i.test(String(tag.attrs.zoom || ""));
    function onWheel(event) {
      if (!size || !wheelZooms) return;
      event.preventDefault();
      const r = viewport.getBoundingClientRect();
      zoomBy(Math.exp(-event.deltaY * 0.0015), event.clientX - r.left, event.clientY - r.top);
    }
    function onKeyDown(event) {
      if (event.key === " " && hovering && !event.ctrlKey && !event.metaKey && !(event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement)) {
        spaceDown = true;
        viewport.classList.add("is-panning");
        event.preventDefault();
      }
    }
    function onKeyUp(event) {
      if (event.key === " ") {
        spaceDown = false;
        viewport.classList.remove("is-panning");
      }
    }
    const onEnter = () => (hovering = true);
    const onLeave = () => (hovering = false);
    function onFilter() {
      img.style.filter = `brightness(${bright.value}%) contrast(${contrast.value}%)`;
    }
    viewport.addEventListener("pointerdown", onPointerDown);
    viewport.addEventListener("pointermove", onPointerMove);
    viewport.addEventListener("pointerup", onPointerUp);
    viewport.addEventListener("pointercancel", onPointerUp);
    viewport.addEventListener("wheel", onWheel, { passive: false });
    viewport.addEventListener("pointerenter", onEnter);
    viewport.addEventListener("pointerleave", onLeave);
    viewport.addEventListener("auxclick", (e) => e.preventDefault());
    document.addEventListener("keydown", onKeyDown);
    document.addEventListener("keyup", onKeyUp);
    bright.addEventListener("input", onFilter);
    contrast.addEventListener("input", onFilter);
    zoomIn.addEventListener("click", () => zoomBy(1.25));
    zoomOut.addEventListener("click", () => zoomBy(0.8));
    fit.addEventListener("click", fitToScreen);
    prev.addEventListener("click", () => index > 0 && load(index - 1));
    next.addEventListener("click", () => index < urls.length - 1 && load(index + 1));

    // Keys: zoom and fit while the pointer is over the image or focus is inside it; polygon keys while
    // one is being drawn; arrows pan while the image has focus and no region is selected.
    const here = () => hovering || root.contains(document.activeElement);
    const unbinds = [];
    const bind = (combo, text, fn, opts = {}) => unbinds.push(ctx.keys.bind(combo, text, fn, { group: "Image", ...opts }));
    bind("+", "Zoom in", () => (here() ? zoomBy(1.25) || true : false), { when: here });
    bind("=", "Zoom in", () => (here() ? zoomBy(1.25) || true : false), { when: here, hidden: true });
    bind("-", "Zoom out", () => (here() ? zoomBy(0.8) || true : false), { when: here });
    bind("0", "Fit the image to the screen", () => (here() ? fitToScreen() || true : false), { when: here });
    bind("enter", "Close the polygon being drawn", () => (poly ? closePolygon() || true : false), { hidden: true });
    bind("escape", "Cancel the polygon being drawn", () => {
      if (!poly) return false;
      poly = null;
      render();
      return true;
    }, { hidden: true });
    const dropPoint = () => {
      if (poly && poly.points.length > 1) {
        poly.points.pop();
        render();
        return true;
      }
      if (vertex && store.selected === vertex.id) return deleteVertex(vertex.id, vertex.index);
      return false;
    };
    bind("backspace", "Delete the clicked polygon point (Alt+click does too)", dropPoint);
    bind("delete", "Delete the clicked polygon point", dropPoint, { hidden: true });
    const arrows = { arrowleft: [60, 0], arrowright: [-60, 0], arrowup: [0, 60], arrowdown: [0, -60] };
    for (const [combo, [dx, dy]] of Object.entries(arrows)) {
      bind(combo, "Pan the image (focused, no region selected)", () => (root.contains(document.activeElement) && !store.selected && size ? panBy(dx, dy) || true : false), { hidden: combo !== "arrowleft" });
    }

    const unsubscribe = store.subscribe((change) => {
      if (change.type === "active") {
        // Arming a label of one shape tool disarms the others on this image: the last one armed draws.
        const mine = shapeControls();
        if (!mine.some((c) => c.name === change.control) || !(store.activeLabels.get(change.control) || []).length) return;
        if (tool) instance.setTool(null);
        for (const c of mine) if (c.name !== change.control && store.activeLabels.get(c.name)) store.setActiveLabels(c.name, []);
        return;
      }
      if (change.type === "select" && vertex && vertex.id !== store.selected) vertex = null;
      render();
    });
    const observer = new ResizeObserver(() => {
      if (!size) return;
      const zoom = scale / fitScale;
      const vw = viewport.clientWidth || 800;
      fitScale = Math.min(vw / size.w, MAX_HEIGHT / size.h);
      viewport.style.height = `${Math.round(size.h * fitScale)}px`;
      scale = fitScale * zoom;
      applyView();
    });
    observer.observe(root);

    function regionText(value) {
      const item = store.items().find((it) => it.value === value);
      const kind = item ? S.kindOf(item.type) : "points" in value ? "polygon" : "radiusX" in value ? "ellipse" : "height" in value ? "rectangle" : "keypoint";
      const where = isList && item ? ` · image ${(item.item_index || 0) + 1}` : "";
      return S.describe(kind, value) + where;
    }

    // For the relation arrows and the badge: the shape's on-screen box, when it is on the shown image.
    function rangeFor(value) {
      const item = store.items().find((it) => it.value === value);
      if (!item) return null;
      const shape = [...shapesLayer.children].find((n) => n.dataset.regionId === item.id);
      if (!shape) return null;
      return { getClientRects: () => [shape.getBoundingClientRect()], getBoundingClientRect: () => shape.getBoundingClientRect() };
    }

    function scrollTo(id) {
      const item = store.get(id);
      if (!item || item.to_name !== name) return;
      if (isList && (item.item_index || 0) !== index) load(item.item_index || 0);
      root.scrollIntoView({ block: "nearest" });
    }

    load(0);
    Object.assign(instance, {
      regionText,
      rangeFor,
      scrollTo,
      repaint: render,
      focus: () => root.focus(),
      labelSelection: () => false,
      tool: () => tool,
      setTool(controlName) {
        tool = controlName;
        if (controlName) for (const c of shapeControls()) if (store.activeLabels.get(c.name)) store.setActiveLabels(c.name, []);
        poly = null;
        render();
        document.dispatchEvent(new CustomEvent("lw-tool-change"));
      },
      page: () => index,
      showPage: (i) => load(Math.max(0, Math.min(urls.length - 1, i))),
      naturalSize: () => (size ? { ...size } : null),
      zoom: () => scale / fitScale,
      destroy() {
        unsubscribe();
        observer.disconnect();
        for (const unbind of unbinds) unbind();
        document.removeEventListener("keydown", onKeyDown);
        document.removeEventListener("keyup", onKeyUp);
        img.removeEventListener("load", onLoad);
        img.removeEventListener("error", onError);
        root.remove();
      },
    });
    return instance;
  },
};
