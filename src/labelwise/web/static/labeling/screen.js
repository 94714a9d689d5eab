// The labeling screen: one editor at a time over the queue, with submit, skip, update, drafts and
// the page keys. Each task gets a fresh editor and the previous one is destroyed, so nothing a task
// creates outlives it; everything else here (the bars, the history list, the timer) is created once
// for the page's life and only updated.
//
// Keys (registered on the editor's keymap, so its `?` overlay lists them): Ctrl+Enter submits (or
// updates), Ctrl+Space skips (Label Studio's key; opens the optional reason dialog, Ctrl+Enter there
// confirms), Ctrl+Z / Ctrl+Shift+Z undo and redo (the editor's own), Alt+P asks the project's interactive
// model for the task on screen (`editor/predict.js`).
//
// Events for tests and the benchmark: `labeling:task` on document after a task is shown (detail:
// {id, mode}), `labeling:prefetched` when the following task is ready, `labeling:done` when the queue
// is empty; `labeling:media-broken` when media of the task on screen cannot be loaded (detail:
// {message}); `performance.mark("lw:task-shown")`. In training mode a submit on a gold task shows the
// correct answer and the instructions (`feedback.js`) before the next task.
import { mountEditor } from "/static/editor/editor.js";
import { attachPredict } from "/static/editor/predict.js";
import { pageData, patch, post } from "/static/js/http.js";
import { BrokenMedia } from "./broken.js";
import { Drafts } from "./drafts.js";
import { Feedback } from "./feedback.js";
import { History } from "./history.js";
import { fillSelect, versions } from "./predictions.js";
import { editorPayload, Queue } from "./queue.js";
import { LeadTimer } from "./timer.js";

const data = pageData("labeling-data");
const $ = (id) => document.getElementById(id);
const ui = {
  editor: $("lb-editor"),
  taskId: $("lb-task-id"),
  mode: $("lb-mode"),
  status: $("lb-status"),
  submit: $("lb-submit"),
  skip: $("lb-skip"),
  predictions: $("lb-predictions"),
  predictionSelect: $("lb-prediction-select"),
  predict: $("lb-predict"),
  clear: $("lb-clear"),
  toolbar: $("lb-toolbar"),
  done: $("lb-done"),
  back: $("lb-back"),
  instructions: $("lb-instructions"),
  skipDialog: $("lb-skip-dialog"),
  skipReason: $("lb-skip-reason"),
  skipForm: $("lb-skip-form"),
  review: $("lb-review"),
  broken: $("lb-media-broken"),
  brokenText: $("lb-media-broken-text"),
};

const queue = new Queue(data.project.id, data.ids, data.lock_seconds);
const timer = new LeadTimer();
const drafts = new Drafts({ onError: (error) => say(`The draft was not saved: ${error.message}`, "error") });
const broken = new BrokenMedia(ui.broken, ui.brokenText);
const feedback = new Feedback($("lb-feedback"), document.querySelector("#lb-instructions .lb-instructions-body"));
const history = new History($("lb-history"), $("lb-history-empty"), data.history, data.history_size, (id) =>
  openFromHistory(id),
);

// What is on screen. `resume`: the queue task set aside while an earlier task is being updated.
let current = null; // {payload, editor, mode, annotation, predictionId, unbind: [], fromQueue}
let resume = null;
let busy = false;

function say(message, kind = "") {
  ui.status.textContent = message;
  ui.status.className = `notice ${kind}`;
  ui.status.classList.toggle("hidden", !message);
}

// A reviewer rejected the user's annotation of this task: say so, with the comment, until they update it.
function showReview(payload) {
  const review = payload && payload.my_review;
  const rejected = review && review.state === "rejected";
  const by = rejected && review.reviewer ? ` by ${review.reviewer.email}` : "";
  const comment = rejected && review.comment ? `: ${review.comment}` : ".";
  ui.review.textContent = rejected ? `Rejected${by}${comment}` : "";
  ui.review.classList.toggle("hidden", !rejected);
}

function ownAnnotation(payload) {
  const id = payload.my_annotation;
  if (!id) return null;
  return (payload.task.annotations || []).find((a) => a.id === id) || null;
}

function teardown() {
  if (!current) return;
  for (const unbind of current.unbind) unbind();
  current.editor.destroy();
  current = null;
}

// Show one task: mount a fresh editor with the best starting result (the user's draft, else their
// annotation when updating, else the newest prediction).
async function show(payload, { fromQueue }) {
  await drafts.detach();
  teardown();
  const annotation = ownAnnotation(payload);
  const mode = annotation ? "update" : "submit";
  const draft = (payload.drafts || []).find((d) => d.annotation === (annotation ? annotation.id : null));
  const predicted = versions(payload.task.predictions);
  let results = [];
  let predictionId = null;
  let note = "";
  if (draft) {
    results = draft.result;
    note = "Draft restored.";
  } else if (annotation) {
    results = annotation.result || [];
  } else if (predicted.length) {
    results = predicted[0].result;
    predictionId = predicted[0].id;
  }
  const host = document.createElement("div");
  host.className = "lb-editor-host";
  ui.editor.replaceChildren(host);
  const unwatch = broken.watch(host); // before the mount: a missing file can fail at once
  const editor = await mountEditor(host, {
    schema: payload.schema,
    task: payload.task,
    results: structuredClone(results),
  });
  current = { payload, editor, mode, annotation, predictionId, unbind: [unwatch], fromQueue };
  current.unbind.push(editor.onChange(() => drafts.changed()));
  bindKeys(editor);
  current.unbind.push(
    attachPredict({
      button: ui.predict,
      keys: editor.keys,
      connections: data.ml,
      task: payload.task,
      onResult: (result) => {
        current.predictionId = null; // not a stored prediction
        editor.setResults(structuredClone(result));
      },
      onMessage: say,
    }),
  );
  drafts.attach({
    taskId: payload.task.id,
    annotationId: annotation ? annotation.id : null,
    draftId: draft ? draft.id : null,
    collect: () => ({ result: editor.getResults(), lead_time: timer.seconds() }),
  });
  timer.reset(draft && draft.lead_time ? draft.lead_time : 0);
  renderBars(predicted);
  showReview(payload);
  say(note, note ? "ok" : "");
  history.show(payload.task.id);
  if (fromQueue) prefetchAfter(payload.task.id);
  performance.clearMarks("lw:task-shown"); // one mark, not one per task: marks are kept until cleared
  performance.mark("lw:task-shown");
  document.dispatchEvent(new CustomEvent("labeling:task", { detail: { id: payload.task.id, mode } }));
}

function prefetchAfter(taskId) {
  queue.prefetch(taskId);
  const ahead = queue.ahead;
  ahead.promise.then(
    () => queue.ahead === ahead && document.dispatchEvent(new CustomEvent("labeling:prefetched")),
    () => {},
  );
}

function renderBars(predicted) {
  const { payload, mode, annotation } = current;
  ui.taskId.textContent = `#${payload.task.id}`;
  ui.mode.textContent = mode === "update" ? (annotation.was_cancelled ? "skipped earlier" : "labeled earlier") : "";
  ui.submit.textContent = mode === "update" ? "Update" : "Submit";
  ui.submit.title = mode === "update" ? "Update (Ctrl+Enter)" : "Submit (Ctrl+Enter)";
  ui.predictions.classList.toggle("hidden", predicted.length === 0);
  ui.clear.classList.toggle("hidden", predicted.length === 0);
  if (predicted.length) fillSelect(ui.predictionSelect, predicted, current.predictionId);
  ui.back.classList.toggle("hidden", resume === null);
  ui.toolbar.classList.remove("hidden");
  ui.editor.classList.remove("hidden");
  ui.done.classList.add("hidden");
}

function bindKeys(editor) {
  const keys = editor.keys;
  const group = "Labeling";
  // Ctrl+Enter also confirms the skip dialog (the keymap sees Ctrl combos even inside its textarea).
  const enter = () => (ui.skipDialog.open ? ui.skipForm.requestSubmit() : submit());
  current.unbind.push(keys.bind("ctrl+enter", "Submit (Update when editing)", enter, { group }));
  if (data.project.show_skip_button) {
    current.unbind.push(keys.bind("ctrl+space", "Skip (asks for an optional reason)", () => askSkip(), { group }));
  }
}

function problemsOf(editor) {
  const problems = editor.validate();
  if (!problems.length) return "";
  return problems.map((p) => p.message).join("; ");
}

async function submit() {
  if (!current || busy) return;
  const problems = problemsOf(current.editor);
  if (problems) {
    say(problems, "error");
    return;
  }
  const body = { result: current.editor.getResults(), lead_time: timer.seconds() };
  if (current.predictionId !== null) body.parent_prediction = current.predictionId;
  await save(body);
}

async function skip(reason) {
  if (!current || busy) return;
  const body = { result: [], was_cancelled: true, lead_time: timer.seconds() };
  if (reason) body.skip_reason = reason;
  await save(body);
}

// Submit, skip or update the task on screen, then show the next one.
async function save(body) {
  busy = true;
  const { payload, mode, annotation } = current;
  let saved;
  try {
    await drafts.settle();
    if (mode === "update") {
      const changes = { ...body, lead_time: (annotation.lead_time || 0) + body.lead_time };
      if (!body.was_cancelled) changes.was_cancelled = false;
      delete changes.parent_prediction;
      saved = await patch(`/api/annotations/${annotation.id}`, changes);
    } else {
      saved = await post(`/api/tasks/${payload.task.id}/annotations`, body);
    }
  } catch (error) {
    say(`Not saved: ${error.message}`, "error");
    busy = false;
    return;
  }
  try {
    timer.stop();
    await drafts.detach();
    history.add(saved);
    if (saved.feedback) await feedback.show(saved.feedback); // training mode, on a gold task
    await advance();
  } catch (error) {
    say(`Saved, but the next task could not be loaded: ${error.message}`, "error");
  } finally {
    busy = false;
  }
}

// After a save: back to the queue task set aside for an update, else the next task.
async function advance() {
  if (resume !== null) {
    const id = resume;
    resume = null;
    await show(await editorPayload(id), { fromQueue: true });
    return;
  }
  const payload = await queue.take();
  if (payload) await show(payload, { fromQueue: true });
  else await allDone();
}

async function allDone() {
  await drafts.detach();
  teardown();
  timer.stop();
  ui.editor.replaceChildren();
  ui.toolbar.classList.add("hidden");
  ui.editor.classList.add("hidden");
  ui.back.classList.add("hidden");
  ui.done.classList.remove("hidden");
  const reason = ui.done.querySelector(".lb-done-reason");
  if (queue.blocked) {
    ui.done.querySelector("h2").textContent = "You cannot label in this project now";
    ui.done.classList.add("lb-blocked");
  }
  const told = queue.endReason && (queue.blocked || /limit/i.test(queue.endReason));
  if (reason && told) reason.textContent = queue.endReason; // text only: the reason is a manager's words
  showReview(null);
  history.show(null);
  say("");
  document.dispatchEvent(new CustomEvent("labeling:done"));
}

// Open an earlier task to update its annotation; the queue task waits (its draft saved) and comes
// back after the update or with "Back to the queue".
async function openFromHistory(taskId) {
  if (busy || (current && current.payload.task.id === taskId)) return;
  busy = true;
  try {
    if (current) {
      await drafts.save();
      if (current.fromQueue && resume === null) resume = current.payload.task.id;
    }
    queue.drop();
    await show(await editorPayload(taskId), { fromQueue: false });
  } catch (error) {
    say(`Could not open task ${taskId}: ${error.message}`, "error");
  } finally {
    busy = false;
  }
}

async function backToQueue() {
  if (busy) return;
  busy = true;
  try {
    await drafts.save();
    await advance();
  } catch (error) {
    say(error.message, "error");
  } finally {
    busy = false;
  }
}

function askSkip(reason = "") {
  if (!current || busy || ui.skipDialog.open) return;
  ui.skipReason.value = reason;
  ui.skipDialog.showModal();
  ui.skipReason.focus();
}

function choosePrediction() {
  if (!current) return;
  const id = ui.predictionSelect.value ? Number(ui.predictionSelect.value) : null;
  const chosen = versions(current.payload.task.predictions).find((p) => p.id === id);
  current.predictionId = chosen ? chosen.id : null;
  current.editor.setResults(structuredClone(chosen ? chosen.result : []));
}

function toggleInstructions() {
  if (ui.instructions) ui.instructions.classList.toggle("hidden");
}

const actions = {
  submit: () => submit(),
  skip: () => askSkip(),
  undo: () => current && current.editor.undo(),
  redo: () => current && current.editor.redo(),
  clear: () => {
    if (!current) return;
    current.predictionId = null;
    current.editor.setResults([]);
    ui.predictionSelect.value = "";
  },
  help: () => current && current.editor.help.toggle(),
  "toggle-instructions": toggleInstructions,
  "back-to-queue": () => backToQueue(),
  "skip-cancel": () => ui.skipDialog.close(),
  "skip-broken": () => askSkip(broken.reason()),
};

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-action]");
  // The screen's own buttons only (the editor has data-action buttons of its own).
  if (!button || ui.editor.contains(button) || !ui.editor.closest(".labeling").contains(button)) return;
  const action = actions[button.dataset.action];
  if (action) action();
});
ui.predictionSelect.addEventListener("change", choosePrediction);
ui.skipForm.addEventListener("submit", (event) => {
  event.preventDefault();
  ui.skipDialog.close();
  skip(ui.skipReason.value.trim());
});
document.addEventListener("visibilitychange", () => {
  if (document.hidden) drafts.save({ keepalive: true });
});
window.addEventListener("pagehide", () => drafts.save({ keepalive: true }));

async function start() {
  try {
    const payload = await queue.take();
    if (payload) await show(payload, { fromQueue: true });
    else await allDone();
  } catch (error) {
    ui.editor.replaceChildren();
    say(`Could not load a task: ${error.message}`, "error");
  }
}

start();
