// One keymap per editor. Combos are written like "1", "p", "shift+a", "ctrl+z", "ctrl+shift+z",
// "arrowdown", "?"; Meta counts as Ctrl (so Cmd+Z undoes on a Mac). Later bindings are tried first; a
// handler that returns `false` passes the key on to the next binding of the same combo. Keys never fire
// while the user types in an input, a textarea, a select or an editable element, unless Ctrl/Meta is held.

const MODIFIERS = ["ctrl", "alt", "shift"];
const NAMED = { " ": "space", esc: "escape", del: "delete", return: "enter", up: "arrowup", down: "arrowdown", left: "arrowleft", right: "arrowright" };

export function normalizeCombo(combo) {
  const parts = String(combo).toLowerCase().split("+").map((p) => p.trim());
  let key = parts.pop();
  if (key === "" && parts.length && parts[parts.length - 1] === "") {
    parts.pop();
    key = "+";
  }
  key = NAMED[key] || key;
  const mods = new Set(parts.map((p) => (p === "meta" || p === "cmd" || p === "mod" || p === "control" ? "ctrl" : p === "option" ? "alt" : p)));
  return [...MODIFIERS.filter((m) => mods.has(m)), key].join("+");
}

// The combo of a keyboard event. Shift counts only with letters and named keys: "?" is "?" whatever
// shift it took on this keyboard layout.
export function eventCombo(event) {
  let key = event.key;
  if (!key || key === "Dead" || key === "Unidentified") return null;
  if (["Control", "Shift", "Alt", "Meta"].includes(key)) return null;
  key = key === " " ? "space" : key.toLowerCase();
  const mods = [];
  if (event.ctrlKey || event.metaKey) mods.push("ctrl");
  if (event.altKey) mods.push("alt");
  const printable = key.length === 1 && !/[a-z]/.test(key);
  if (event.shiftKey && !printable) mods.push("shift");
  // With Alt or Ctrl, some layouts turn the letter into another character: use the physical key then.
  if ((event.altKey || event.ctrlKey) && event.code && /^Key[A-Z]$/.test(event.code)) key = event.code.slice(3).toLowerCase();
  if (/^Digit[0-9]$/.test(event.code || "") && !event.shiftKey) key = event.code.slice(5);
  return [...mods, key].join("+");
}

export function isTyping(target) {
  if (!target || !(target instanceof Element)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag !== "INPUT") return false;
  const type = (target.getAttribute("type") || "text").toLowerCase();
  return !["checkbox", "radio", "button", "submit", "reset", "range", "color", "file"].includes(type);
}

// Pretty form of a combo for the help overlay and button hints.
export function displayCombo(combo) {
  const names = { arrowdown: "↓", arrowup: "↑", arrowleft: "←", arrowright: "→", space: "Space", escape: "Esc", enter: "Enter", backspace: "Backspace", delete: "Delete", ctrl: "Ctrl", alt: "Alt", shift: "Shift" };
  return normalizeCombo(combo)
    .split("+")
    .map((p) => names[p] || (p.length === 1 ? p.toUpperCase() : p))
    .join("+");
}

// Every live keymap, newest last: one document listener serves them all, the newest editor first, so a
// second editor mounted on a page (a preview, a comparison) gets the keys before the older one.
const keymaps = [];

function onKeyDown(event) {
  if (event.defaultPrevented || event.isComposing) return;
  const combo = eventCombo(event);
  if (!combo) return;
  if (isTyping(event.target) && !(event.ctrlKey || event.metaKey)) return;
  for (let k = keymaps.length - 1; k >= 0; k -= 1) {
    if (keymaps[k].dispatch(combo, event)) {
      event.preventDefault();
      event.stopPropagation();
      return;
    }
  }
}

export function createKeys() {
  const bindings = [];
  let enabled = true;

  const keymap = {
    dispatch(combo, event) {
      if (!enabled) return false;
      for (let i = bindings.length - 1; i >= 0; i -= 1) {
        const binding = bindings[i];
        if (binding.combo !== combo) continue;
        if (binding.when && !binding.when(event)) continue;
        if (binding.handler(event) === false) continue;
        return true;
      }
      return false;
    },
  };
  if (!keymaps.length) document.addEventListener("keydown", onKeyDown, true);
  keymaps.push(keymap);

  return {
    // Returns an unbind function. `options.group` names the section of the help overlay;
    // `options.hidden` keeps a binding out of it; `options.when(event)` makes it conditional.
    bind(combo, description, handler, options = {}) {
      const binding = { combo: normalizeCombo(combo), description, handler, group: options.group || "Editor", hidden: !!options.hidden, when: options.when || null };
      bindings.push(binding);
      return () => {
        const index = bindings.indexOf(binding);
        if (index >= 0) bindings.splice(index, 1);
      };
    },
    // Every visible binding, once per combo and description, in the order they were bound.
    list() {
      const seen = new Set();
      const out = [];
      for (const b of bindings) {
        if (b.hidden) continue;
        const key = `${b.combo}\u0000${b.description}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ keys: b.combo, description: b.description, group: b.group });
      }
      return out;
    },
    setEnabled(value) {
      enabled = !!value;
    },
    destroy() {
      const index = keymaps.indexOf(keymap);
      if (index >= 0) keymaps.splice(index, 1);
      if (!keymaps.length) document.removeEventListener("keydown", onKeyDown, true);
      bindings.length = 0;
    },
  };
}

const NUMBER_KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9"];
const KEYED_TAGS = new Set([
  "choices", "labels", "hypertextlabels", "paragraphlabels",
  "rectanglelabels", "polygonlabels", "keypointlabels", "ellipselabels",
]);

// The key of every Choice/Label: the config's hotkey, else the next free number key, one sequence across
// the whole config in config order (as Label Studio does). Returns a Map "control\u0000value" -> combo.
export function defaultHotkeys(schema) {
  const map = new Map();
  const controls = Object.values(schema.controls || {}).filter((c) => KEYED_TAGS.has(String(c.tag).toLowerCase()) && !c.options_key);
  const taken = new Set();
  for (const control of controls) for (const option of control.options || []) if (option.hotkey) taken.add(normalizeCombo(option.hotkey));
  const free = NUMBER_KEYS.filter((k) => !taken.has(k));
  for (const control of controls) {
    for (const option of control.options || []) {
      const key = option.hotkey ? normalizeCombo(option.hotkey) : free.shift();
      if (key) map.set(`${control.name}\u0000${option.value}`, key);
    }
  }
  return map;
}
