// The regions list beside the objects: every span region (label, colour, the text it covers) and every
// relation (from -> to, direction, relation labels). Clicking selects; the buttons delete, link and turn
// relations. Everything is text: labels and task text never reach the DOM as HTML.

import { SPAN_TYPES, labelColor, labelsOf } from "./spans.js";

const ARROWS = { right: "→", left: "←", bi: "↔", none: "—" };
const NEXT_DIRECTION = { right: "left", left: "bi", bi: "right", none: "right" };

function excerpt(text, max = 60) {
  const flat = String(text === undefined || text === null ? "" : text).replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat || "(empty)";
}

// What per-region controls said about a region ("Positive · 4★ · a note"), for the list.
function perRegionSummary(store, region) {
  const parts = [];
  for (const item of store.items()) {
    if (item.id !== region.id || item === region.item || SPAN_TYPES.has(item.type) || !item.value) continue;
    const v = item.value;
    if (Array.isArray(v.choices)) parts.push(v.choices.map((c) => (Array.isArray(c) ? c.join("/") : c)).join(", "));
    else if (Array.isArray(v.text)) parts.push(v.text.join(" "));
    else if (v.rating !== undefined) parts.push(`${v.rating}★`);
    else if (v.number !== undefined) parts.push(String(v.number));
    else if (v.datetime !== undefined) parts.push(String(v.datetime));
    else if (Array.isArray(v.taxonomy)) parts.push(v.taxonomy.map((p) => p.join("/")).join(", "));
  }
  return parts.length ? excerpt(parts.join(" · "), 80) : "";
}

export function regionList(store) {
  const seen = new Map();
  for (const item of store.items()) {
    if (!SPAN_TYPES.has(item.type)) continue;
    const entry = seen.get(item.id);
    if (entry) entry.labels.push(...labelsOf(item).map((v) => [item.from_name, v]));
    else seen.set(item.id, { id: item.id, item, labels: labelsOf(item).map((v) => [item.from_name, v]) });
  }
  return [...seen.values()];
}

function button(text, title, cls) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = cls;
  b.textContent = text;
  b.title = title;
  b.setAttribute("aria-label", title);
  return b;
}

export function createRegionsPanel(el, { store, schema, editor }) {
  el.classList.add("lw-regions");
  const heading = document.createElement("h3");
  heading.className = "lw-regions-title";
  heading.textContent = "Regions";
  const list = document.createElement("ul");
  list.className = "lw-region-list";
  const relHeading = document.createElement("h3");
  relHeading.className = "lw-regions-title";
  relHeading.textContent = "Relations";
  const relList = document.createElement("ul");
  relList.className = "lw-relation-list";
  const empty = document.createElement("p");
  empty.className = "lw-regions-empty";
  empty.textContent = "No regions yet: arm a label, then select text or draw on the image.";
  el.append(heading, empty, list, relHeading, relList);

  const regionName = new Map();
  const texts = new WeakMap(); // frozen item -> the text it covers

  function onClick(event) {
    const target = event.target instanceof Element ? event.target : null;
    const row = target && target.closest("[data-region-id], [data-relation-id]");
    if (!row) return;
    const action = target.closest("[data-action]");
    const id = row.dataset.regionId || row.dataset.relationId;
    const verb = action ? action.dataset.action : "select";
    if (verb === "delete") {
      if (!editor.readOnly && !store.isLocked(id)) store.remove(id);
    } else if (verb === "hide") {
      store.setHidden(id, !store.isHidden(id));
    } else if (verb === "lock") {
      store.setLocked(id, !store.isLocked(id));
    } else if (verb === "link") {
      store.select(id);
      editor.startRelation(id);
    } else if (verb === "direction") {
      const rel = store.get(id);
      if (rel && !editor.readOnly) store.update(id, { direction: NEXT_DIRECTION[rel.direction || "right"] });
    } else if (verb === "relation-label") {
      const rel = store.get(id);
      const value = action.dataset.value;
      if (rel && !editor.readOnly) {
        const labels = rel.labels || [];
        store.update(id, { labels: labels.includes(value) ? labels.filter((v) => v !== value) : [...labels, value] });
      }
    } else if (editor.relating()) {
      editor.finishRelation(id);
    } else {
      store.select(store.selected === id ? null : id);
      if (store.selected) editor.scrollTo(id);
    }
  }
  el.addEventListener("click", onClick);

  function render() {
    const regions = regionList(store);
    regionName.clear();
    list.replaceChildren();
    regions.forEach((region, index) => {
      if (!texts.has(region.item)) texts.set(region.item, editor.regionText(region.item));
      const text = texts.get(region.item);
      regionName.set(region.id, `${index + 1}. ${excerpt(text, 24)}`);
      const li = document.createElement("li");
      li.className = "lw-region";
      li.dataset.regionId = region.id;
      li.tabIndex = -1;
      if (store.selected === region.id) li.classList.add("is-selected");
      if (String(region.item.origin || "").startsWith("prediction") && region.item.origin === "prediction") li.classList.add("is-prediction");
      const labels = document.createElement("span");
      labels.className = "lw-region-labels";
      for (const [control, value] of region.labels) {
        const tag = document.createElement("span");
        tag.className = "lw-region-label";
        tag.style.setProperty("--lw-label-color", labelColor(schema, control, value));
        tag.textContent = value;
        labels.appendChild(tag);
      }
      const body = document.createElement("span");
      body.className = "lw-region-text";
      body.textContent = excerpt(text);
      const extra = perRegionSummary(store, region);
      if (extra) {
        const more = document.createElement("span");
        more.className = "lw-region-extra";
        more.textContent = extra;
        body.title = extra;
        body.appendChild(more);
      }
      const actions = document.createElement("span");
      actions.className = "lw-region-actions";
      const hidden = store.isHidden(region.id);
      const locked = store.isLocked(region.id);
      li.classList.toggle("is-hidden", hidden);
      li.classList.toggle("is-locked", locked);
      const eye = button(hidden ? "◌" : "◉", hidden ? "Show region" : "Hide region", "lw-icon-button lw-region-hide");
      eye.dataset.action = "hide";
      eye.setAttribute("aria-pressed", String(hidden));
      actions.append(eye);
      if (!editor.readOnly && !region.item.readonly) {
        const lock = button(locked ? "🔒" : "🔓", locked ? "Unlock region" : "Lock region", "lw-icon-button lw-region-lock");
        lock.dataset.action = "lock";
        lock.setAttribute("aria-pressed", String(locked));
        actions.append(lock);
      }
      if (!editor.readOnly && !region.item.readonly && !locked) {
        const link = button("⇢", "Relate to another region (Alt+R)", "lw-icon-button");
        link.dataset.action = "link";
        const del = button("×", "Delete region (Backspace)", "lw-icon-button");
        del.dataset.action = "delete";
        actions.append(link, del);
      }
      const number = document.createElement("span");
      number.className = "lw-region-number";
      number.textContent = String(index + 1);
      li.append(number, labels, body, actions);
      list.appendChild(li);
    });
    empty.hidden = regions.length > 0;

    const relations = store.relations();
    relHeading.hidden = relations.length === 0;
    relList.replaceChildren();
    for (const rel of relations) {
      const li = document.createElement("li");
      li.className = "lw-relation";
      li.dataset.relationId = rel.id;
      if (store.selected === rel.id) li.classList.add("is-selected");
      const from = document.createElement("span");
      from.className = "lw-relation-end";
      from.textContent = regionName.get(rel.from_id) || rel.from_id;
      const dir = button(ARROWS[rel.direction || "right"], "Change direction", "lw-relation-direction");
      dir.dataset.action = "direction";
      dir.dataset.direction = rel.direction || "right";
      const to = document.createElement("span");
      to.className = "lw-relation-end";
      to.textContent = regionName.get(rel.to_id) || rel.to_id;
      const labels = document.createElement("span");
      labels.className = "lw-relation-labels";
      for (const option of schema.relations || []) {
        const b = button(option.alias || option.value, `Relation label ${option.value}`, "lw-relation-label");
        b.dataset.action = "relation-label";
        b.dataset.value = option.value;
        b.setAttribute("aria-pressed", String((rel.labels || []).includes(option.value)));
        labels.appendChild(b);
      }
      const del = button("×", "Delete relation", "lw-icon-button");
      del.dataset.action = "delete";
      li.append(from, dir, to, labels, del);
      relList.appendChild(li);
    }
  }

  // Selecting only moves a class; the list is rebuilt when results change.
  function markSelected() {
    for (const li of el.querySelectorAll(".is-selected")) li.classList.remove("is-selected");
    if (!store.selected) return;
    for (const li of el.querySelectorAll("[data-region-id], [data-relation-id]")) {
      if ((li.dataset.regionId || li.dataset.relationId) === store.selected) {
        li.classList.add("is-selected");
        li.scrollIntoView({ block: "nearest" });
      }
    }
  }
  const unsubscribe = store.subscribe((change) => {
    if (change.type === "active") return;
    if (change.type === "select") markSelected();
    else render();
  });
  render();
  return {
    render,
    destroy() {
      unsubscribe();
      el.removeEventListener("click", onClick);
      el.replaceChildren();
    },
  };
}
