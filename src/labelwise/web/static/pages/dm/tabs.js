// The tabs of the data manager, one per saved view (Label Studio's tab behaviour): click to switch,
// "+" adds one, double-click (or the pencil) renames in place, × deletes (after a confirm), and tabs
// are reordered by dragging or with Alt+←/→ on a focused tab.

export class Tabs {
  constructor(root, { editable, onSelect, onAdd, onRename, onDelete, onReorder }) {
    this.root = root;
    this.editable = editable;
    this.handlers = { onSelect, onAdd, onRename, onDelete, onReorder };
    this.views = [];
    this.active = null;
    this.dragged = null;
  }

  render(views, active) {
    this.views = views;
    this.active = active;
    const nodes = views.map((v) => this.tab(v));
    if (this.editable) {
      const add = document.createElement("button");
      add.type = "button";
      add.className = "dm-tab-add";
      add.textContent = "+";
      add.title = "New tab";
      add.setAttribute("aria-label", "New tab");
      add.addEventListener("click", () => this.handlers.onAdd());
      nodes.push(add);
    }
    this.root.replaceChildren(...nodes);
  }

  tab(view) {
    const wrap = document.createElement("div");
    wrap.className = "dm-tab" + (view.id === this.active ? " is-active" : "");
    wrap.dataset.viewId = String(view.id);
    const button = document.createElement("button");
    button.type = "button";
    button.className = "dm-tab-title";
    button.setAttribute("role", "tab");
    button.setAttribute("aria-selected", view.id === this.active ? "true" : "false");
    button.textContent = (view.data && view.data.title) || "Tab";
    button.addEventListener("click", () => this.handlers.onSelect(view.id));
    wrap.append(button);
    if (!this.editable) return wrap;
    button.addEventListener("dblclick", () => this.rename(wrap, view));
    button.addEventListener("keydown", (e) => this.keys(e, view));
    wrap.draggable = true;
    wrap.addEventListener("dragstart", (e) => {
      this.dragged = view.id;
      e.dataTransfer.effectAllowed = "move";
      e.dataTransfer.setData("text/plain", String(view.id));
    });
    wrap.addEventListener("dragover", (e) => { if (this.dragged !== null) e.preventDefault(); });
    wrap.addEventListener("drop", (e) => {
      e.preventDefault();
      if (this.dragged === null || this.dragged === view.id) return;
      const ids = this.views.map((v) => v.id).filter((id) => id !== this.dragged);
      ids.splice(ids.indexOf(view.id), 0, this.dragged);
      this.dragged = null;
      this.handlers.onReorder(ids);
    });
    wrap.addEventListener("dragend", () => { this.dragged = null; });
    if (view.id === this.active) {
      const edit = this.small("✎", "Rename tab", () => this.rename(wrap, view));
      wrap.append(edit);
      if (this.views.length > 1) wrap.append(this.small("×", "Delete tab", () => this.handlers.onDelete(view)));
    }
    return wrap;
  }

  small(text, label, action) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "dm-tab-tool";
    b.textContent = text;
    b.title = label;
    b.setAttribute("aria-label", label);
    b.addEventListener("click", action);
    return b;
  }

  keys(event, view) {
    if (event.key === "F2") {
      event.preventDefault();
      this.rename(event.target.closest(".dm-tab"), view);
      return;
    }
    if (!event.altKey || (event.key !== "ArrowLeft" && event.key !== "ArrowRight")) return;
    event.preventDefault();
    const ids = this.views.map((v) => v.id);
    const i = ids.indexOf(view.id);
    const j = event.key === "ArrowLeft" ? i - 1 : i + 1;
    if (j < 0 || j >= ids.length) return;
    [ids[i], ids[j]] = [ids[j], ids[i]];
    this.handlers.onReorder(ids, view.id);
  }

  rename(wrap, view) {
    const input = document.createElement("input");
    input.type = "text";
    input.className = "dm-tab-input";
    input.value = (view.data && view.data.title) || "";
    input.maxLength = 200;
    input.setAttribute("aria-label", "Tab name");
    wrap.replaceChildren(input);
    input.focus();
    input.select();
    let done = false;
    const finish = (save) => {
      if (done) return;
      done = true;
      const title = input.value.trim();
      if (save && title && title !== view.data.title) this.handlers.onRename(view, title);
      else this.render(this.views, this.active);
    };
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") { e.preventDefault(); finish(true); }
      if (e.key === "Escape") { e.preventDefault(); finish(false); }
    });
    input.addEventListener("blur", () => finish(true));
  }

  focus(viewId) {
    const node = this.root.querySelector(`.dm-tab[data-view-id="${Number(viewId)}"] .dm-tab-title`);
    if (node) node.focus();
  }
}
