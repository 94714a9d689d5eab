// <Labels>, <HyperTextLabels>, <ParagraphLabels>: the label buttons. A label is armed by clicking it or
// pressing its key; the object then makes a region of the next selection. A label key does, in order:
// label the pending text selection of its object, relabel the selected region of this control, or arm.
// This module draws no span: the object tags do.

import { displayCombo } from "../keys.js";
import { labelColor, relabel } from "../spans.js";

export default {
  mount(ctx) {
    const { el, tag: control, store, editor } = ctx;
    const bar = document.createElement("div");
    bar.className = "lw-labels";
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", `Labels ${control.name}`);
    const buttons = new Map();
    // Results carry the alias when a label has one (as Label Studio writes them), else the value.
    const resultValue = (option) => (option.alias !== null && option.alias !== undefined ? option.alias : option.value);
    for (const option of control.options || []) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "lw-label";
      b.dataset.value = resultValue(option);
      b.style.setProperty("--lw-label-color", labelColor(ctx.schema, control.name, option.value));
      const name = document.createElement("span");
      name.className = "lw-label-name";
      name.textContent = option.alias || option.value;
      b.appendChild(name);
      const key = ctx.hotkeyFor(control.name, option.value);
      if (key) {
        const kbd = document.createElement("kbd");
        kbd.textContent = displayCombo(key);
        b.appendChild(kbd);
      }
      if (option.hint) b.title = option.hint;
      b.setAttribute("aria-pressed", "false");
      bar.appendChild(b);
      buttons.set(resultValue(option), b);
    }
    el.appendChild(bar);

    const objects = () => (control.to_name || []).map((name) => editor.object(name)).filter(Boolean);
    const selectedRegionOfMine = () =>
      store.selected && store.items().some((it) => it.id === store.selected && it.from_name === control.name) ? store.selected : null;

    function toggleArm(value) {
      const armed = store.activeLabels.get(control.name) || [];
      let next;
      if (armed.includes(value)) next = armed.filter((v) => v !== value);
      else next = control.choice === "multiple" ? [...armed, value] : [value];
      store.setActiveLabels(control.name, next);
    }

    // The one action of a label, for its button and its key.
    function use(value) {
      if (!editor.readOnly) {
        for (const obj of objects()) if (obj.labelSelection && obj.labelSelection(control, [value])) return;
        const region = selectedRegionOfMine();
        if (region && relabel(store, control, region, value)) return;
      }
      toggleArm(value);
    }

    function onClick(event) {
      const b = event.target instanceof Element ? event.target.closest(".lw-label") : null;
      if (b) use(b.dataset.value);
    }
    // Keep the text selection when a label button is pressed with the mouse.
    function onMouseDown(event) {
      if (event.target instanceof Element && event.target.closest(".lw-label")) event.preventDefault();
    }
    bar.addEventListener("click", onClick);
    bar.addEventListener("mousedown", onMouseDown);

    // <Label selected="true"> starts armed, as in Label Studio.
    const preselected = (control.options || []).filter((o) => o.selected).map(resultValue);
    if (preselected.length && !store.activeLabels.get(control.name)) {
      store.setActiveLabels(control.name, control.choice === "multiple" ? preselected : preselected.slice(0, 1));
    }

    const unbinds = [];
    for (const option of control.options || []) {
      const key = ctx.hotkeyFor(control.name, option.value);
      if (key) unbinds.push(ctx.keys.bind(key, `Label ${option.alias || option.value}`, () => use(resultValue(option)), { group: `Labels: ${control.name}` }));
    }

    function render() {
      const armed = store.activeLabels.get(control.name) || [];
      const region = selectedRegionOfMine();
      const current = region ? store.items().find((it) => it.id === region && it.from_name === control.name) : null;
      const onRegion = new Set(current && current.value ? current.value[current.type] || [] : []);
      for (const [value, b] of buttons) {
        b.setAttribute("aria-pressed", String(armed.includes(value)));
        b.classList.toggle("is-on-region", onRegion.has(value));
      }
    }
    const unsubscribe = store.subscribe(render);
    render();

    return {
      destroy() {
        unsubscribe();
        for (const unbind of unbinds) unbind();
        bar.removeEventListener("click", onClick);
        bar.removeEventListener("mousedown", onMouseDown);
        bar.remove();
      },
    };
  },
};
