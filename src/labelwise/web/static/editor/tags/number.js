// <Number>: a number field with the config's min/max/step. Every valid edit is written; an empty field
// removes the result; a value out of range (or not a number) is not written and says why under the field,
// and validate() reports it so the annotation is not saved with a value the server would refuse.
import { bag, binding, frame, h, isShown, onResults, requiredCheck } from "./control.js";

const fmt = (n) => String(Number(n.toPrecision(12)));

export default {
  mount(ctx) {
    const { tag, store, keys } = ctx;
    const listeners = bag();
    const bind = binding(ctx, "number");
    const ui = frame(ctx, "lw-number");
    const readOnly = !!(ctx.editor && ctx.editor.readOnly);
    const min = typeof tag.min === "number" ? tag.min : null;
    const max = typeof tag.max === "number" ? tag.max : null;
    const input = h("input", {
      type: "number",
      class: "lw-input lw-number-input",
      min: min ?? null,
      max: max ?? null,
      step: typeof tag.step === "number" ? tag.step : "any",
      placeholder: tag.placeholder || null,
      "aria-label": tag.attrs?.title || tag.name,
      disabled: readOnly,
    });
    const range = min !== null || max !== null ? h("span", { class: "lw-muted lw-number-range", text: min !== null && max !== null ? `${fmt(min)} – ${fmt(max)}` : min !== null ? `≥ ${fmt(min)}` : `≤ ${fmt(max)}` }) : null;
    ui.body.append(input);
    if (range) ui.body.append(range);
    let problem = "";

    // The reason a typed value cannot be stored, or "".
    function check() {
      if (input.validity.badInput) return "Enter a number";
      if (input.value === "") return "";
      const n = Number(input.value);
      if (!Number.isFinite(n)) return "Enter a number";
      if (min !== null && n < min) return `Must be at least ${fmt(min)}`;
      if (max !== null && n > max) return `Must be at most ${fmt(max)}`;
      return "";
    }

    // A half-typed number ("-", "1e") is not an error yet: that shows when the field is left.
    function show(typing) {
      const shown = typing && input.validity.badInput ? "" : problem;
      ui.showError(shown);
      input.setAttribute("aria-invalid", String(!!shown));
    }

    function onInput() {
      if (bind.perRegion && !bind.region()) return;
      problem = check();
      show(true);
      if (problem) return;
      const n = input.value === "" ? null : Number(input.value);
      if (n === bind.read() || (n === null && bind.read() === undefined)) return;
      bind.write(n);
    }
    listeners.on(input, "input", onInput);
    listeners.on(input, "blur", () => {
      problem = check();
      show(false);
    });

    if (tag.hotkey && keys) {
      listeners.add(keys.bind(tag.hotkey, `Focus ${tag.name}`, () => (isShown(input) ? (input.focus(), true) : false), { group: "Number" }));
    }

    function render() {
      ui.root.hidden = bind.perRegion && !bind.region();
      const value = bind.read();
      // Keep what the user is typing (an out-of-range value is not in the store).
      if (problem && document.activeElement === input) return;
      const shown = typeof value === "number" ? String(value) : "";
      if (input.value !== shown && !(input.value !== "" && Number(input.value) === value)) input.value = shown;
      problem = "";
      ui.showError("");
      input.setAttribute("aria-invalid", "false");
    }

    listeners.add(onResults(store, bind, render));
    render();

    return {
      validate() {
        problem = check();
        if (problem && isShown(ui.root)) {
          const message = `${tag.name}: ${problem.toLowerCase()}`;
          ui.showError(problem);
          return [{ control: tag.name, message }];
        }
        return requiredCheck(ctx, bind, ui, "Enter a number");
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
