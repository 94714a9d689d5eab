// <TextArea>: free text submitted as lines. Enter adds the typed text as a line (Shift+Enter is a newline
// inside it); submitted lines are listed with delete, and with edit when editable="true". maxSubmissions
// hides the input once that many lines exist. <Shortcut value alias hotkey> children become buttons that
// insert their value at the caret (their hotkey works while typing only with Ctrl/Alt, like every key). The result is {text: [lines]}; perRegion works as for Choices.
import { bag, binding, frame, h, isShown, onResults, requiredCheck } from "./control.js";

export default {
  mount(ctx) {
    const { tag, store, keys } = ctx;
    const listeners = bag();
    const bind = binding(ctx, "text");
    const ui = frame(ctx, "lw-textarea");
    const readOnly = !!(ctx.editor && ctx.editor.readOnly);
    const max = Number.parseInt(tag.attrs?.maxSubmissions ?? "", 10) || 0;
    const editable = !!tag.editable;
    const lines = h("ol", { class: "lw-textarea-lines" });
    const input = h("textarea", {
      class: "lw-input lw-textarea-input",
      rows: tag.rows || 1,
      placeholder: tag.placeholder || null,
      "aria-label": tag.attrs?.title || tag.placeholder || tag.name,
      disabled: readOnly,
    });
    const add = h("button", { type: "button", class: "lw-btn lw-textarea-add", text: "Add", disabled: readOnly });
    const form = h("div", { class: "lw-textarea-form" }, input, add);
    const shortcuts = (ctx.node && ctx.node.children ? ctx.node.children : []).filter((n) => String(n.tag).toLowerCase() === "shortcut" && n.attrs && n.attrs.value);
    const bar = shortcuts.length ? h("div", { class: "lw-textarea-shortcuts" }) : null;
    for (const shortcut of shortcuts) {
      const { value, alias, hotkey } = shortcut.attrs;
      const button = h("button", { type: "button", class: "lw-btn lw-small", text: alias || value, title: hotkey ? `${value} (${hotkey})` : value, disabled: readOnly });
      listeners.on(button, "mousedown", (event) => event.preventDefault()); // keep the caret in the field
      listeners.on(button, "click", () => insert(value));
      bar.append(button);
      if (hotkey && keys) listeners.add(keys.bind(hotkey, `${tag.name}: insert “${alias || value}”`, () => (isShown(input) ? (insert(value), true) : false), { group: "Text" }));
    }
    ui.body.append(lines, form);
    if (bar) form.after(bar);

    function insert(text) {
      if (readOnly || form.hidden) return;
      const start = input.selectionStart ?? input.value.length;
      const end = input.selectionEnd ?? start;
      input.setRangeText(text, start, end, "end");
      input.focus();
    }
    let editing = -1;

    function current() {
      const value = bind.read();
      if (typeof value === "string") return [value];
      return Array.isArray(value) ? value : [];
    }

    function commit() {
      const text = input.value;
      if (!text.trim() || readOnly) return false;
      if (bind.perRegion && !bind.region()) return false;
      const now = current();
      if (max && now.length >= max) return false;
      input.value = "";
      bind.write([...now, text]);
      return true;
    }

    function setLine(index, text) {
      const now = [...current()];
      if (text === null) now.splice(index, 1);
      else now[index] = text;
      bind.write(now.length ? now : null);
    }

    listeners.on(input, "keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.ctrlKey && !event.metaKey && !event.altKey && !event.isComposing) {
        event.preventDefault();
        commit();
      } else if (event.key === "Escape") {
        // Leave the field, so the editor's own keys (Esc deselects, number keys) work again.
        input.blur();
      }
    });
    listeners.on(add, "click", () => {
      commit();
      input.focus();
    });
    if (tag.hotkey && keys) {
      listeners.add(keys.bind(tag.hotkey, `Focus ${tag.name}`, () => (isShown(input) ? (input.focus(), true) : false), { group: "Text" }));
    }

    function lineRow(text, index) {
      const row = h("li", { class: "lw-textarea-line" });
      if (editing === index) {
        const field = h("textarea", { class: "lw-input", rows: Math.max(1, text.split("\n").length), "aria-label": `Edit line ${index + 1}` });
        field.value = text;
        const save = () => {
          editing = -1;
          if (field.value.trim()) setLine(index, field.value);
          else setLine(index, null);
        };
        field.addEventListener("keydown", (event) => {
          if (event.key === "Enter" && !event.shiftKey && !event.ctrlKey && !event.metaKey) {
            event.preventDefault();
            save();
          } else if (event.key === "Escape") {
            event.preventDefault();
            event.stopPropagation();
            editing = -1;
            render();
          }
        });
        row.append(field, h("button", { type: "button", class: "lw-btn lw-small", text: "Save" }));
        row.lastChild.addEventListener("click", save);
        queueMicrotask(() => field.focus());
        return row;
      }
      row.append(h("span", { class: "lw-textarea-text", text }));
      if (!readOnly) {
        if (editable) {
          const edit = h("button", { type: "button", class: "lw-link", text: "Edit", "aria-label": `Edit line ${index + 1}` });
          edit.addEventListener("click", () => {
            editing = index;
            render();
          });
          row.append(edit);
        }
        const del = h("button", { type: "button", class: "lw-link lw-danger", text: "Delete", "aria-label": `Delete line ${index + 1}` });
        del.addEventListener("click", () => setLine(index, null));
        row.append(del);
      }
      return row;
    }

    // perRegion: text typed for one region and not yet added goes to that region when another is selected
    // (written a microtask later, outside the store's notification of the selection change).
    let shownRegion = null;
    function keepPending(next) {
      if (!bind.perRegion || next === shownRegion) return;
      const text = input.value;
      const previous = shownRegion;
      shownRegion = next;
      input.value = "";
      if (!previous || !text.trim() || readOnly) return;
      queueMicrotask(() => {
        const mine = store.items().find((it) => it.id === previous && it.from_name === tag.name);
        const now = mine && mine.value ? [].concat(mine.value.text ?? []) : [];
        if (!max || now.length < max) bind.write([...now, text], previous);
      });
    }

    function render() {
      const selectedRegion = bind.perRegion ? bind.region() : null;
      keepPending(selectedRegion ? selectedRegion.id : null);
      const regionless = bind.perRegion && !selectedRegion;
      ui.root.hidden = regionless;
      const now = current();
      if (editing >= now.length) editing = -1;
      lines.replaceChildren(...now.map(lineRow));
      lines.hidden = !now.length;
      form.hidden = readOnly || (max > 0 && now.length >= max);
      if (now.length) ui.showError("");
    }

    listeners.add(onResults(store, bind, render));
    render();

    return {
      // Text typed but not yet added would be lost on save: add it first, then check `required`.
      validate() {
        if (input.value.trim() && isShown(input)) commit();
        return requiredCheck(ctx, bind, ui, "Enter text");
      },
      // Adds what is typed but not yet submitted; the editor may call it before reading results.
      flush() {
        if (input.value.trim() && isShown(input)) commit();
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
