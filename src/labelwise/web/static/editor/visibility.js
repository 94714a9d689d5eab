// visibleWhen, for every control and View, kept in the core so a control module never has to know:
//   choice-selected / choice-unselected  (whenTagName = a Choices name, whenChoiceValue = "A,B")
//   region-selected / no-region-selected (whenTagName = a Labels name, whenLabelValue = "PER,ORG")
// and perRegion controls, which show only while a region of their object is selected.

import { SPAN_TYPES, labelsOf } from "./spans.js";

function list(value) {
  return value ? String(value).split(",").map((v) => v.trim()).filter(Boolean) : [];
}

function chosen(store, tagName) {
  const values = new Set();
  for (const item of store.items()) {
    if (item.type !== "choices" || (tagName && item.from_name !== tagName) || !item.value) continue;
    for (const v of item.value.choices || []) values.add(Array.isArray(v) ? v.join("/") : v);
  }
  return values;
}

function selectedRegion(store) {
  if (!store.selected) return null;
  const items = store.items().filter((it) => it.id === store.selected && it.type !== "relation");
  return items.find((it) => SPAN_TYPES.has(it.type)) || items[0] || null;
}

// Whether a rule {visibleWhen, whenTagName, whenChoiceValue, whenLabelValue} holds now.
export function ruleHolds(store, rule) {
  const when = rule.visibleWhen;
  if (!when) return true;
  if (when === "choice-selected" || when === "choice-unselected") {
    const values = chosen(store, rule.whenTagName);
    const wanted = list(rule.whenChoiceValue);
    const hit = wanted.length ? wanted.some((v) => values.has(v)) : values.size > 0;
    return when === "choice-selected" ? hit : !hit;
  }
  const region = selectedRegion(store);
  if (when === "no-region-selected") return !region;
  if (when === "region-selected") {
    if (!region) return false;
    if (rule.whenTagName) {
      const ofTag = store.items().some((it) => it.id === region.id && it.from_name === rule.whenTagName);
      if (!ofTag) return false;
    }
    const wanted = list(rule.whenLabelValue);
    if (!wanted.length) return true;
    const labels = new Set(store.items().filter((it) => it.id === region.id).flatMap(labelsOf));
    return wanted.some((v) => labels.has(v));
  }
  return true;
}

export function controlRule(control) {
  return {
    visibleWhen: control.visible_when,
    whenTagName: control.when_tag_name,
    whenChoiceValue: control.when_choice_value,
    whenLabelValue: control.when_label_value,
  };
}

// Tracks elements and shows or hides them after every change. `entries` are {el, control?, node?}.
export function createVisibility(store) {
  const entries = [];
  function apply() {
    for (const entry of entries) {
      let visible = ruleHolds(store, entry.rule);
      if (visible && entry.control && entry.control.per_region) {
        const region = selectedRegion(store);
        visible = !!region && (entry.control.to_name || []).includes(region.to_name);
      }
      entry.el.hidden = !visible;
    }
  }
  return {
    addControl(el, control) {
      if (control.visible_when || control.per_region) entries.push({ el, control, rule: controlRule(control) });
    },
    addNode(el, node) {
      const a = node.attrs || {};
      entries.push({ el, rule: { visibleWhen: a.visibleWhen, whenTagName: a.whenTagName, whenChoiceValue: a.whenChoiceValue, whenLabelValue: a.whenLabelValue } });
    },
    apply,
  };
}

// Results of a control hidden by a choice condition are kept (showing the choice again brings them back) but
// not submitted, as Label Studio does ("hidden choices won't be submitted"). Region conditions follow the
// selection, which is not part of the annotation, so they never drop anything.
export function submittable(store, schema) {
  const hidden = new Set();
  for (const [name, control] of Object.entries(schema.controls || {})) {
    const when = control.visible_when;
    if ((when === "choice-selected" || when === "choice-unselected") && !ruleHolds(store, controlRule(control))) {
      hidden.add(name);
    }
  }
  return (item) => !hidden.has(item.from_name);
}
