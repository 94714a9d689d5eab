// "Back to previously labeled tasks": the annotator's latest annotations in this project, newest
// first, at most `size` of them (the page never grows with the day's work). Clicking one opens that
// task with the annotation loaded, to update it. One click listener for the list's whole life.

function when(value) {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return "";
  return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

export class History {
  constructor(list, empty, items, size, onOpen) {
    this.list = list;
    this.empty = empty;
    this.size = size;
    this.items = items.slice(0, size);
    this.current = null;
    list.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-task]");
      if (button) onOpen(Number(button.dataset.task));
    });
    this.render();
  }

  // An annotation was submitted, skipped or updated: move its task to the top.
  add(annotation) {
    const item = {
      id: annotation.id,
      task: annotation.task,
      was_cancelled: annotation.was_cancelled,
      updated_at: annotation.updated_at,
    };
    this.items = [item, ...this.items.filter((i) => i.task !== item.task)].slice(0, this.size);
    this.render();
  }

  // Mark the task on screen.
  show(taskId) {
    this.current = taskId;
    for (const button of this.list.querySelectorAll("button[data-task]")) {
      button.classList.toggle("current", Number(button.dataset.task) === taskId);
    }
  }

  render() {
    const rows = this.items.map((item) => {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "lb-history-item";
      button.dataset.task = String(item.task);
      button.classList.toggle("current", item.task === this.current);
      const id = document.createElement("span");
      id.className = "lb-history-id";
      id.textContent = `#${item.task}`;
      const state = document.createElement("span");
      state.className = item.was_cancelled ? "lb-history-state skipped" : "lb-history-state";
      state.textContent = item.was_cancelled ? "skipped" : "submitted";
      const time = document.createElement("time");
      time.className = "muted";
      time.textContent = when(item.updated_at);
      button.append(id, state, time);
      li.append(button);
      return li;
    });
    this.list.replaceChildren(...rows);
    this.empty.classList.toggle("hidden", rows.length > 0);
  }
}
