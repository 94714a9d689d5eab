// The Models page's prompt workbench: one card per LLM connection (its prompt, a preview of the messages for
// a task, save, evaluate on the gold tasks) and the stored evaluations side by side. The connections come
// from #page-data; everything else from the API, so the section obeys the same checks as scripts. Task data,
// titles, model versions and prompts are hostile: they are set as text, never parsed as HTML.
import { get, pageData, patch, post } from "/static/js/http.js";
import { el } from "/static/js/dom.js";
import { clearErrors, flash, showErrors } from "./forms.js";

const page = pageData("page-data");
const cards = document.getElementById("prompt-cards");
const template = document.getElementById("prompt-card-template");
const table = document.getElementById("prompt-evals");
const tableStatus = document.getElementById("prompt-evals-status");
const names = new Map(page.connections.map((ml) => [ml.id, ml.title || `#${ml.id}`]));
const EXCERPT = 60;
const MAX_FEW_SHOT = 20; // ml/llm/params.py


// "12" → 12; anything else goes to the API as typed, so its 400 names the field.
function integer(text) {
  const trimmed = text.trim();
  return /^\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
}

function fewShotOf(params) {
  const n = params && params.few_shot;
  return Number.isInteger(n) ? n : 0;
}

// The first task of the project, the preview's default (none: the server makes a sample task).
async function firstTask() {
  try {
    const found = await get(`/api/tasks?project=${page.id}&page_size=1&fields=task_only&counts=none`);
    return found.tasks.length ? String(found.tasks[0].id) : "";
  } catch {
    return "";
  }
}

function showMessages(list, messages) {
  list.replaceChildren();
  for (const message of messages) {
    const item = el("li", `prompt-message prompt-message-${message.role}`);
    item.dataset.role = message.role;
    item.append(el("b", "prompt-role", message.role), el("pre", "prompt-content", String(message.content)));
    list.append(item);
  }
  list.classList.remove("hidden");
}

// One card per LLM connection.
function card(ml, task) {
  const form = template.content.firstElementChild.cloneNode(true);
  form.dataset.ml = String(ml.id);
  const field = (name) => form.elements.namedItem(name);
  const status = form.querySelector(".prompt-status");
  const version = form.querySelector(".prompt-card-version");
  const buttons = form.querySelectorAll("button");
  let saved = { prompt: String((ml.extra_params || {}).prompt || ""), few_shot: fewShotOf(ml.extra_params) };

  form.querySelector(".prompt-card-title").textContent = ml.title || `#${ml.id}`;
  version.textContent = ml.model_version || "";
  field("prompt").value = saved.prompt;
  field("few_shot").value = String(saved.few_shot);
  field("task").value = task;

  const edited = () => field("prompt").value !== saved.prompt || integer(field("few_shot").value) !== saved.few_shot;

  async function busy(text, fn) {
    clearErrors(form);
    flash(status, text);
    form.setAttribute("aria-busy", "true");
    for (const button of buttons) button.disabled = true;
    try {
      await fn();
    } catch (err) {
      if (err.status === 404 && /^task /.test(err.message)) err.errors = { task: [err.message] };
      showErrors(form, err);
      flash(status, err.message, false);
    } finally {
      form.removeAttribute("aria-busy");
      for (const button of buttons) button.disabled = false;
    }
  }

  async function preview() {
    const body = { prompt: field("prompt").value, few_shot: integer(field("few_shot").value) };
    const task = field("task").value.trim();
    if (task) body.task = integer(task);
    const shown = await post(`/api/projects/${page.id}/prompts/preview`, body);
    showMessages(form.querySelector(".prompt-messages"), shown.messages);
    flash(status, task ? `The messages for task ${task}.` : "The messages for a sample task.");
  }

  // PATCH replaces extra_params whole: send the stored ones back (the key as its mask, which the server
  // reads as "unchanged") with the new prompt and few-shot count.
  async function save() {
    const fewShot = integer(field("few_shot").value);
    if (!Number.isInteger(fewShot) || fewShot > MAX_FEW_SHOT) {
      form.querySelector('[data-error-for="few_shot"]').textContent = `0 to ${MAX_FEW_SHOT}`;
      flash(status, `few_shot must be an integer from 0 to ${MAX_FEW_SHOT}; nothing was saved.`, false);
      return false;
    }
    const current = await get(`/api/ml/${ml.id}`);
    const extra = { ...(current.extra_params || {}), prompt: field("prompt").value, few_shot: fewShot };
    const updated = await patch(`/api/ml/${ml.id}`, { extra_params: extra });
    saved = { prompt: String(updated.extra_params.prompt || ""), few_shot: fewShotOf(updated.extra_params) };
    version.textContent = updated.model_version || "";
    if (updated.state === "ER") {
      const problem = updated.error_message || "the model does not answer";
      const match = /^extra_params\.(prompt|few_shot): (.*)$/s.exec(problem);
      if (match) form.querySelector(`[data-error-for="${match[1]}"]`).textContent = match[2];
      flash(status, `Saved, but the connection is in error: ${problem}`, false);
      return false;
    }
    flash(status, "Saved.");
    return true;
  }

  async function evaluate() {
    if (edited() && !(await save())) return;
    flash(status, "Evaluating on the gold tasks…");
    const result = await post(`/api/ml/${ml.id}/evaluate`);
    if (result.tasks === 0) {
      flash(status, "No gold task to score on: give tasks a ground-truth answer (Mark as gold in the data manager).", false);
      await refresh(result.id);
      return;
    }
    const failed = result.failures ? `, ${result.failures} without an answer` : "";
    flash(status, `Evaluated on ${result.tasks} gold task${result.tasks === 1 ? "" : "s"}${failed}.`);
    await refresh(result.id);
  }

  form.querySelector(".prompt-preview").addEventListener("click", () => busy("Rendering…", preview));
  form.querySelector(".prompt-save").addEventListener("click", () => busy("Saving…", save));
  form.querySelector(".prompt-evaluate").addEventListener("click", () =>
    busy(edited() ? "Saving…" : "Evaluating on the gold tasks…", evaluate),
  );
  form.addEventListener("submit", (event) => event.preventDefault());
  return form;
}

// The evaluations table: one row per evaluation, newest first; per control, three figures.
function percent(value) {
  return value === null || value === undefined ? "—" : `${(value * 100).toFixed(1)}%`;
}

function decimal(value) {
  return value === null || value === undefined ? "—" : value.toFixed(2);
}

function moment(iso) {
  const zoned = /(Z|[+-]\d\d:?\d\d)$/.test(iso) ? iso : `${iso}Z`;
  const date = new Date(zoned);
  const node = el("time", "", Number.isNaN(date.getTime()) ? iso : date.toLocaleString());
  node.dateTime = iso;
  return node;
}

const METRICS = [
  ["accuracy", "Accuracy", "against the ground truth", percent],
  ["consensus_agreement", "Agreement", "with the human majority vote", percent],
  ["consensus_kappa", "Kappa", "Cohen's kappa with the human majority vote", decimal],
];

function header(controls) {
  const top = el("tr");
  const sub = el("tr");
  for (const name of ["When", "Connection", "Model version", "Prompt", "Gold tasks"]) {
    const cell = el("th", "", name);
    cell.rowSpan = 2;
    top.append(cell);
  }
  for (const control of controls) {
    const cell = el("th", "prompt-evals-control", control);
    cell.colSpan = METRICS.length;
    top.append(cell);
    for (const [, label, title] of METRICS) {
      const th = el("th", "", label);
      th.title = title;
      sub.append(th);
    }
  }
  table.tHead.replaceChildren(top, sub);
}

function promptCell(text) {
  const cell = el("td", "prompt-evals-prompt");
  if (!text) {
    cell.textContent = "—";
    return cell;
  }
  const details = el("details");
  const excerpt = text.length > EXCERPT ? `${text.slice(0, EXCERPT)}…` : text;
  details.append(el("summary", "", excerpt), el("pre", "prompt-full", text));
  cell.append(details);
  return cell;
}

function row(evaluation, controls, fresh) {
  const tr = el("tr");
  tr.dataset.evaluation = String(evaluation.id);
  if (fresh) tr.classList.add("prompt-evals-fresh");
  const when = el("td");
  when.append(moment(String(evaluation.created_at)));
  const id = evaluation.connection;
  const who = id === null || id === undefined ? "—" : names.get(id) || `#${id} (deleted)`;
  const gold = el("td", "prompt-evals-gold", String(evaluation.tasks));
  if (evaluation.failures) gold.append(el("span", "muted", ` (${evaluation.failures} unanswered)`));
  tr.append(when, el("td", "prompt-evals-connection", who), el("td", "prompt-evals-version", evaluation.model_version));
  tr.append(promptCell(evaluation.prompt), gold);
  const scores = (evaluation.metrics && evaluation.metrics.controls) || {};
  for (const control of controls) {
    const figures = scores[control] || {};
    for (const [key, , , format] of METRICS) {
      const cell = el("td", "prompt-evals-figure", format(figures[key]));
      cell.dataset.control = control;
      cell.dataset.metric = key;
      tr.append(cell);
    }
  }
  return tr;
}

async function refresh(freshId) {
  try {
    const evaluations = await get(`/api/projects/${page.id}/prompts/evaluations`);
    const controls = [];
    for (const evaluation of evaluations) {
      for (const name of Object.keys((evaluation.metrics && evaluation.metrics.controls) || {})) {
        if (!controls.includes(name)) controls.push(name);
      }
    }
    header(controls);
    table.tBodies[0].replaceChildren(...evaluations.map((e) => row(e, controls, e.id === freshId)));
    table.classList.toggle("hidden", evaluations.length === 0);
    document.getElementById("prompt-evals-empty").classList.toggle("hidden", evaluations.length > 0);
    flash(tableStatus, "");
  } catch (err) {
    flash(tableStatus, err.message, false);
  }
}

async function start() {
  const llms = page.connections.filter((ml) => ml.type === "llm");
  document.getElementById("prompt-lab-empty").classList.toggle("hidden", llms.length > 0);
  const task = llms.length ? await firstTask() : "";
  cards.replaceChildren(...llms.map((ml) => card(ml, task)));
  await refresh(null);
  document.getElementById("prompt-lab").dataset.ready = "true";
}

start();
