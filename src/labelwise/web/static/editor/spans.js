// What every span-drawing object (Text, HyperText, Paragraphs) shares: which labels are armed for it,
// creating a region with them (maxUsages kept), relabeling, and the colour of a label.

const PALETTE = ["#ffa94d", "#74c0fc", "#8ce99a", "#e599f7", "#ffd43b", "#ff8787", "#63e6be", "#b197fc", "#ced4da"];
// Result types that are regions (listed, selectable, relatable): text spans, and image shapes with or
// without labels (a bare <Rectangle> writes `rectangle`). The name stays for the modules that import it.
export const SPAN_TYPES = new Set([
  "labels", "hypertextlabels", "paragraphlabels",
  "rectangle", "rectanglelabels", "polygon", "polygonlabels", "keypoint", "keypointlabels", "ellipse", "ellipselabels",
]);
const LABEL_TAGS = new Set(["labels", "hypertextlabels", "paragraphlabels"]);

// Labels-like controls that point at this object, in config order.
export function labelControls(schema, objectName) {
  return Object.values(schema.controls || {}).filter(
    (c) => LABEL_TAGS.has(String(c.tag).toLowerCase()) && (c.to_name || []).includes(objectName),
  );
}

export function labelsOf(item) {
  if (!item || !item.value) return [];
  const list = item.value[item.type];
  return Array.isArray(list) ? list : [];
}

// A safe CSS colour for a label: its `background` when the browser accepts it, else one of the palette.
export function labelColor(schema, controlName, value) {
  const control = schema.controls && schema.controls[controlName];
  const options = (control && control.options) || [];
  const index = options.findIndex((o) => o.value === value || (o.alias !== null && o.alias === value));
  const background = index >= 0 ? options[index].background : null;
  if (background && CSS.supports("color", background)) return background;
  return PALETTE[(index < 0 ? 0 : index) % PALETTE.length];
}

// The regions of an object: one entry per region id (the item that carries the span).
export function regionsOf(store, objectName) {
  const seen = new Set();
  const out = [];
  for (const item of store.items()) {
    if (item.to_name !== objectName || !SPAN_TYPES.has(item.type) || seen.has(item.id)) continue;
    if (store.isHidden && store.isHidden(item.id)) continue;
    seen.add(item.id);
    out.push(item);
  }
  return out;
}

function usageError(store, control, values) {
  const regions = store.byControl(control.name).filter((it) => SPAN_TYPES.has(it.type));
  if (control.max_usages && regions.length >= control.max_usages) {
    return `${control.name} allows at most ${control.max_usages} region(s)`;
  }
  for (const value of values) {
    const option = (control.options || []).find((o) => o.value === value || (o.alias !== null && o.alias === value));
    const max = option && parseInt((option.attrs && option.attrs.maxUsages) || "", 10);
    if (max && regions.filter((it) => labelsOf(it).includes(value)).length >= max) {
      return `"${value}" may be used at most ${max} time(s)`;
    }
  }
  return null;
}

// The armed labels for this object: [{control, values}] (only controls with something armed).
export function armedFor(store, schema, objectName) {
  return labelControls(schema, objectName)
    .map((control) => ({ control, values: store.activeLabels.get(control.name) || [] }))
    .filter((entry) => entry.values.length);
}

// Adds a region for `span` (the object's span fields) with the given labels; returns its id, or null with
// a message shown when maxUsages forbids it.
export function createRegion(ctx, span, control, values) {
  const error = usageError(ctx.store, control, values);
  if (error) {
    ctx.editor.message(error);
    return null;
  }
  const id = ctx.store.newId();
  ctx.store.add({ id, from_name: control.name, to_name: ctx.tag.name, type: control.type, origin: "manual", value: { ...span, [control.type]: [...values] } });
  return id;
}

// Creates a region from the armed labels (all armed controls of this object, one result each, same id).
export function createFromArmed(ctx, span) {
  const armed = armedFor(ctx.store, ctx.schema, ctx.tag.name);
  if (!armed.length) return null;
  for (const { control, values } of armed) {
    const error = usageError(ctx.store, control, values);
    if (error) {
      ctx.editor.message(error);
      return null;
    }
  }
  const id = ctx.store.newId();
  ctx.store.transaction(() => {
    for (const { control, values } of armed) {
      ctx.store.add({ id, from_name: control.name, to_name: ctx.tag.name, type: control.type, origin: "manual", value: { ...span, [control.type]: [...values] } });
    }
  });
  return id;
}

// A label key (or click) on a selected region of this control: single choice replaces, multiple toggles.
export function relabel(store, control, regionId, value) {
  const item = store.items().find((it) => it.id === regionId && it.from_name === control.name);
  if (!item || item.readonly) return false;
  if (store.isLocked && store.isLocked(regionId)) return true;
  const current = labelsOf(item);
  let next;
  if (control.choice === "multiple") next = current.includes(value) ? current.filter((v) => v !== value) : [...current, value];
  else next = [value];
  if (!next.length) return true;
  const origin = item.origin === "prediction" ? "prediction-changed" : item.origin;
  store.update(regionId, { origin, value: { [item.type]: next } }, (it) => it.from_name === control.name);
  return true;
}
