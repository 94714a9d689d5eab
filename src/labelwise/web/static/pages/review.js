// The review screen: the next task with annotations waiting for this reviewer
// (`GET /api/projects/{id}/next-review`), one annotation at a time in the editor, read-only; Accept, Reject
// (with a comment for the annotator) or Fix (the editor turns editable, "Submit fix" sends the corrected
// result as an accepted review). After each verdict the queue is asked again, so the next annotation of the
// same task, or the next task, loads by itself. One editor exists at a time (each owns document keys).
// Everything from the server reaches the page as text (textContent), never as markup.
//
// Events for tests: `review:task` on document when a task is shown (detail: {id, annotation}),
// `review:done` when nothing is left.
import { mountEditor } from "/static/editor/editor.js";
import { ApiError, get, pageData, post } from "/static/js/http.js";

const data = pageData("review-data");
const $ = (id) => document.getElementById(id);
const ui = {
  toolbar: $("rv-toolbar"),
  taskId: $("rv-task-id"),
  agreement: $("rv-agreement"),
  annotation: $("rv-annotation"),
  verdicts: $("rv-verdicts"),
  fixing: $("rv-fixing"),
  accept: $("rv-accept"),
  reject: $("rv-reject"),
  fix: $("rv-fix"),
  skip: $("rv-skip"),
  fixSubmit: $("rv-fix-submit"),
  fixCancel: $("rv-fix-cancel"),
  rejectForm: $("rv-reject-form"),
  rejectCancel: $("rv-reject-cancel"),
  comment: $("rv-comment"),
  status: $("rv-status"),
  body: $("rv-body"),
  editor: $("rv-editor"),
  list: $("rv-list"),
  done: $("rv-done"),
};

const skipped = []; // tasks passed over this visit
let payload = null; // the next-review answer on screen
let selected = null; // the annotation in the editor
let editor = null;
let fixing = false;
let busy = false;

function say(message, kind = "") {
  ui.status.textContent = message;
  ui.status.className = `notice ${kind}`;
  ui.status.classList.toggle("hidden", !message);
}

function describe(error) {
  if (!(error instanceof ApiError)) return error.message;
  const fields = Object.entries(error.errors || {}).map(([f, m]) => `${f}: ${[].concat(m).join(", ")}`);
  return [error.message, ...fields].join(" — ");
}

const STATE_TEXT = { accepted: "accepted", rejected: "rejected", fixed: "fixed", null: "waiting for review" };

function stateOf(annotationId) {
  const state = payload.review_states[String(annotationId)];
  return state == null ? "pending" : state;
}

function who(annotation) {
  return payload.annotators[String(annotation.completed_by)] || `user ${annotation.completed_by}`;
}

async function mount(annotation, readOnly) {
  if (editor) editor.destroy();
  editor = null;
  const host = document.createElement("div");
  ui.editor.replaceChildren(host);
  ui.editor.classList.toggle("is-fixing", !readOnly);
  editor = await mountEditor(host, {
    schema: payload.schema,
    task: payload.task,
    results: structuredClone(annotation.result || []),
    readOnly,
  });
}

function renderList() {
  const items = (payload.task.annotations || []).filter((a) => !a.was_cancelled);
  ui.list.replaceChildren(
    ...items.map((a) => {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = `rv-item${selected && a.id === selected.id ? " current" : ""}`;
      button.dataset.annotation = String(a.id);
      const id = document.createElement("span");
      id.className = "rv-item-id";
      id.textContent = `#${a.id}`;
      const name = document.createElement("span");
      name.className = "rv-item-who";
      name.textContent = who(a);
      const state = document.createElement("span");
      const s = stateOf(a.id);
      state.className = `rv-item-state ${s}`;
      state.textContent = s === "pending" ? (payload.pending.includes(a.id) ? "waiting for review" : "your own") : s;
      button.append(id, name, state);
      button.addEventListener("click", () => select(a.id));
      li.append(button);
      return li;
    }),
  );
}

function renderBar() {
  const pending = selected && payload.pending.includes(selected.id);
  ui.taskId.textContent = `#${payload.task.id}`;
  ui.agreement.textContent = payload.agreement == null ? "n/a" : `${Math.round(payload.agreement * 100)}%`;
  ui.annotation.textContent = selected
    ? `Annotation #${selected.id} by ${who(selected)} (${STATE_TEXT[payload.review_states[String(selected.id)] ?? "null"]})`
    : "";
  for (const button of [ui.accept, ui.reject, ui.fix]) button.disabled = !pending || busy;
  ui.verdicts.classList.toggle("hidden", fixing);
  ui.fixing.classList.toggle("hidden", !fixing);
}

async function select(annotationId) {
  if (busy || fixing) return;
  const annotation = (payload.task.annotations || []).find((a) => a.id === annotationId);
  if (!annotation) return;
  selected = annotation;
  closeReject();
  await mount(annotation, true);
  renderList();
  renderBar();
}

async function load() {
  let next;
  try {
    const query = skipped.length ? `?exclude=${skipped.join(",")}` : "";
    next = await get(`/api/projects/${data.project.id}/next-review${query}`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return allDone();
    say(`The next task could not be loaded: ${describe(error)}`, "error");
    return;
  }
  payload = next;
  fixing = false;
  selected = null;
  const first = (payload.task.annotations || []).find((a) => payload.pending.includes(a.id));
  if (!first) return allDone(); // reviewed meanwhile by someone else; the next ask moves on
  ui.toolbar.classList.remove("hidden");
  ui.body.classList.remove("hidden");
  ui.done.classList.add("hidden");
  await select(first.id);
  document.dispatchEvent(new CustomEvent("review:task", { detail: { id: payload.task.id, annotation: first.id } }));
}

function allDone() {
  if (editor) editor.destroy();
  editor = null;
  payload = null;
  ui.editor.replaceChildren();
  ui.list.replaceChildren();
  ui.toolbar.classList.add("hidden");
  ui.body.classList.add("hidden");
  closeReject();
  ui.done.classList.remove("hidden");
  document.dispatchEvent(new CustomEvent("review:done"));
}

// Send one verdict on the selected annotation, then ask the queue again.
async function verdict(body, message) {
  if (busy || !selected) return;
  busy = true;
  renderBar();
  try {
    await post("/api/annotation-reviews", { annotation: selected.id, ...body });
  } catch (error) {
    say(`Not saved: ${describe(error)}`, "error");
    busy = false;
    renderBar();
    return;
  }
  busy = false;
  fixing = false;
  closeReject();
  say(message, "ok");
  await load();
}

function openReject() {
  ui.rejectForm.classList.remove("hidden");
  ui.comment.focus();
}

function closeReject() {
  ui.rejectForm.classList.add("hidden");
  ui.comment.value = "";
}

async function startFix() {
  if (busy || !selected) return;
  closeReject();
  fixing = true;
  await mount(selected, false);
  renderBar();
  say("Fixing: correct the annotation, then submit the fix.");
}

async function cancelFix() {
  fixing = false;
  say("");
  await mount(selected, true);
  renderBar();
}

async function submitFix() {
  if (!editor) return;
  const problems = editor.validate();
  if (problems.length) {
    say(problems.map((p) => p.message).join("; "), "error");
    return;
  }
  await verdict({ accepted: true, result: editor.getResults() }, `Annotation #${selected.id} fixed.`);
}

ui.accept.addEventListener("click", () => verdict({ accepted: true }, `Annotation #${selected.id} accepted.`));
ui.reject.addEventListener("click", openReject);
ui.rejectCancel.addEventListener("click", closeReject);
ui.rejectForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const comment = ui.comment.value.trim();
  verdict({ accepted: false, comment }, `Annotation #${selected.id} rejected.`);
});
ui.fix.addEventListener("click", startFix);
ui.fixCancel.addEventListener("click", cancelFix);
ui.fixSubmit.addEventListener("click", submitFix);
ui.skip.addEventListener("click", async () => {
  if (busy || fixing || !payload) return;
  skipped.push(payload.task.id);
  if (skipped.length > 50) skipped.shift(); // the API takes up to 50 ids to pass over
  say("");
  await load();
});

load();
