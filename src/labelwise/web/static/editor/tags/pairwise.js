// <Pairwise>: pick the better of two objects. Two buttons name the objects; clicking one of the objects
// themselves works too when the object tag exposes its element, and ←/→ pick left/right. The result is
// {selected: "left"|"right"} with to_name the first object, as the contract says; the chosen object gets
// the config's selectionStyle (applied through the CSSOM, never as a style attribute).
import { bag, fromOtherTag, binding, frame, h, isShown, onResults, requiredCheck } from "./control.js";

const SIDES = ["left", "right"];

// "background-color: #e7f5ff; border: 1px solid" -> [[prop, value]], only declarations the browser accepts.
function declarations(css) {
  return String(css || "")
    .split(";")
    .map((part) => {
      const at = part.indexOf(":");
      return at > 0 ? [part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim()] : null;
    })
    .filter((d) => d && /^[a-z-]+$/.test(d[0]) && !/url\(|expression\(/i.test(d[1]) && CSS.supports(d[0], d[1]));
}

export default {
  mount(ctx) {
    const { tag, store, keys, schema } = ctx;
    const listeners = bag();
    const bind = binding(ctx, "selected");
    const ui = frame(ctx, "lw-pairwise");
    const readOnly = !!(ctx.editor && ctx.editor.readOnly);
    const names = (tag.to_name || []).slice(0, 2);
    const style = declarations(tag.attrs?.selectionStyle);
    const bar = h("div", { class: "lw-pairwise-bar", role: "radiogroup", "aria-label": tag.attrs?.title || "Which is better?" });
    ui.body.append(bar);

    const buttons = SIDES.map((side, i) => {
      const objectName = names[i] || side;
      const title = schema.objects[objectName]?.attrs?.title || objectName;
      const button = h(
        "button",
        { type: "button", class: `lw-btn lw-pairwise-pick is-${side}`, role: "radio", "aria-checked": "false", disabled: readOnly, dataset: { side } },
        side === "left" ? h("kbd", { class: "lw-hotkey", text: "←" }) : null,
        h("span", { text: side === "left" ? `Left: ${title}` : `Right: ${title}` }),
        side === "right" ? h("kbd", { class: "lw-hotkey", text: "→" }) : null,
      );
      listeners.on(button, "click", () => pick(side));
      bar.append(button);
      return button;
    });

    // The objects' own elements, when their instances expose one: clicking them picks that side too.
    function objectEl(i) {
      const instance = ctx.editor && typeof ctx.editor.object === "function" ? ctx.editor.object(names[i]) : null;
      const el = instance && (instance.el || instance.root || instance.element);
      if (el instanceof Element) return el;
      const root = ctx.editor && ctx.editor.root;
      return root instanceof Element && names[i] ? root.querySelector(`.lw-tag[data-name="${CSS.escape(names[i])}"]`) : null;
    }
    const objects = [objectEl(0), objectEl(1)];
    objects.forEach((el, i) => {
      if (!el) return;
      el.classList.add("lw-pairwise-object");
      listeners.add(() => el.classList.remove("lw-pairwise-object", "is-picked"));
      listeners.on(el, "click", (event) => {
        // A click that selects text is not a pick.
        const selection = window.getSelection();
        if (selection && !selection.isCollapsed && el.contains(selection.anchorNode)) return;
        if (event.target instanceof Element && event.target.closest("a, button, input, textarea, select")) return;
        pick(SIDES[i]);
      });
    });

    function pick(side) {
      if (readOnly) return;
      bind.write(side);
    }

    if (keys) {
      for (const [combo, side] of [["arrowleft", "left"], ["arrowright", "right"]]) {
        listeners.add(
          keys.bind(combo, `Pick the ${side} one (${tag.name})`, (event) => {
            if (readOnly || !isShown(ui.root) || fromOtherTag(event, ui.root)) return false;
            pick(side);
            return true;
          }, { group: "Pairwise" }),
        );
      }
    }

    function paint(el, on) {
      if (!el) return;
      el.classList.toggle("is-picked", on);
      for (const [prop, value] of style) {
        if (on) el.style.setProperty(prop, value);
        else el.style.removeProperty(prop);
      }
    }

    function render() {
      const selected = bind.read();
      buttons.forEach((button, i) => {
        const on = selected === SIDES[i];
        button.classList.toggle("is-picked", on);
        button.setAttribute("aria-checked", String(on));
        paint(objects[i], on);
      });
      if (selected) ui.showError("");
    }

    listeners.add(onResults(store, bind, render));
    render();

    return {
      validate() {
        return requiredCheck(ctx, bind, ui, "Pick one side");
      },
      focus() {
        buttons[0].focus();
      },
      destroy() {
        objects.forEach((el) => paint(el, false));
        listeners.dispose();
        ui.root.remove();
      },
    };
  },
};
