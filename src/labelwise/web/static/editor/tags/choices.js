// <Choices>: one radio group (choice="single"/"single-radio") or a set of checkboxes (choice="multiple");
// layout="select" makes it a <select> (multiple for choice="multiple"), layout="inline" is showInline.
// Clicking or pressing the hotkey of a chosen option again clears it, as in Label Studio. perRegion
// Choices show only while a region of their object is selected and write a result sharing its id.
import { displayCombo } from "../keys.js";
import { bag, binding, frame, h, isShown, onResults, optionValue, requiredCheck } from "./control.js";

// Options from the config, or from task data for <Choices value="$options"> (strings or {value, alias, hint}).
function optionsOf(ctx) {
  const { tag } = ctx;
  if (!tag.options_key) return tag.options || [];
  const raw = ctx.task && ctx.task.data ? ctx.task.data[tag.options_key] : null;
  if (!Array.isArray(raw)) return [];
  return raw
    .map((entry) => (entry && typeof entry === "object" ? { value: String(entry.value ?? ""), alias: entry.alias ?? null, hint: entry.hint ?? null, hotkey: null } : { value: String(entry ?? ""), alias: null, hint: null, hotkey: null }))
    .filter((option) => option.value !== "");
}

export default {
  mount(ctx) {
    const { tag, store, keys } = ctx;
    const listeners = bag();
    const bind = binding(ctx, "choices");
    const single = tag.choice !== "multiple";
    const options = optionsOf(ctx);
    const ui = frame(ctx, "lw-choices");
    const readOnly = !!(ctx.editor && ctx.editor.readOnly);
    const layout = String(tag.attrs?.layout || "").toLowerCase();
    const asSelect = layout === "select";
    const inline = tag.show_inline || layout === "inline";
    const label = tag.attrs?.title || tag.name;
    const list = asSelect
      ? h("select", { class: "lw-input lw-choices-select", multiple: !single, "aria-label": label, disabled: readOnly }, single ? h("option", { value: "", text: "—" }) : null)
      : h("form", { class: `lw-choices-list${inline ? " is-inline" : ""}`, role: single ? "radiogroup" : "group", "aria-label": label });
    ui.body.append(list);
    // Each control's radios live in their own <form>: a radio group is scoped by its form, so one fixed
    // name never joins another editor's group, and the browser drops the group with the form (a group
    // name unique per mount stayed registered in the document for as long as the page lived).
    if (!asSelect) listeners.on(list, "submit", (event) => event.preventDefault());
    if (asSelect) {
      listeners.on(list, "change", () => {
        const picked = new Set([...list.selectedOptions].map((o) => o.value).filter(Boolean));
        bind.write(picked.size ? options.map(optionValue).filter((v) => picked.has(v)) : null);
        render();
      });
    }

    const inputs = options.map((option) => {
      const value = optionValue(option);
      const hotkey = !tag.options_key && ctx.hotkeyFor ? ctx.hotkeyFor(tag.name, option.value) : null;
      if (asSelect) {
        const item = h("option", { value, title: option.hint || null, text: hotkey ? `${option.value} (${displayCombo(hotkey)})` : option.value });
        list.append(item);
        bindHotkey(hotkey, option, value);
        return { input: item, label: item, value };
      }
      const input = h("input", { type: single ? "radio" : "checkbox", name: "choice", value, disabled: readOnly });
      const label = h("label", { class: "lw-choice", title: option.hint || null }, input, h("span", { class: "lw-choice-text", text: option.value }));
      if (hotkey) label.append(h("kbd", { class: "lw-hotkey", text: displayCombo(hotkey) }));
      if (option.background && typeof CSS !== "undefined" && CSS.supports("color", option.background)) label.style.setProperty("--lw-choice-color", option.background);
      list.append(label);
      // The store decides: on `click` it still holds the previous state, and render() then sets `checked`
      // (not cancelling the click, which would make the browser restore the old checkedness afterwards).
      listeners.on(input, "click", () => {
        toggle(value);
        render();
      });
      bindHotkey(hotkey, option, value);
      return { input, label, value };
    });

    function bindHotkey(hotkey, option, value) {
      if (!hotkey || !keys) return;
      listeners.add(
        keys.bind(hotkey, `${tag.name}: ${option.value}`, () => {
          if (readOnly || !isShown(ui.root)) return false;
          toggle(value);
          return true;
        }, { group: "Choices" }),
      );
    }
    if (!options.length) list.append(h("span", { class: "lw-muted", text: "No options" }));

    // Stored values in the form this control writes: a result may name an option by its value where the
    // config now sets an alias (or was written by another tool); both mean the same option.
    const canonical = new Map();
    for (const option of options) {
      canonical.set(option.value, optionValue(option));
      canonical.set(optionValue(option), optionValue(option));
    }
    function chosen() {
      const value = bind.read();
      return Array.isArray(value) ? [...new Set(value.map((v) => canonical.get(v) ?? v))] : [];
    }

    function toggle(value) {
      if (readOnly) return;
      if (bind.perRegion && !bind.region()) return;
      const now = chosen();
      let next;
      if (now.includes(value)) next = now.filter((v) => v !== value);
      else if (single) next = [value];
      else next = options.map(optionValue).filter((v) => v === value || now.includes(v));
      bind.write(next.length ? next : null);
    }

    function render() {
      const regionless = bind.perRegion && !bind.region();
      ui.root.hidden = regionless;
      const now = chosen();
      for (const { input, label, value } of inputs) {
        const on = now.includes(value);
        if (asSelect) input.selected = on;
        else input.checked = on;
        label.classList.toggle("is-checked", on);
      }
      if (asSelect && single && !now.length) list.value = "";
      if (now.length) ui.showError("");
    }

    // selected="true" options are the answer of a new annotation (nothing stored yet), as in Label Studio.
    const defaults = options.filter((o) => o.selected).map(optionValue);
    if (defaults.length && !readOnly && !bind.perRegion && !store.items().length) bind.write(single ? defaults.slice(0, 1) : defaults);

    listeners.add(onResults(store, bind, render));
    render();

    return {
      validate() {
        return requiredCheck(ctx, bind, ui, "Choose an option");
      },
      focus() {
        if (asSelect) return list.focus();
        const target = inputs.find((i) => i.input.checked) || inputs[0];
        if (target) target.input.focus();
      },
      destroy() {
        listeners.dispose();
        ui.root.remove();
      },
    };
  },
};
