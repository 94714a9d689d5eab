// The import dialog: files by drag and drop or the picker (several at once), URLs, one upload per
// file with its own progress bar (XMLHttpRequest upload events), then one import of every staged file.
//
// The server's rule is all or nothing per import: the staged files are imported together, and when
// one of them holds a bad row the server's 400 names the file and the line; that message is shown
// under that file, the others are marked "not imported", and nothing is stored until the file is
// removed (or fixed and dropped again). URLs are imported one by one after the files.

import { csrfToken, del, get, post } from "../js/http.js";

let current = null;

export function openImport(dialog, { projectId, onDone }) {
  if (!current || current.projectId !== projectId) current = new ImportDialog(dialog, projectId);
  current.onDone = onDone;
  current.entries = current.entries.filter((e) => e.state !== "imported");
  delete dialog.dataset.done;
  current.render();
  if (!dialog.open) dialog.showModal();
  return current;
}

function formatSize(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

class ImportDialog {
  constructor(dialog, projectId) {
    this.dialog = dialog;
    this.projectId = projectId;
    this.entries = [];
    this.busy = false;
    this.list = dialog.querySelector("#dm-files");
    this.status = dialog.querySelector("#dm-import-status");
    this.progress = dialog.querySelector("#dm-import-progress");
    this.runButton = dialog.querySelector("#dm-run-import");
    const input = dialog.querySelector("#dm-file-input");
    const drop = dialog.querySelector("#dm-drop");
    input.addEventListener("change", () => { this.add([...input.files]); input.value = ""; });
    drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("is-over"); });
    drop.addEventListener("dragleave", () => drop.classList.remove("is-over"));
    drop.addEventListener("drop", (e) => {
      e.preventDefault();
      drop.classList.remove("is-over");
      if (e.dataTransfer && e.dataTransfer.files) this.add([...e.dataTransfer.files]);
    });
    drop.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); input.click(); } });
    dialog.addEventListener("click", (e) => {
      const action = e.target.closest("[data-action]");
      if (!action) return;
      if (action.dataset.action === "pick-files") input.click();
      if (action.dataset.action === "close-import") dialog.close();
      if (action.dataset.action === "run-import") this.run();
    });
    dialog.querySelector("#dm-url-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const field = dialog.querySelector("#dm-url");
      const url = field.value.trim();
      if (!url) return;
      this.entries.push({ kind: "url", name: url, state: "ready", error: "" });
      field.value = "";
      this.render();
    });
  }

  add(files) {
    for (const file of files) {
      const entry = { kind: "file", file, name: file.name, size: file.size, state: "uploading", loaded: 0, uploadId: null, error: "" };
      this.entries.push(entry);
      this.stage(entry);
    }
    this.setStatus("");
    this.render();
  }

  // One upload per file, stored on the server but not imported yet (`commit_to_project=false`).
  stage(entry) {
    const form = new FormData();
    form.append("file", entry.file, entry.file.name);
    const xhr = new XMLHttpRequest();
    entry.xhr = xhr;
    xhr.open("POST", `/api/projects/${this.projectId}/import?commit_to_project=false`);
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", (e) => {
      if (!e.lengthComputable) return;
      entry.loaded = e.loaded / e.total;
      this.paintProgress(entry);
    });
    xhr.addEventListener("load", () => {
      let body = {};
      try { body = JSON.parse(xhr.responseText || "{}"); } catch { body = { detail: xhr.responseText }; }
      if (xhr.status === 201) {
        entry.state = "staged";
        entry.uploadId = (body.file_upload_ids || [])[0] || null;
        entry.loaded = 1;
      } else {
        entry.state = "error";
        entry.error = body.detail || `upload failed (${xhr.status})`;
      }
      this.render();
    });
    xhr.addEventListener("error", () => { entry.state = "error"; entry.error = "the upload was interrupted"; this.render(); });
    xhr.send(form);
  }

  remove(entry) {
    if (entry.xhr && entry.state === "uploading") entry.xhr.abort();
    if (entry.uploadId) del(`/api/import/file-upload/${entry.uploadId}`).catch(() => {});
    this.entries = this.entries.filter((e) => e !== entry);
    this.setStatus("");
    this.render();
  }

  setStatus(text, kind = "") {
    this.status.textContent = text;
    this.status.className = `dm-import-status${kind ? ` ${kind}` : ""}`;
  }

  paintProgress(entry) {
    const li = this.list.querySelector(`li[data-index="${this.entries.indexOf(entry)}"]`);
    const bar = li && li.querySelector("progress");
    if (bar) bar.value = Math.round(entry.loaded * 100);
  }

  render() {
    const stateText = { uploading: "uploading…", staged: "ready", ready: "ready", error: "error", imported: "imported", waiting: "not imported" };
    this.list.replaceChildren(...this.entries.map((entry, i) => {
      const li = document.createElement("li");
      li.dataset.index = String(i);
      li.dataset.state = entry.state;
      li.className = `dm-file is-${entry.state}`;
      const head = document.createElement("div");
      head.className = "dm-file-head";
      const name = document.createElement("span");
      name.className = "dm-file-name";
      name.textContent = entry.name;
      const meta = document.createElement("span");
      meta.className = "dm-file-meta muted";
      meta.textContent = (entry.kind === "file" ? `${formatSize(entry.size)} · ` : "URL · ") + stateText[entry.state];
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "link-button";
      remove.textContent = "Remove";
      remove.setAttribute("aria-label", `Remove ${entry.name}`);
      remove.disabled = this.busy || entry.state === "imported";
      remove.addEventListener("click", () => this.remove(entry));
      head.append(name, meta, remove);
      li.append(head);
      if (entry.kind === "file" && entry.state === "uploading") {
        const bar = document.createElement("progress");
        bar.max = 100;
        bar.value = Math.round(entry.loaded * 100);
        bar.setAttribute("aria-label", `Upload of ${entry.name}`);
        li.append(bar);
      }
      if (entry.error) {
        const err = document.createElement("p");
        err.className = "dm-file-error error";
        err.textContent = entry.error;
        li.append(err);
      }
      return li;
    }));
    const pending = this.entries.filter((e) => e.state === "staged" || e.state === "ready" || e.state === "waiting");
    const uploading = this.entries.some((e) => e.state === "uploading");
    const broken = this.entries.some((e) => e.state === "error");
    this.runButton.disabled = this.busy || uploading || broken || pending.length === 0;
    if (broken && !this.busy && !this.status.textContent) this.setStatus("Remove the files with errors (or fix them and add them again) to import the others: an import is all or nothing.", "error");
  }

  async run() {
    const files = this.entries.filter((e) => e.kind === "file" && (e.state === "staged" || e.state === "waiting"));
    const urls = this.entries.filter((e) => e.kind === "url" && (e.state === "ready" || e.state === "waiting"));
    this.busy = true;
    this.render();
    const totals = { tasks: 0, annotations: 0, predictions: 0 };
    let ok = true;
    try {
      if (files.length) ok = await this.commitFiles(files, totals);
      for (const entry of urls) {
        if (!ok) break;
        ok = await this.commitUrl(entry, totals);
      }
    } finally {
      this.busy = false;
      this.progress.classList.add("hidden");
    }
    if (ok) {
      this.setStatus(`Imported ${totals.tasks} tasks, ${totals.annotations} annotations, ${totals.predictions} predictions.`, "ok");
      this.dialog.dataset.done = "true";
    }
    this.render();
    if (totals.tasks && this.onDone) this.onDone(totals);
  }

  async commitFiles(files, totals) {
    this.setStatus(`Importing ${files.length} file${files.length > 1 ? "s" : ""}…`);
    this.progress.classList.remove("hidden");
    this.progress.removeAttribute("value");
    let imp;
    try {
      const queued = await post(`/api/projects/${this.projectId}/reimport`, { file_upload_ids: files.map((f) => f.uploadId), async: true });
      imp = await this.poll(queued.import);
    } catch (err) {
      imp = { status: "failed", error: err.message };
    }
    if (imp.status === "completed") {
      for (const f of files) { f.state = "imported"; f.error = ""; }
      totals.tasks += imp.task_count;
      totals.annotations += imp.annotation_count;
      totals.predictions += imp.prediction_count;
      return true;
    }
    this.blame(files, imp.error || "the import failed");
    return false;
  }

  // The failed import's message names the file and line: put it under that file (or those files).
  blame(files, message) {
    let named = files.filter((f) => message.includes(f.name));
    if (!named.length && files.length === 1) named = files; // one file: the error is its own
    for (const f of files) {
      if (named.includes(f)) { f.state = "error"; f.error = message; }
      else { f.state = "waiting"; f.error = ""; }
    }
    if (!named.length) this.setStatus(`Nothing was imported: ${message}`, "error");
    else this.setStatus("Nothing was imported: an import is all or nothing. Remove or fix the file with the error, then import again.", "error");
  }

  async poll(importId) {
    for (;;) {
      const imp = await get(`/api/projects/${this.projectId}/imports/${importId}`);
      if (imp.status === "completed" || imp.status === "failed") return imp;
      if (imp.progress && imp.progress.total) {
        this.progress.max = imp.progress.total;
        this.progress.value = imp.progress.done;
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }

  async commitUrl(entry, totals) {
    this.setStatus(`Importing ${entry.name}…`);
    try {
      const response = await fetch(`/api/projects/${this.projectId}/import`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": csrfToken(), Accept: "application/json" },
        body: new URLSearchParams({ url: entry.name }),
      });
      const body = await response.json().catch(() => ({}));
      if (response.status !== 201) throw new Error(body.detail || `import failed (${response.status})`);
      entry.state = "imported";
      entry.error = "";
      totals.tasks += body.task_count || 0;
      totals.annotations += body.annotation_count || 0;
      totals.predictions += body.prediction_count || 0;
      return true;
    } catch (err) {
      entry.state = "error";
      entry.error = err.message;
      this.setStatus("The URL could not be imported; the files before it were.", "error");
      return false;
    }
  }
}
