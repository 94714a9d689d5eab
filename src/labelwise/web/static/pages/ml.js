// The Models page: connect a model (a Label Studio ML backend, the built-in classifier, an LLM),
// validate or train it, start a pre-annotation run over all tasks and follow it with a progress bar, cancel it,
// delete the connection. Everything goes through /api/ml; the page reloads after changes that alter
// the table so it stays the server's truth, and polls the runs that are going.
import { del, get, pageData, post } from "/static/js/http.js";
import { flash, showErrors, values } from "./forms.js";

const page = pageData("page-data");
const status = document.getElementById("ml-status");
const POLL_MS = 1000;

// The add form: fields for the chosen kind only.
const form = document.getElementById("ml-add");
const kind = document.getElementById("ml-type");

function showKind() {
  for (const node of form.querySelectorAll("[data-for-kind]")) {
    node.classList.toggle("hidden", !node.dataset.forKind.split(" ").includes(kind.value));
  }
}

function bodyOf(fields) {
  const body = {
    project: page.id,
    type: fields.type,
    title: fields.title || "",
    is_interactive: fields.is_interactive === "on",
  };
  if (fields.timeout) body.timeout = Number(fields.timeout);
  if (fields.type !== "builtin") body.url = fields.url || "";
  if (fields.type === "remote" && fields.basic_auth_user) {
    body.auth_method = "BASIC_AUTH";
    body.basic_auth_user = fields.basic_auth_user;
    body.basic_auth_pass = fields.basic_auth_pass || "";
  }
  if (fields.type === "llm") {
    body.extra_params = { model: fields.model || "", prompt: fields.prompt || "" };
    if (fields.api_key) body.extra_params.api_key = fields.api_key;
  }
  return body;
}

kind.addEventListener("change", showKind);
showKind();
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const note = document.getElementById("ml-add-status");
  flash(note, "Connecting…");
  try {
    const created = await post("/api/ml", bodyOf(values(form)));
    if (created.state === "ER") sessionStorage.setItem("ml-note", `Saved, but the model is not reachable: ${created.error_message}`);
    window.location.reload();
  } catch (err) {
    showErrors(form, err);
    flash(note, err.message, false);
  }
});

const note = sessionStorage.getItem("ml-note");
if (note) {
  sessionStorage.removeItem("ml-note");
  flash(status, note, false);
}

// One row per connection.
function runText(run) {
  if (!run) return "never run";
  const { done, total } = run.progress;
  const of = total === null || total === undefined ? "" : ` of ${total}`;
  const error = run.error ? ` · ${run.error}` : "";
  return `${run.status}: ${done}${of} tasks${error}`;
}

function showRun(row, run) {
  const going = run && (run.status === "queued" || run.status === "running");
  const bar = row.querySelector(".ml-progress");
  bar.classList.toggle("hidden", !going);
  if (run) {
    bar.max = run.progress.total || 1;
    bar.value = run.progress.done;
  }
  row.querySelector(".ml-run-text").textContent = runText(run);
  row.querySelector(".ml-cancel").classList.toggle("hidden", !going);
  row.dataset.run = run ? String(run.id) : "";
  row.dataset.runStatus = run ? run.status : "";
  return going;
}

function showConnection(row, ml) {
  const state = row.querySelector(".ml-state");
  state.textContent = ml.readable_state;
  state.className = `ml-state ml-state-${ml.state}`;
  const error = row.querySelector(".ml-error");
  error.textContent = ml.error_message || "";
  error.classList.toggle("hidden", !ml.error_message);
  row.querySelector(".ml-version").textContent = ml.model_version || "";
}

async function follow(row) {
  const id = row.dataset.ml;
  const run = await get(`/api/ml/${id}/jobs/${row.dataset.run}`);
  if (showRun(row, run)) {
    setTimeout(() => follow(row).catch((err) => flash(status, err.message, false)), POLL_MS);
  } else {
    showConnection(row, await get(`/api/ml/${id}`));
    row.dispatchEvent(new CustomEvent("ml:run-finished", { bubbles: true, detail: run }));
  }
}

for (const row of document.querySelectorAll("#ml-table tbody tr")) {
  const id = row.dataset.ml;
  const act = (selector, fn) =>
    row.querySelector(selector).addEventListener("click", async () => {
      try {
        await fn();
      } catch (err) {
        flash(status, err.message, false);
      }
    });
  act(".ml-validate", async () => {
    const ml = await post(`/api/ml/${id}/validate`);
    showConnection(row, ml);
    flash(status, ml.state === "CO" ? "The model answers." : "The model does not answer.", ml.state === "CO");
  });
  act(".ml-train", async () => {
    flash(status, "Training…");
    const ml = await post(`/api/ml/${id}/train`, { use_ground_truth: true });
    showConnection(row, ml);
    const remote = ml.type === "remote";
    flash(status, remote ? "Training started on the backend's side." : `Trained: model version ${ml.model_version}.`);
  });
  act(".ml-predict", async () => {
    const { job } = await post(`/api/ml/${id}/predict`, {});
    showRun(row, job);
    await follow(row);
  });
  act(".ml-cancel", async () => {
    showRun(row, await post(`/api/ml/${id}/jobs/${row.dataset.run}/cancel`));
  });
  act(".ml-delete", async () => {
    if (!window.confirm("Delete this model connection? Its predictions stay.")) return;
    await del(`/api/ml/${id}`);
    row.remove();
    flash(status, "Deleted.");
  });
  if (row.dataset.runStatus === "queued" || row.dataset.runStatus === "running") {
    follow(row).catch((err) => flash(status, err.message, false));
  }
}
