// <DateTime>: a native date/time field chosen by `only` (LS: a comma list of date, time, month, year;
// none means date and time). Results keep LS's strings: "2026-12-01T10:00", "2026-12-01", "10:00",
// "2026-12", "2026". min/max attributes pass through to the field.
import { bag, binding, frame, h, isShown, onResults, requiredCheck } from "./control.js";

function kindOf(only) {
  const parts = new Set(String(only || "").toLowerCase().split(",").map((p) => p.trim()).filter(Boolean));
  if (!parts.size || (parts.has("date") && parts.has("time"))) return "datetime-local";
  if (parts.has("date")) return "date";
  if (parts.has("month")) return "month";
  if (parts.has("year")) return "year";
  if (parts.has("time")) return "time";
  return "datetime-local";
}

export default {
  mount(ctx) {
    const { tag, store, keys } = ctx;
    const listeners = bag();
    const bind = binding(ctx, "datetime");
    const ui = frame(ctx, "lw-datetime");
    const readOnly = !!(ctx.editor && ctx.editor.readOnly);
    const kind = kindOf(tag.attrs?.only);
    const attrs = { class: "lw-input lw-datetime-input", "aria-label": tag.attrs?.title || tag.name, disabled: readOnly, min: tag.attrs?.min || null, max: tag.attrs?.max || null };
    const input = kind === "year" ? h("input", { ...attrs, type: "number", step: 1, min: tag.attrs?.min || 1, max: tag.attrs?.max || 9999, placeholder: "YYYY" }) : h("input", { ...attrs, type: kind });
    ui.body.append(input);

    function onChange() {
      if (bind.perRegion && !bind.region()) return;
      if (input.validity.badInput || (input.value && !input.validity.valid)) {
        ui.showError(kind === "year" ? "Enter a year" : "Enter a complete value");
        return;
      }
      ui.showError("");
      const value = input.value || null;
      if (value === (bind.read() ?? null)) return;
      bind.write(value);
    }
    listeners.on(input, "change", onChange);
    listeners.on(input, "input", onChange);

    if (tag.hotkey && keys) {
      listeners.add(keys.bind(tag.hotkey, `Focus ${tag.name}`, () => (isShown(input) ? (input.focus(), true) : false), { group: "Date" }));
    }

    function render() {
      ui.root.hidden = bind.perRegion && !bind.region();
      const value = bind.read();
      const shown = typeof value === "string" ? value : "";
      if (input.value !== shown && document.activeElement !== input) input.value = shown;
      if (shown) ui.showError("");
    }

    listeners.add(onResults(store, bind, render));
    render();

    return {
      validate() {
        return requiredCheck(ctx, bind, ui, "Enter a date");
      },
      focus() {
        input.focus();
      },
      destroy() {
        listeners.dispose();
        ui.root.remove();
      },
    };
  },
};
