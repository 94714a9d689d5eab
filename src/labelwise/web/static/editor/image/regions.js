// The image's shape regions in the store: which ones belong to the page shown, their colours and
// geometry (a dragged one's screen-only geometry first), what a new shape is drawn with, and the only
// two writes (a new region, a region's new geometry), each one undo step.

import { labelsOf } from "../spans.js";
import * as S from "../tags/shapes.js";

export function itemsHere(s) {
  const seen = new Set();
  const out = [];
  for (const item of s.store.items()) {
    const kind = S.kindOf(item.type);
    if (!kind || item.to_name !== s.name || seen.has(item.id) || !item.value) continue;
    if (s.isList && (item.item_index || 0) !== s.index) continue;
    seen.add(item.id);
    out.push({ item, kind });
  }
  return out;
}

export function itemOf(s, id) {
  const found = itemsHere(s).find(({ item }) => item.id === id);
  return found || null;
}

// The first label of every shape region, by id, in one pass over the store (for the colours).
export function firstLabels(s) {
  const out = new Map();
  for (const it of s.store.items()) {
    if (!S.kindOf(it.type) || out.get(it.id)) continue;
    const labels = labelsOf(it);
    if (labels.length || !out.has(it.id)) out.set(it.id, labels[0] || null);
  }
  return out;
}

export function geometryOf(s, item, kind) {
  return s.overrides.get(item.id) || S.toPixels(kind, item.value, s.size);
}

// What a new shape is drawn with: the armed labels of one shape control (all armed controls of that
// kind get one result each, same id), else the picked bare tool.
export function drawTarget(s) {
  const { store, schema, tool } = s;
  const armed = s.shapeControls()
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

function usageError(s, entries) {
  for (const { control, values } of entries) {
    const regions = s.store.byControl(control.name).filter((it) => S.kindOf(it.type));
    if (control.max_usages && regions.length >= control.max_usages) return `${control.name} allows at most ${control.max_usages} region(s)`;
    for (const value of values) {
      const option = (control.options || []).find((o) => o.value === value || o.alias === value);
      const max = option && parseInt((option.attrs && option.attrs.maxUsages) || "", 10);
      if (max && regions.filter((it) => labelsOf(it).includes(value)).length >= max) return `"${value}" may be used at most ${max} time(s)`;
    }
  }
  return null;
}

export function create(s, kind, entries, geometry) {
  const { store, schema, editor, size, name } = s;
  const problem = usageError(s, entries);
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
      if (s.isList) item.item_index = s.index;
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
export function commitGeometry(s, id, kind, g) {
  const item = s.store.get(id);
  const origin = item && item.origin === "prediction" ? { origin: "prediction-changed" } : {};
  s.store.update(id, { ...origin, value: S.toValue(kind, g, s.size) });
}

export function regionText(s, value) {
  const item = s.store.items().find((it) => it.value === value);
  const kind = item ? S.kindOf(item.type) : "points" in value ? "polygon" : "radiusX" in value ? "ellipse" : "height" in value ? "rectangle" : "keypoint";
  const where = s.isList && item ? ` · image ${(item.item_index || 0) + 1}` : "";
  return S.describe(kind, value) + where;
}

// For the relation arrows and the badge: the shape's on-screen box, when it is on the shown image.
export function rangeFor(s, value) {
  const item = s.store.items().find((it) => it.value === value);
  if (!item) return null;
  const shape = [...s.shapesLayer.children].find((n) => n.dataset.regionId === item.id);
  if (!shape) return null;
  return { getClientRects: () => [shape.getBoundingClientRect()], getBoundingClientRect: () => shape.getBoundingClientRect() };
}
