// <Rating>: stars 1..maxRating in a radio group. Click a star to set it (the same star again clears);
// with the group focused, ←/→ (or ↓/↑) step, Home/End jump, Delete/Backspace/0 clear. A config `hotkey`
// steps the rating up and wraps to none, as in Label Studio.
import { bag, binding, frame, h, isShown, localKeys, onResults, requiredCheck } from "./control.js";

const ICONS = { star: "★", heart: "♥", fire: "🔥", smile: "☺" };

export default {
  mount(ctx) {
    const { tag, store, keys } = ctx;
    const listeners = bag();
    const bind = binding(ctx, "rating");
    const ui = frame(ctx, "lw-rating");
    const readOnly = !!(ctx.editor && ctx.editor.readOnly);
    const top = Math.max(1, Math.min(tag.max_rating || 5, 100));
    const icon = ICONS[String(tag.attrs?.icon || "star").toLowerCase()] || ICONS.star;
    const size = String(tag.attrs?.size || "medium").toLowerCase();
    const group = h("div", { class: `lw-rating-stars is-${["small", "medium", "large"].includes(size) ? size : "medium"}`, role: "radiogroup", "aria-label": tag.attrs?.title || tag.name });
    const label = h("span", { class: "lw-rating-value lw-muted" });
    ui.body.append(group, label);

    const stars = [];
    for (let n = 1; n <= top; n += 1) {
      const star = h("button", { type: "button", class: "lw-star", role: "radio", "aria-label": `${n} of ${top}`, tabindex: "-1", disabled: readOnly, text: icon });
      listeners.on(star, "click", () => set(value() === n ? null : n));
      listeners.on(star, "mouseenter", () => preview(n));
      listeners.on(star, "mouseleave", () => preview(0));
      group.append(star);
      stars.push(star);
    }

    const value = () => {
      const v = bind.read();
      return typeof v === "number" ? v : 0;
    };

    function set(n) {
      if (readOnly || (bind.perRegion && !bind.region())) return;
      bind.write(n ? Math.max(1, Math.min(top, n)) : null);
      const focus = stars[Math.max(0, (n || 1) - 1)];
      if (group.contains(document.activeElement) && focus) focus.focus();
    }

    function preview(n) {
      const shown = n || value();
      stars.forEach((star, i) => star.classList.toggle("is-hover", n > 0 && i < shown));
    }

    const RATING_KEYS = ["arrowleft", "arrowright", "arrowup", "arrowdown", "home", "end", "delete", "backspace", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
    listeners.add(
      localKeys(keys, group, RATING_KEYS, (event) => {
        if (event.ctrlKey || event.metaKey || event.altKey || event.shiftKey) return false;
        const now = value();
        const moves = { ArrowRight: now + 1, ArrowUp: now + 1, ArrowLeft: now - 1, ArrowDown: now - 1, Home: 1, End: top, Delete: 0, Backspace: 0, 0: 0 };
        let next = moves[event.key];
        if (next === undefined && /^[1-9]$/.test(event.key) && Number(event.key) <= top) next = Number(event.key);
        if (next === undefined) return false;
        set(Math.max(0, Math.min(top, next)));
        return true;
      }),
    );

    if (tag.hotkey && keys) {
      listeners.add(
        keys.bind(tag.hotkey, `${tag.name}: rate one more (wraps)`, () => {
          if (readOnly || !isShown(ui.root)) return false;
          set(value() >= top ? null : value() + 1);
          return true;
        }, { group: "Rating" }),
      );
    }

    function render() {
      ui.root.hidden = bind.perRegion && !bind.region();
      const now = value();
      stars.forEach((star, i) => {
        star.classList.toggle("is-on", i < now);
        star.setAttribute("aria-checked", String(i + 1 === now));
        star.tabIndex = i === Math.max(0, now - 1) ? 0 : -1;
      });
      label.textContent = now ? `${now} / ${top}` : "";
      if (now) ui.showError("");
    }

    listeners.add(onResults(store, bind, render));
    render();

    return {
      validate() {
        return requiredCheck(ctx, bind, ui, "Give a rating");
      },
      focus() {
        stars[Math.max(0, value() - 1)].focus();
      },
      destroy() {
        listeners.dispose();
        ui.root.remove();
      },
    };
  },
};
