// Small DOM builders shared by the editor's tags and the pages. Text goes in through textContent only:
// task data, labels and names are hostile, so nothing here ever parses markup.

export function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

// A button whose `label` is both its tooltip and its accessible name (icon buttons show only `text`).
export function button(cls, text, label) {
  const b = el("button", cls, text);
  b.type = "button";
  b.title = label;
  b.setAttribute("aria-label", label);
  return b;
}
