// The task table: a header that sorts (click: ascending, again: descending, again: off), rows built
// with textContent only, a checkbox per row, and the keyboard (↑/↓ move the focused row, Enter opens
// it, Space selects it) on the focusable wrapper.

export class Table {
  constructor({ head, body, wrap, empty }, { onSort, onOpen, onToggle, onTogglePage }) {
    Object.assign(this, { head, body, wrap, empty });
    this.handlers = { onSort, onOpen, onToggle, onTogglePage };
    this.rows = [];
    this.focused = -1;
    wrap.addEventListener("keydown", (e) => this.keys(e));
  }

  renderHead(columns, ordering, pageState) {
    const cells = [];
    const th = document.createElement("th");
    th.className = "dm-check";
    const all = document.createElement("input");
    all.type = "checkbox";
    all.id = "dm-select-page";
    all.setAttribute("aria-label", "Select all tasks on this page");
    all.checked = pageState === "all";
    all.indeterminate = pageState === "some";
    all.addEventListener("change", () => this.handlers.onTogglePage(all.checked));
    th.append(all);
    cells.push(th);
    const current = ordering[0] || "";
    for (const col of columns) {
      const cell = document.createElement("th");
      cell.dataset.column = col.key;
      if (col.className) cell.className = col.className;
      if (col.order) {
        const b = document.createElement("button");
        b.type = "button";
        b.className = "dm-sort";
        const dir = current === col.order ? "asc" : current === `-${col.order}` ? "desc" : "";
        b.textContent = col.title + (dir === "asc" ? " ▲" : dir === "desc" ? " ▼" : "");
        cell.setAttribute("aria-sort", dir === "asc" ? "ascending" : dir === "desc" ? "descending" : "none");
        b.addEventListener("click", () => {
          const next = dir === "" ? col.order : dir === "asc" ? `-${col.order}` : null;
          this.handlers.onSort(next);
        });
        cell.append(b);
      } else {
        cell.textContent = col.title;
      }
      cells.push(cell);
    }
    this.head.replaceChildren(...cells);
  }

  renderBody(tasks, columns, ctx, isSelected) {
    this.rows = tasks;
    const frag = document.createDocumentFragment();
    tasks.forEach((task, i) => {
      const tr = document.createElement("tr");
      tr.dataset.taskId = String(task.id);
      tr.dataset.index = String(i);
      const check = document.createElement("td");
      check.className = "dm-check";
      const box = document.createElement("input");
      box.type = "checkbox";
      box.checked = isSelected(task.id);
      box.setAttribute("aria-label", `Select task ${task.id}`);
      box.addEventListener("click", (e) => e.stopPropagation());
      box.addEventListener("change", () => this.handlers.onToggle(task.id, box.checked));
      check.append(box);
      check.addEventListener("click", (e) => { if (e.target === check) box.click(); });
      tr.append(check);
      if (box.checked) tr.classList.add("is-selected");
      for (const col of columns) {
        const td = document.createElement("td");
        if (col.className) td.className = col.className;
        td.textContent = col.cell(task, ctx);
        if (col.full) td.title = col.full(task).slice(0, 1000);
        tr.append(td);
      }
      tr.addEventListener("click", () => this.handlers.onOpen(task.id));
      frag.append(tr);
    });
    this.body.replaceChildren(frag);
    this.empty.classList.toggle("hidden", tasks.length > 0);
    this.focused = Math.min(this.focused, tasks.length - 1);
    this.paintFocus();
  }

  paintFocus() {
    for (const tr of this.body.querySelectorAll("tr.is-focused")) tr.classList.remove("is-focused");
    const tr = this.body.children[this.focused];
    if (tr) {
      tr.classList.add("is-focused");
      tr.scrollIntoView({ block: "nearest" });
    }
  }

  keys(event) {
    if (event.target !== this.wrap || !this.rows.length) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      this.focused = Math.max(0, Math.min(this.rows.length - 1, this.focused < 0 ? 0 : this.focused + step));
      this.paintFocus();
    } else if (event.key === "Enter" && this.focused >= 0) {
      event.preventDefault();
      this.handlers.onOpen(this.rows[this.focused].id);
    } else if (event.key === " " && this.focused >= 0) {
      event.preventDefault();
      const id = this.rows[this.focused].id;
      const box = this.body.children[this.focused].querySelector("input[type=checkbox]");
      this.handlers.onToggle(id, !box.checked);
    }
  }
}
