// The result store of one mounted editor: Label Studio result items, the selected region, the armed
// labels, and the undo history. Undo and redo swap whole snapshots (arrays of frozen items), so no tag
// ever has to know how to revert what it did; tags re-render from the store in their subscriber.

const ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
const HISTORY_LIMIT = 500;

export function newId() {
  const bytes = crypto.getRandomValues(new Uint8Array(10));
  let id = "";
  for (const byte of bytes) id += ID_CHARS[byte & 63];
  return id;
}

function deepFreeze(value) {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze(value[key]);
  }
  return value;
}

// Plain JSON copy: results come from the server or from tags, and the store must own what it freezes.
function own(item) {
  const copy = JSON.parse(JSON.stringify(item));
  if (!copy.id) copy.id = newId();
  return deepFreeze(copy);
}

export function createStore(initial = []) {
  let items = Object.freeze(initial.map(own));
  let past = [];
  let future = [];
  let depth = 0;
  let before = null;
  let selected = null;
  const active = new Map();
  const listeners = new Set();
  // View state of regions (not results, not undoable): hidden from the objects, locked against edits.
  const hiddenIds = new Set();
  const lockedIds = new Set();

  function emit(change) {
    for (const fn of [...listeners]) fn(change);
  }

  function commit(next, change) {
    if (depth > 0) {
      items = Object.freeze(next);
      return;
    }
    past.push(items);
    if (past.length > HISTORY_LIMIT) past.shift();
    future = [];
    items = Object.freeze(next);
    fixSelection();
    emit(change);
  }

  function fixSelection() {
    if (selected !== null && !items.some((it) => it.id === selected)) selected = null;
  }

  const store = {
    newId,
    items: () => items,
    get: (id) => items.find((it) => it.id === id && it.type !== "relation") || items.find((it) => it.id === id) || null,
    byControl: (name) => items.filter((it) => it.from_name === name),
    relations: () => items.filter((it) => it.type === "relation"),

    add(item) {
      const stored = own(item);
      commit([...items, stored], { type: "add", id: stored.id });
      return stored;
    },

    // Shallow-merges `value` when `patch.value` is given; `match` narrows to one item of a shared id.
    update(id, patch, match = null) {
      let changed = false;
      const next = items.map((it) => {
        if (it.id !== id || (match && !match(it))) return it;
        changed = true;
        const merged = { ...it, ...patch };
        if (patch.value && it.value) merged.value = { ...it.value, ...patch.value };
        return own(merged);
      });
      if (changed) commit(next, { type: "update", id });
    },

    // Removes the region, every per-region result sharing its id, and relations that point at it.
    remove(id) {
      const next = items.filter((it) => it.id !== id && it.from_id !== id && it.to_id !== id);
      if (next.length !== items.length) commit(next, { type: "remove", id });
    },

    removeWhere(predicate) {
      const next = items.filter((it) => !predicate(it));
      if (next.length !== items.length) commit(next, { type: "remove" });
    },

    replaceAll(list) {
      commit(list.map(own), { type: "replace" });
    },

    transaction(fn) {
      if (depth === 0) before = items;
      depth += 1;
      try {
        return fn();
      } finally {
        depth -= 1;
        if (depth === 0 && items !== before) {
          const after = items;
          items = before;
          commit([...after], { type: "transaction" });
        }
      }
    },

    canUndo: () => past.length > 0,
    canRedo: () => future.length > 0,
    undo() {
      if (!past.length) return false;
      future.push(items);
      items = past.pop();
      fixSelection();
      emit({ type: "undo" });
      return true;
    },
    redo() {
      if (!future.length) return false;
      past.push(items);
      items = future.pop();
      fixSelection();
      emit({ type: "redo" });
      return true;
    },

    get selected() {
      return selected;
    },
    select(id) {
      const next = id === undefined ? null : id;
      if (next === selected) return;
      selected = next;
      emit({ type: "select", id: next });
    },

    // Hide / lock, by region id, for every kind of region. A change emits {type: "view", id}; items with
    // `readonly: true` are always locked. Neither is written into results.
    isHidden: (id) => hiddenIds.has(id),
    isLocked: (id) => lockedIds.has(id) || items.some((it) => it.id === id && it.readonly),
    setHidden(id, on) {
      if (on === hiddenIds.has(id)) return;
      if (on) hiddenIds.add(id);
      else hiddenIds.delete(id);
      if (on && selected === id) selected = null;
      emit({ type: "view", id });
    },
    setLocked(id, on) {
      if (on === lockedIds.has(id)) return;
      if (on) lockedIds.add(id);
      else lockedIds.delete(id);
      emit({ type: "view", id });
    },

    get activeLabels() {
      return active;
    },
    setActiveLabels(control, values) {
      if (values && values.length) active.set(control, [...values]);
      else active.delete(control);
      emit({ type: "active", control });
    },

    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    destroy() {
      listeners.clear();
      past = [];
      future = [];
    },
  };
  return store;
}
