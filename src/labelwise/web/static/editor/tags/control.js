// What every control tag shares: reading and writing its own result in the store (for the whole object,
// or for the selected region when perRegion="true"), listener bookkeeping so destroy() leaves nothing
// behind, and a DOM builder that only ever puts data in as text.

// Result types that classify something; every other item with an id is a region (a span or a shape).
const CLASSIFICATIONS = new Set(["choices", "textarea", "rating", "number", "datetime", "taxonomy", "pairwise", "ranker"]);

// A small element builder: `text` becomes textContent, other props become attributes (never `style`,
// which the CSP forbids, and never HTML). Children may be nodes or strings (appended as text nodes).
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "style" || key.startsWith("on")) throw new Error(`h(): ${key} is not allowed`);
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = String(value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) if (child !== null && child !== undefined && child !== false) el.append(child);
  return el;
}

// Collects unbind functions and DOM listeners; `dispose()` runs them all once.
export function bag() {
  const undo = [];
  return {
    on(target, type, fn, options) {
      target.addEventListener(type, fn, options);
      undo.push(() => target.removeEventListener(type, fn, options));
    },
    add(fn) {
      if (typeof fn === "function") undo.push(fn);
    },
    dispose() {
      while (undo.length) {
        try {
          undo.pop()();
        } catch (error) {
          console.warn("control cleanup failed", error);
        }
      }
    },
  };
}

// The value a result writes for an option: LS writes the alias when there is one.
export const optionValue = (option) => (option.alias !== null && option.alias !== undefined ? option.alias : option.value);

// True unless the element or an ancestor is hidden (visibleWhen, perRegion without a region, a collapsed
// panel): hotkeys and required checks of a hidden control do nothing.
export function isShown(el) {
  if (!el || !el.isConnected) return false;
  for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
    if (node.hidden || getComputedStyle(node).display === "none") return false;
  }
  return true;
}

// Keys a focused widget handles itself (a tree's arrows, a ranker item's Shift+arrows). The editor's keymap
// listens on the document before the target does, and tries later bindings first; so the widget binds the
// same combos there once every tag has mounted (a microtask later), hidden from the help overlay and only
// for events inside `container`. The element listener covers keymaps that let the event through.
// `onKey(event)` returns true when it handled the key. Returns an unbind function.
export function localKeys(keys, container, combos, onKey) {
  const undo = [];
  let live = true;
  const run = (event) => !!(event && event.target instanceof Node && container.contains(event.target) && onKey(event));
  if (keys) {
    queueMicrotask(() => {
      if (live) for (const combo of combos) undo.push(keys.bind(combo, "", run, { hidden: true, group: "Widget" }));
    });
  }
  const listener = (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey) return;
    if (onKey(event)) {
      event.preventDefault();
      event.stopPropagation();
    }
  };
  container.addEventListener("keydown", listener);
  return () => {
    live = false;
    container.removeEventListener("keydown", listener);
    for (const fn of undo) fn();
  };
}

// True when the key event comes from inside another tag (a focused text object, another control's widget):
// global keys of a control then leave it to that tag.
export function fromOtherTag(event, own) {
  const target = event && event.target;
  if (!(target instanceof Element) || own.contains(target)) return false;
  return !!target.closest(".lw-tag");
}

// A store subscriber that re-renders a control only when what it shows changed: its own result (and, for
// perRegion controls, the selected region). Selection and armed-label changes, and other controls' edits,
// then cost one comparison instead of a re-render (a 3,000-node taxonomy would otherwise redraw each time).
export function onResults(store, bind, render) {
  let last = null;
  return store.subscribe((change) => {
    if (!bind.perRegion && change && (change.type === "select" || change.type === "active")) return;
    const region = bind.perRegion ? bind.region() : null;
    const key = JSON.stringify([region && region.id, region && region.value, bind.current()]);
    if (key === last) return;
    last = key;
    render();
  });
}

// A bool from a config attribute ("true"/"1"/"yes").
export function flag(value) {
  return /^(true|1|yes)$/i.test(String(value ?? "").trim());
}

// The result binding of one control: `read()` its value key, `write(v)` (null removes the result),
// and for perRegion controls `region()`, the selected region this control applies to (or null).
export function binding(ctx, key) {
  const { store, tag, schema } = ctx;
  const perRegion = !!tag.per_region;
  const type = (tag.result_types && tag.result_types[0]) || String(tag.type || tag.tag).toLowerCase();
  const targets = new Set(tag.to_name || []);

  function isRegion(item) {
    if (!item || item.type === "relation" || item.from_name === tag.name) return false;
    const control = schema.controls[item.from_name];
    if (control && control.per_region) return false;
    return !CLASSIFICATIONS.has(String(item.type).toLowerCase());
  }

  function region() {
    if (!perRegion) return null;
    const id = store.selected;
    if (id === null || id === undefined) return null;
    return store.items().find((it) => it.id === id && isRegion(it) && targets.has(it.to_name)) || null;
  }

  function current(r = region()) {
    if (!perRegion) return store.items().find((it) => it.from_name === tag.name) || null;
    if (!r) return null;
    return store.items().find((it) => it.id === r.id && it.from_name === tag.name) || null;
  }

  function read() {
    const item = current();
    return item && item.value ? item.value[key] : undefined;
  }

  // The region's own fields (span offsets, geometry) without its label key, as LS repeats them.
  function regionFields(r) {
    const fields = { ...(r.value || {}) };
    delete fields[String(r.type).toLowerCase()];
    delete fields.labels;
    return fields;
  }

  function removeMine(id) {
    const mine = (it) => it.id === id && it.from_name === tag.name;
    if (typeof store.removeWhere === "function") store.removeWhere(mine);
    else store.replaceAll(store.items().filter((it) => !mine(it)));
  }

  // `target` (perRegion only): the region to write for, when it is no longer the selected one.
  function write(value, target = null) {
    if (ctx.editor && ctx.editor.readOnly) return;
    const empty = value === null || value === undefined;
    if (perRegion) {
      const r = target ? store.items().find((it) => it.id === target && isRegion(it) && targets.has(it.to_name)) : region();
      if (!r) return;
      const existing = current(r);
      if (empty && !existing) return;
      store.transaction(() => {
        if (existing) removeMine(r.id);
        if (!empty) {
          const item = { id: r.id, from_name: tag.name, to_name: r.to_name, type, value: { ...regionFields(r), [key]: value }, origin: "manual" };
          // Image regions repeat the image's size (and item_index in a valueList), as LS writes them.
          for (const extra of ["original_width", "original_height", "image_rotation", "item_index"]) if (r[extra] !== undefined) item[extra] = r[extra];
          store.add(item);
        }
      });
      return;
    }
    const existing = current();
    if (empty) {
      if (existing) store.remove(existing.id);
    } else if (existing) {
      store.update(existing.id, { value: { [key]: value } });
    } else {
      store.add({ id: store.newId(), from_name: tag.name, to_name: (tag.to_name || [])[0], type, value: { [key]: value }, origin: "manual" });
    }
  }

  // perRegion + required: the regions on this control's objects that still lack its result.
  function regionsMissing() {
    const items = store.items();
    const done = new Set(items.filter((it) => it.from_name === tag.name).map((it) => it.id));
    const seen = new Set();
    return items.filter((it) => isRegion(it) && targets.has(it.to_name) && !done.has(it.id) && !seen.has(it.id) && seen.add(it.id));
  }

  return { perRegion, type, read, write, region, current, regionsMissing };
}

// The frame of a control: a wrapper (hidden for perRegion controls without a selected region), an
// optional title, the body, and an error line that validate() fills and the next change clears.
export function frame(ctx, className) {
  const { tag } = ctx;
  const title = tag.attrs && tag.attrs.title;
  const root = h("div", { class: `lw-control ${className}`, dataset: { control: tag.name } });
  if (title) root.append(h("div", { class: "lw-control-title", text: title }));
  const body = h("div", { class: "lw-control-body" });
  const error = h("div", { class: "lw-control-error", role: "alert", hidden: true });
  root.append(body, error);
  ctx.el.append(root);
  return {
    root,
    body,
    showError(message) {
      error.textContent = message;
      error.hidden = !message;
      root.classList.toggle("is-invalid", !!message);
    },
  };
}

// validate() for a required control: nothing written (or, perRegion, a region left without a value).
export function requiredCheck(ctx, bind, frameApi, what) {
  const { tag } = ctx;
  if (!tag.required) return [];
  // The core hides perRegion controls while no region is selected; their check covers every region anyway.
  if ((!bind.perRegion || tag.visible_when) && !isShown(frameApi.root.parentElement)) return [];
  const custom = tag.attrs && tag.attrs.requiredMessage;
  if (bind.perRegion) {
    const missing = bind.regionsMissing();
    if (!missing.length) return [];
    const message = custom || `${what} for every region (${missing.length} left)`;
    frameApi.showError(message);
    return [{ control: tag.name, message }];
  }
  const value = bind.read();
  if (value !== undefined && value !== null && !(Array.isArray(value) && !value.length)) return [];
  const message = custom || `${what} (${tag.name})`;
  frameApi.showError(message);
  return [{ control: tag.name, message }];
}
