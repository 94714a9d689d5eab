// The settings page's quality section: the aggregation method per control (PATCH `aggregation`, only the
// controls set away from their default, so a later default still reaches the others), and "Aggregate now",
// which starts the quality.aggregate job and follows its progress until it ends.
import { get, pageData, patch, post } from "/static/js/http.js";
import { clearErrors, flash, showErrors } from "./forms.js";

const page = pageData("page-data");
const form = document.getElementById("aggregation-form");
const status = form.querySelector(".form-actions .status");
const button = document.getElementById("aggregate-now");
const url = `/api/projects/${page.id}/aggregate`;

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(form);
  const chosen = {};
  for (const select of form.querySelectorAll("select[name=aggregation]")) {
    if (select.value !== select.dataset.default) chosen[select.dataset.control] = select.value;
  }
  try {
    await patch(`/api/projects/${page.id}`, { aggregation: chosen });
    flash(status, "Saved.");
  } catch (err) {
    showErrors(form, err);
    flash(status, err.message, false);
  }
});

function describe(job) {
  if (!job) return "";
  const { done, total } = job.progress || {};
  if (job.status === "completed") return `Done: ${(job.result && job.result.tasks) || 0} tasks have a consensus.`;
  if (job.status === "failed") return `Failed: ${job.error || "unknown error"}`;
  if (job.status === "cancelled") return "Cancelled.";
  return total ? `Aggregating… ${done} of ${total} annotations read` : "Aggregating…";
}

async function follow() {
  for (;;) {
    const { job } = await get(url);
    flash(status, describe(job), !job || job.status !== "failed");
    if (!job || ["completed", "failed", "cancelled"].includes(job.status)) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  button.disabled = false;
}

button.addEventListener("click", async () => {
  button.disabled = true;
  try {
    await post(url, {});
    await follow();
  } catch (err) {
    flash(status, err.message, false);
    button.disabled = false;
  }
});
