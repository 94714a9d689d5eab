// <Ranker toName="list">: order a List's items, or sort them into <Bucket>s. Without buckets the result is
// {ranker: {<ranker name>: [ids in order]}}; with buckets {ranker: {"_": [ids left in the list], bucket:
// [ids], ...}} ("_" is absent when a bucket has default="true": every item starts there), as Label Studio
// writes it. Items move by drag and drop, or from the keyboard: ↑/↓ and ←/→ move the focus, Shift+↑/↓
// moves the focused item within its column and Shift+←/→ moves it to the previous/next column.
import { bag, binding, flag, frame, h, isShown, localKeys, onResults, requiredCheck } from "./control.js";
import { itemContent, listItems } from "./list.js";

export default {
  mount(ctx) {
    const { tag, store, schema } = ctx;
    const listeners = bag();
    const bind = binding(ctx, "ranker");
    const ui = frame(ctx, "lw-ranker");
    const readOnly = !!(ctx.editor && ctx.editor.readOnly);
    const listName = (tag.to_name || [])[0];
    const instance = ctx.editor && typeof ctx.editor.object === "function" ? ctx.editor.object(listName) : null;
    const listTag = schema.objects[listName] || { attrs: {} };
    const items = instance && Array.isArray(instance.items) ? instance.items : listItems({ ...ctx, tag: listTag });
    const byId = new Map(items.map((item) => [String(item.id), item]));
    const buckets = tag.options || [];
    const fallback = buckets.find((b) => flag(b.attrs && b.attrs.default));
    const listTitle = (instance && instance.title) || (listTag.attrs && listTag.attrs.title) || "Items";
    const columns = buckets.length
      ? [...(fallback ? [] : [{ key: "_", title: listTitle }]), ...buckets.map((b) => ({ key: b.value, title: (b.attrs && b.attrs.title) || b.value }))]
      : [{ key: tag.name, title: listTitle }];
    const home = fallback ? fallback.value : columns[0].key;

    const host = instance && typeof instance.claim === "function" ? instance.claim() : ui.body;
    const board = h("div", { class: `lw-ranker-board${columns.length > 1 ? " has-buckets" : ""}`, dataset: { control: tag.name } });
    const help = h("div", { class: "lw-muted lw-ranker-help", text: readOnly ? "" : columns.length > 1 ? "Drag items between columns, or focus one and use Shift+arrows to move it." : "Drag items to reorder, or focus one and use Shift+↑/↓." });
    const status = h("div", { class: "lw-sr-only", role: "status", "aria-live": "polite" });
    host.append(board, help, status);
    if (host !== ui.body) listeners.add(() => (typeof instance.release === "function" ? instance.release() : (board.remove(), help.remove(), status.remove())));
    let focusId = null;
    let dragId = null;

    // Columns -> ids, from the stored result; items it does not mention stay in the list (or default bucket).
    function state() {
      const saved = bind.read() || {};
      const out = new Map(columns.map((c) => [c.key, []]));
      const placed = new Set();
      for (const column of columns) {
        const ids = Array.isArray(saved[column.key]) ? saved[column.key] : [];
        for (const id of ids) {
          const key = String(id);
          if (byId.has(key) && !placed.has(key)) {
            out.get(column.key).push(key);
            placed.add(key);
          }
        }
      }
      for (const key of byId.keys()) if (!placed.has(key)) out.get(home).push(key);
      return out;
    }

    function save(map) {
      const value = {};
      for (const [column, ids] of map) value[column] = ids.map((key) => byId.get(key).id);
      bind.write(value);
    }

    function move(key, column, index) {
      if (readOnly || !byId.has(key)) return;
      const map = state();
      let from = null;
      let at = -1;
      for (const [name, ids] of map) {
        const i = ids.indexOf(key);
        if (i >= 0) [from, at] = [name, i];
      }
      if (from === null) return;
      map.get(from).splice(at, 1);
      const target = map.get(column);
      let position = index;
      if (from === column && at < index) position -= 1;
      position = Math.max(0, Math.min(target.length, position));
      if (from === column && position === at) return;
      target.splice(position, 0, key);
      focusId = key;
      const title = columns.find((c) => c.key === column).title;
      status.textContent = `${byId.get(key).title ?? key}: ${position + 1} of ${target.length} in ${title}`;
      save(map);
    }

    function clearMarks() {
      for (const el of board.querySelectorAll(".is-drop-before, .is-drop-end")) el.classList.remove("is-drop-before", "is-drop-end");
    }

    // The item a drop at clientY lands before: the first whose middle is below it (none: the end).
    function dropBefore(listEl, y) {
      const rows = [...listEl.querySelectorAll(".lw-ranker-item")].filter((el) => el.dataset.id !== dragId);
      return rows.find((el) => {
        const box = el.getBoundingClientRect();
        return y < box.top + box.height / 2;
      });
    }

    function render() {
      const map = state();
      const active = document.activeElement && board.contains(document.activeElement) ? document.activeElement.dataset.id : null;
      const keep = focusId || active;
      board.replaceChildren(
        ...columns.map((column) => {
          const ids = map.get(column.key);
          const listEl = h("ol", { class: "lw-ranker-list", dataset: { column: column.key }, "aria-label": column.title });
          ids.forEach((key, index) => {
            const item = byId.get(key);
            const li = h("li", { class: "htx-ranker-item lw-ranker-item", tabindex: "0", draggable: readOnly ? "false" : "true", dataset: { id: key, index: String(index), column: column.key } }, h("span", { class: "lw-ranker-rank", text: String(index + 1) }), h("div", { class: "lw-ranker-content" }, ...itemContent(item)));
            li.setAttribute("aria-label", `${item.title ?? key}, ${index + 1} of ${ids.length} in ${column.title}`);
            listEl.append(li);
          });
          if (!ids.length) listEl.append(h("li", { class: "lw-ranker-empty lw-muted", text: "Drop items here" }));
          return h("section", { class: "htx-ranker-column lw-ranker-column", dataset: { column: column.key } }, h("h4", { class: "lw-ranker-title" }, h("span", { text: column.title }), h("span", { class: "lw-muted lw-ranker-count", text: String(ids.length) })), listEl);
        }),
      );
      if (keep) {
        const el = board.querySelector(`.lw-ranker-item[data-id="${CSS.escape(keep)}"]`);
        if (el && (focusId || active)) el.focus();
      }
      focusId = null;
      if (bind.read()) ui.showError("");
    }

    listeners.on(board, "dragstart", (event) => {
      const li = event.target instanceof Element ? event.target.closest(".lw-ranker-item") : null;
      if (!li || readOnly) return;
      dragId = li.dataset.id;
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", dragId);
      li.classList.add("is-dragging");
    });
    listeners.on(board, "dragover", (event) => {
      const listEl = event.target instanceof Element ? event.target.closest(".lw-ranker-column")?.querySelector(".lw-ranker-list") : null;
      if (!listEl || dragId === null) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      clearMarks();
      const before = dropBefore(listEl, event.clientY);
      if (before) before.classList.add("is-drop-before");
      else listEl.classList.add("is-drop-end");
    });
    listeners.on(board, "dragleave", (event) => {
      if (!board.contains(event.relatedTarget)) clearMarks();
    });
    listeners.on(board, "drop", (event) => {
      const listEl = event.target instanceof Element ? event.target.closest(".lw-ranker-column")?.querySelector(".lw-ranker-list") : null;
      const key = dragId || event.dataTransfer.getData("text/plain");
      clearMarks();
      if (!listEl || !key) return;
      event.preventDefault();
      const before = dropBefore(listEl, event.clientY);
      const ids = state().get(listEl.dataset.column);
      const index = before ? ids.indexOf(before.dataset.id) : ids.length;
      dragId = null;
      move(key, listEl.dataset.column, index);
    });
    listeners.on(board, "dragend", () => {
      dragId = null;
      clearMarks();
      for (const el of board.querySelectorAll(".is-dragging")) el.classList.remove("is-dragging");
    });

    const RANK_KEYS = ["arrowup", "arrowdown", "arrowleft", "arrowright", "shift+arrowup", "shift+arrowdown", "shift+arrowleft", "shift+arrowright", "home", "end"];
    listeners.add(localKeys(ctx.keys, board, RANK_KEYS, (event) => {
      const li = event.target instanceof Element ? event.target.closest(".lw-ranker-item") : null;
      if (!li || event.ctrlKey || event.metaKey || event.altKey) return false;
      const map = state();
      const key = li.dataset.id;
      const column = li.dataset.column;
      const c = columns.findIndex((col) => col.key === column);
      const ids = map.get(column);
      const i = ids.indexOf(key);
      const focusAt = (colIndex, index) => {
        const col = columns[colIndex];
        if (!col) return;
        const list = map.get(col.key);
        if (!list.length) return;
        const target = list[Math.max(0, Math.min(list.length - 1, index))];
        const el = board.querySelector(`.lw-ranker-item[data-id="${CSS.escape(target)}"]`);
        if (el) el.focus();
      };
      let handled = true;
      if (event.shiftKey && !readOnly) {
        if (event.key === "ArrowUp") move(key, column, i - 1);
        else if (event.key === "ArrowDown") move(key, column, i + 2);
        else if (event.key === "ArrowLeft" && c > 0) move(key, columns[c - 1].key, Math.min(i, map.get(columns[c - 1].key).length));
        else if (event.key === "ArrowRight" && c < columns.length - 1) move(key, columns[c + 1].key, Math.min(i, map.get(columns[c + 1].key).length));
        else handled = event.key.startsWith("Arrow");
      } else if (event.key === "ArrowUp") focusAt(c, i - 1);
      else if (event.key === "ArrowDown") focusAt(c, i + 1);
      else if (event.key === "ArrowLeft") focusAt(c - 1, i);
      else if (event.key === "ArrowRight") focusAt(c + 1, i);
      else if (event.key === "Home") focusAt(c, 0);
      else if (event.key === "End") focusAt(c, ids.length - 1);
      else handled = false;
      return handled;
    }));

    listeners.add(onResults(store, bind, render));
    render();

    return {
      validate() {
        if (!tag.required || !isShown(board)) return [];
        return requiredCheck(ctx, bind, ui, "Rank the items");
      },
      focus() {
        const first = board.querySelector(".lw-ranker-item");
        if (first) first.focus();
      },
      destroy() {
        listeners.dispose();
        board.remove();
        help.remove();
        status.remove();
        ui.root.remove();
      },
    };
  },
};
