// The help overlay: every key of the editor's keymap (editor.keymap(), which the labeling screen extends
// through editor.keys.bind), grouped as they were bound. Opened with "?", closed with Esc or "?".

import { displayCombo } from "./keys.js";

export function createHelp(root, keymap) {
  let dialog = null;

  function close() {
    if (dialog) {
      dialog.close();
      dialog.remove();
      dialog = null;
    }
  }

  function open() {
    close();
    dialog = document.createElement("dialog");
    dialog.className = "lw-help";
    dialog.setAttribute("aria-label", "Keyboard shortcuts");
    const title = document.createElement("h2");
    title.textContent = "Keyboard shortcuts";
    const intro = document.createElement("p");
    intro.className = "lw-help-intro";
    intro.textContent =
      "Mouse: arm a label (click it or press its key), then select text; click a span to select it. " +
      "Keyboard: Tab into the text, move with ←/→, select with Shift+arrows (Ctrl for words), then press a label key.";
    dialog.append(title, intro);
    const groups = new Map();
    for (const entry of keymap()) {
      if (!groups.has(entry.group)) groups.set(entry.group, []);
      groups.get(entry.group).push(entry);
    }
    for (const [group, entries] of groups) {
      const h = document.createElement("h3");
      h.textContent = group;
      const dl = document.createElement("dl");
      for (const entry of entries) {
        const dt = document.createElement("dt");
        const kbd = document.createElement("kbd");
        kbd.textContent = displayCombo(entry.keys);
        dt.appendChild(kbd);
        const dd = document.createElement("dd");
        dd.textContent = entry.description;
        dl.append(dt, dd);
      }
      dialog.append(h, dl);
    }
    const closeButton = document.createElement("button");
    closeButton.type = "button";
    closeButton.className = "lw-help-close";
    closeButton.textContent = "Close";
    closeButton.addEventListener("click", close);
    dialog.appendChild(closeButton);
    dialog.addEventListener("close", () => {
      if (dialog) {
        dialog.remove();
        dialog = null;
      }
    });
    root.appendChild(dialog);
    dialog.showModal();
    dialog.scrollTop = 0;
  }

  return {
    open,
    close,
    toggle() {
      if (dialog) close();
      else open();
    },
    isOpen: () => !!dialog,
    destroy: close,
  };
}
