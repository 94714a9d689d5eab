// The walk over schema.layout: View, Header and Style are drawn here; every object and control tag gets
// an element in its place and is mounted by its own module (tags/<tag>.js), loaded on demand so a config
// only pays for the tags it uses. Objects mount before controls, because controls ask for their objects.

const CONTAINERS = new Set(["view", "collapse", "panel", "filter", "block"]);
const SKIPPED = new Set(["label", "choice", "relation", "option"]);
// Tags that have a module; other tags show a short notice instead of failing the whole editor.
export const TAG_MODULES = new Set([
  "header", "style", "view", "text", "hypertext", "paragraphs", "labels", "hypertextlabels", "paragraphlabels", "relations",
  "choices", "taxonomy", "textarea", "rating", "number", "datetime", "pairwise", "ranker", "list",
]);
TAG_MODULES.add("audio").add("audioplus"); // tags/audio.js (audioplus.js re-exports it)
// Image and its shape tools (tags/image.js draws every shape).
for (const tag of ["image", "rectangle", "rectanglelabels", "polygon", "polygonlabels", "keypoint", "keypointlabels", "ellipse", "ellipselabels"]) TAG_MODULES.add(tag);

// `$key` and `$key.sub` read task data; anything else is a literal.
export function resolveValue(data, expr) {
  if (typeof expr !== "string" || !expr.startsWith("$")) return expr;
  let value = data;
  for (const part of expr.slice(1).split(".")) {
    if (value === null || value === undefined || typeof value !== "object") return undefined;
    value = value[part];
  }
  return value;
}

// Config `style="..."` attributes, applied one property at a time through the CSSOM (the CSP forbids style
// attributes). Values that could fetch something are dropped.
export function applyInlineStyle(el, text) {
  if (!text) return;
  for (const declaration of String(text).split(";")) {
    const colon = declaration.indexOf(":");
    if (colon < 0) continue;
    const prop = declaration.slice(0, colon).trim().toLowerCase();
    const value = declaration.slice(colon + 1).trim();
    if (!/^-?[a-z][a-z-]*$/.test(prop) || /url\(|expression\(|image-set\(|@import/i.test(value)) continue;
    el.style.setProperty(prop, value.replace(/!important$/i, "").trim());
  }
}

// Builds the DOM skeleton; returns the mount jobs in layout order: {kind, module, el, node, name}.
export function buildLayout(schema, root) {
  const jobs = [];
  const walk = (node, parent) => {
    const tag = String(node.tag || "").toLowerCase();
    if (SKIPPED.has(tag)) return;
    const name = node.attrs && node.attrs.name;
    const isObject = name && schema.objects && schema.objects[name] && schema.objects[name].tag === node.tag;
    const isControl = name && schema.controls && schema.controls[name] && schema.controls[name].tag === node.tag;
    if (isObject || isControl) {
      const el = document.createElement("div");
      el.className = `lw-tag lw-tag-${tag}`;
      el.dataset.name = name;
      parent.appendChild(el);
      jobs.push({ kind: isObject ? "object" : "control", module: tag, el, node, name });
      return;
    }
    if (tag === "header" || tag === "style" || tag === "relations") {
      const el = document.createElement("div");
      el.className = `lw-tag lw-tag-${tag}`;
      parent.appendChild(el);
      jobs.push({ kind: "layout", module: tag, el, node, name: null });
      return;
    }
    const el = document.createElement("div");
    el.className = CONTAINERS.has(tag) ? `lw-view` : `lw-view lw-unknown-${tag.replace(/[^a-z0-9-]/g, "")}`;
    if (node.attrs) {
      applyInlineStyle(el, node.attrs.style);
      if (node.attrs.className) for (const cls of String(node.attrs.className).split(/\s+/)) if (/^[\w-]+$/.test(cls)) el.classList.add(cls);
      if (node.attrs.visibleWhen) jobs.push({ kind: "view", module: null, el, node, name: null });
    }
    parent.appendChild(el);
    for (const child of node.children || []) walk(child, el);
  };
  walk(schema.layout, root);
  return jobs;
}

const loaded = new Map();

// The module of a tag, or null when there is none (or it failed to load).
export function loadTagModule(tag) {
  if (!TAG_MODULES.has(tag)) return Promise.resolve(null);
  if (!loaded.has(tag)) {
    const url = new URL(`./tags/${tag}.js`, import.meta.url);
    loaded.set(
      tag,
      import(url.href).then(
        (mod) => mod.default || null,
        () => {
          loaded.delete(tag);
          return null;
        },
      ),
    );
  }
  return loaded.get(tag);
}
