// The editor's own page: mount the editor on one task with the user's latest annotation, save with the
// button or Ctrl+Enter (POST the first time, PATCH afterwards), and show the server's 400 detail.

import { ApiError, pageData, patch, post } from "/static/js/http.js";
import { mountEditor } from "./editor.js";

const data = pageData("editor-data");
const host = document.getElementById("editor");
const saveButton = document.getElementById("editor-save");
const state = document.getElementById("editor-state");
const errorBox = document.getElementById("editor-error");
let annotationId = data.annotation ? data.annotation.id : null;
let dirty = false;
let saving = false;
const started = performance.now();

function showError(text) {
  errorBox.textContent = text || "";
  errorBox.hidden = !text;
}

function describe(error) {
  if (!(error instanceof ApiError)) return `Could not save: ${error.message}`;
  const fields = Object.entries(error.errors || {}).map(([field, messages]) => `${field}: ${[].concat(messages).join(", ")}`);
  return [error.message, ...fields].join(" — ");
}

const editor = await mountEditor(host, {
  schema: data.schema,
  task: data.task,
  results: data.annotation ? data.annotation.result : [],
  readOnly: !data.can_annotate,
});
performance.mark("lw-editor-ready");
host.setAttribute("aria-busy", "false");
host.dataset.ready = "true";
saveButton.disabled = !data.can_annotate;
state.textContent = annotationId ? "Saved" : "";

editor.onChange(() => {
  dirty = true;
  state.textContent = "Unsaved changes";
});

async function save() {
  if (saving || !data.can_annotate) return;
  const problems = editor.validate();
  if (problems.length) {
    showError(problems.map((p) => p.message).join("; "));
    return;
  }
  saving = true;
  saveButton.disabled = true;
  state.textContent = "Saving…";
  const body = { result: editor.getResults(), lead_time: (performance.now() - started) / 1000 };
  try {
    const saved = annotationId
      ? await patch(`/api/annotations/${annotationId}`, body)
      : await post(`/api/tasks/${data.task.id}/annotations`, body);
    annotationId = saved.id;
    dirty = false;
    showError("");
    state.textContent = "Saved";
  } catch (error) {
    showError(describe(error));
    state.textContent = dirty ? "Unsaved changes" : "";
  } finally {
    saving = false;
    saveButton.disabled = false;
  }
}

saveButton.addEventListener("click", save);
editor.keys.bind("ctrl+enter", "Save", () => {
  save();
}, { group: "Page" });
window.addEventListener("beforeunload", (event) => {
  if (dirty) event.preventDefault();
});
