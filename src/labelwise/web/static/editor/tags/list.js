// <List>: an object tag showing task-data items ({id, title, body}) as a plain list. A <Ranker> that
// targets it takes its place through `claim()`, so the ranked board appears where the List is written in
// the config, as in Label Studio. Item fields are shown as text only (an `html` field is not trusted HTML).
import { h } from "./control.js";

export function listItems(ctx) {
  const { tag } = ctx;
  let raw = null;
  if (tag.value_key && ctx.task && ctx.task.data) raw = ctx.task.data[tag.value_key];
  else if (typeof ctx.value === "function" && tag.value) raw = ctx.value(tag.value);
  if (!Array.isArray(raw)) return [];
  return raw.filter((item) => item && typeof item === "object" && item.id !== undefined && item.id !== null);
}

// One item's content: title and body as text; `html` only as a last resort, and as text.
export function itemContent(item) {
  const title = item.title ?? (item.body === undefined ? item.html : null);
  return [
    title !== null && title !== undefined ? h("div", { class: "lw-list-title", text: String(title) }) : null,
    item.body !== null && item.body !== undefined ? h("div", { class: "lw-list-body", text: String(item.body) }) : null,
  ];
}

export default {
  mount(ctx) {
    const { tag } = ctx;
    const items = listItems(ctx);
    const title = tag.attrs && tag.attrs.title ? tag.attrs.title : "";
    const root = h("section", { class: "lw-list", dataset: { object: tag.name } });
    const heading = title ? h("h3", { class: "lw-list-heading", text: title }) : null;
    const plain = h("ol", { class: "lw-list-items" }, ...items.map((item) => h("li", { class: "lw-list-item", dataset: { id: String(item.id) } }, ...itemContent(item))));
    if (!items.length) plain.append(h("li", { class: "lw-muted", text: "No items" }));
    const slot = h("div", { class: "lw-list-slot", hidden: true });
    if (heading) root.append(heading);
    root.append(plain, slot);
    ctx.el.append(root);
    return {
      el: root,
      items,
      title,
      // A Ranker renders in `slot` instead of the plain list.
      claim() {
        plain.hidden = true;
        if (heading) heading.hidden = true; // the board's first column carries the title
        slot.hidden = false;
        return slot;
      },
      release() {
        slot.replaceChildren();
        slot.hidden = true;
        plain.hidden = false;
        if (heading) heading.hidden = false;
      },
      destroy() {
        root.remove();
      },
    };
  },
};
