// mountEditor(): the labeling editor over one task. It builds the layout, mounts one module per tag
// (objects first), owns the result store, undo/redo, the keymap, visibleWhen, the regions list, relation
// creation and the help overlay. The contract with tags and pages is docs/editor.md.

import { createArrows } from "./arrows.js";
import { createConsensusPanel } from "./consensus.js";
import { createHelp } from "./help.js";
import { createKeys, defaultHotkeys } from "./keys.js";
import { buildLayout, loadTagModule, resolveValue } from "./layout.js";
import { createRegionsPanel, regionList } from "./regions.js";
import { SPAN_TYPES } from "./spans.js";
import { createStore } from "./store.js";
import { createVisibility, submittable } from "./visibility.js";

let editorCount = 0;

// Label Studio's shape: relations carry no id (the store gives them one to select and undo them).
function exportItem(item) {
  const copy = JSON.parse(JSON.stringify(item));
  if (copy.type === "relation") {
    const out = { type: "relation", from_id: copy.from_id, to_id: copy.to_id, direction: copy.direction || "right" };
    if (copy.labels) out.labels = copy.labels;
    return out;
  }
  return copy;
}

function notice(el, text) {
  const p = document.createElement("p");
  p.className = "lw-notice";
  p.textContent = text;
  el.appendChild(p);
}

export async function mountEditor(element, { schema, task, results = [], readOnly = false } = {}) {
  editorCount += 1;
  const scopeClass = `lw-editor-${editorCount}`;
  const root = document.createElement("div");
  root.className = `lw-editor ${scopeClass}`;
  if (readOnly) root.classList.add("is-readonly");
  const main = document.createElement("div");
  main.className = "lw-editor-main";
  const side = document.createElement("aside");
  side.className = "lw-editor-side";
  side.setAttribute("aria-label", "Regions");
  const status = document.createElement("p");
  status.className = "lw-editor-message";
  status.setAttribute("role", "status");
  status.hidden = true;
  root.append(main, side, status);
  element.appendChild(root);

  const data = (task && task.data) || {};
  const store = createStore(Array.isArray(results) ? results : []);
  const keys = createKeys(document);
  const hotkeys = defaultHotkeys(schema);
  const objects = new Map();
  const controls = new Map();
  const mounted = [];
  const cleanups = [];
  const visibility = createVisibility(store);
  let relating = null;
  let candidate = null;
  let arrows = null;
  let destroyed = false;

  const hotkeyFor = (controlName, optionValue) => hotkeys.get(`${controlName}\u0000${optionValue}`) || null;

  function message(text) {
    status.textContent = text || "";
    status.hidden = !text;
  }

  function regionText(item) {
    const obj = objects.get(item.to_name);
    if (obj && obj.regionText) return obj.regionText(item.value || {});
    return item.value && item.value.text;
  }

  function regionIds() {
    return regionList(store).map((r) => r.id);
  }

  function scrollTo(id) {
    const item = store.get(id);
    const obj = item && objects.get(item.to_name);
    if (obj && obj.scrollTo) obj.scrollTo(id);
  }

  function setCandidate(id) {
    candidate = id;
    for (const li of side.querySelectorAll(".lw-region.is-candidate")) li.classList.remove("is-candidate");
    if (id) {
      const li = [...side.querySelectorAll(".lw-region")].find((n) => n.dataset.regionId === id);
      if (li) li.classList.add("is-candidate");
      scrollTo(id);
    }
    for (const obj of objects.values()) if (obj.repaint) obj.repaint();
  }

  function startRelation(fromId) {
    if (readOnly || !fromId || !store.items().some((it) => it.id === fromId && SPAN_TYPES.has(it.type))) {
      message("Select a region first, then press Alt+R to relate it to another.");
      return false;
    }
    relating = fromId;
    root.classList.add("is-relating");
    setCandidate(null);
    message("Relation: click the target region (or ↓/↑ then Enter); Esc cancels.");
    return true;
  }

  function cancelRelation() {
    relating = null;
    root.classList.remove("is-relating");
    setCandidate(null);
    message("");
  }

  function finishRelation(toId) {
    const fromId = relating;
    cancelRelation();
    if (!fromId || !toId || toId === fromId) return false;
    const exists = store.relations().some((r) => r.from_id === fromId && r.to_id === toId);
    if (!exists) store.add({ id: store.newId(), type: "relation", from_id: fromId, to_id: toId, direction: "right", labels: [] });
    const rel = store.relations().find((r) => r.from_id === fromId && r.to_id === toId);
    store.select(rel ? rel.id : fromId);
    return true;
  }

  // A region was clicked in an object: completes a pending relation, else selects it.
  function pick(id) {
    if (relating) return finishRelation(id);
    store.select(id);
    return true;
  }

  const facade = {
    scopeClass,
    readOnly,
    root,
    object: (name) => objects.get(name) || null,
    control: (name) => controls.get(name) || null,
    message,
    regionText,
    scrollTo,
    pick,
    startRelation,
    finishRelation,
    cancelRelation,
    relating: () => relating,
    candidate: () => candidate,
    // An object whose regions moved on screen without a result change (zoom, pan, an image loading)
    // asks for the relation arrows to be redrawn.
    layoutChanged: () => arrows && arrows.draw(),
  };

  const help = createHelp(root, () => keys.list());
  const panel = createRegionsPanel(side, { store, schema, editor: facade });
  createConsensusPanel(side, task && task.consensus);

  // ↓/↑: the next region to select, or in relation mode the next target candidate (never the source).
  function step(delta) {
    const ids = regionIds();
    if (relating) {
      if (ids.length < 2) return true;
      let index = ids.indexOf(candidate || relating);
      do index = (index + delta + ids.length) % ids.length;
      while (ids[index] === relating);
      setCandidate(ids[index]);
      return true;
    }
    if (!ids.length) return false;
    let index = ids.indexOf(store.selected);
    index = index < 0 ? (delta > 0 ? 0 : ids.length - 1) : (index + delta + ids.length) % ids.length;
    store.select(ids[index]);
    scrollTo(ids[index]);
    return true;
  }


  const bind = (combo, description, handler, options) => cleanups.push(keys.bind(combo, description, handler, options));
  bind("ctrl+z", "Undo", () => store.undo() || true, { group: "Editing" });
  bind("ctrl+shift+z", "Redo", () => store.redo() || true, { group: "Editing" });
  bind("ctrl+y", "Redo", () => store.redo() || true, { group: "Editing", hidden: true });
  bind("arrowdown", "Next region", () => step(1), { group: "Regions" });
  bind("arrowup", "Previous region", () => step(-1), { group: "Regions" });
  const removeSelected = () => {
    if (readOnly || !store.selected) return false;
    const item = store.get(store.selected);
    if ((item && item.readonly) || store.isLocked(store.selected)) return true;
    store.remove(store.selected);
    return true;
  };
  bind("backspace", "Delete the selected region or relation", removeSelected, { group: "Regions" });
  bind("delete", "Delete the selected region or relation", removeSelected, { group: "Regions", hidden: true });
  bind("alt+r", "Relate the selected region to another (then click it, or ↓/↑ and Enter)", () => startRelation(store.selected), { group: "Regions" });
  bind("enter", "Confirm the relation target", () => (relating && candidate ? finishRelation(candidate) : false), { group: "Regions", hidden: true });
  bind("escape", "Cancel: relation, selection, armed labels", () => {
    if (help.isOpen()) return help.close() || true;
    if (relating) return cancelRelation() || true;
    if (store.selected) return store.select(null) || true;
    if (store.activeLabels.size) {
      for (const name of [...store.activeLabels.keys()]) store.setActiveLabels(name, []);
      return true;
    }
    if (root.contains(document.activeElement) && document.activeElement instanceof HTMLElement) {
      document.activeElement.blur();
      return true;
    }
    return false;
  }, { group: "Regions" });
  bind("?", "Show or hide this help", () => help.toggle() || true, { group: "Help" });

  const ctxFor = (job) => ({
    el: job.el,
    node: job.node,
    tag: job.kind === "object" ? schema.objects[job.name] : job.kind === "control" ? schema.controls[job.name] : null,
    schema,
    task: task || { data: {} },
    store,
    keys,
    editor: facade,
    value: (expr) => resolveValue(data, expr),
    hotkeyFor,
  });

  const jobs = buildLayout(schema, main);
  const modules = await Promise.all(jobs.map((job) => (job.module ? loadTagModule(job.module) : null)));
  const order = ["object", "layout", "control"];
  for (const kind of order) {
    jobs.forEach((job, i) => {
      if (destroyed || job.kind !== kind) return;
      const mod = modules[i];
      if (!mod) {
        if (job.kind !== "layout") notice(job.el, `<${job.node.tag}> is not supported by this editor yet.`);
        return;
      }
      try {
        const instance = mod.mount(ctxFor(job)) || {};
        mounted.push(instance);
        if (job.kind === "object") objects.set(job.name, instance);
        if (job.kind === "control") controls.set(job.name, instance);
      } catch (error) {
        notice(job.el, `<${job.node.tag} name="${job.name || ""}"> could not be shown: ${error.message}`);
        console.warn(error);
      }
      if (job.kind === "control") visibility.addControl(job.el, schema.controls[job.name]);
    });
  }
  for (const job of jobs) if (job.kind === "view") visibility.addNode(job.el, job.node);
  visibility.apply();
  panel.render();
  arrows = destroyed ? null : createArrows(main, { store, objects });

  const changeListeners = new Set();
  cleanups.push(
    store.subscribe((change) => {
      visibility.apply();
      if (change.type !== "select" && change.type !== "active" && change.type !== "view") {
        message("");
        const list = editor.getResults();
        for (const fn of [...changeListeners]) fn(list);
      }
    }),
  );

  const editor = {
    store,
    keys,
    root,
    getResults: () => store.items().filter(submittable(store, schema)).map(exportItem),
    setResults(list) {
      store.replaceAll(Array.isArray(list) ? list : []);
    },
    validate() {
      const problems = [];
      for (const [name, control] of Object.entries(schema.controls || {})) {
        const instance = controls.get(name);
        if (instance && instance.validate) {
          problems.push(...(instance.validate() || []));
          continue;
        }
        if (control.required && !control.per_region && !store.byControl(name).length) {
          problems.push({ control: name, message: `${name} is required` });
        }
      }
      return problems;
    },
    onChange(fn) {
      changeListeners.add(fn);
      return () => changeListeners.delete(fn);
    },
    undo: () => store.undo(),
    redo: () => store.redo(),
    keymap: () => keys.list(),
    help,
    object: facade.object,
    control: facade.control,
    destroy() {
      if (destroyed) return;
      destroyed = true;
      for (const instance of mounted.reverse()) {
        try {
          if (instance.destroy) instance.destroy();
        } catch (error) {
          console.warn(error);
        }
      }
      for (const cleanup of cleanups) cleanup();
      changeListeners.clear();
      help.destroy();
      panel.destroy();
      if (arrows) arrows.destroy();
      keys.destroy();
      store.destroy();
      root.remove();
    },
  };
  return editor;
}
