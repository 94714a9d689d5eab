// The agreement page's one action: "Recompute task agreement" starts the quality.agreement job through the
// API, shows how it is doing, and reloads the page once it has finished. Messages are set as text only.
import { get, post } from "../js/http.js";

const root = document.querySelector("[data-testid=agreement]");
const button = document.getElementById("agreement-recompute");
const state = document.getElementById("agreement-job");
const error = document.getElementById("agreement-error");
const pid = root ? root.dataset.project : null;

async function follow(jobId) {
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const report = await get(`/api/projects/${encodeURIComponent(pid)}/agreement?limit=0`);
    const job = report.job;
    if (!job || job.id !== jobId) return;
    state.textContent = `Recompute: ${job.status} (${job.progress.done} of ${job.progress.total} annotations)`;
    if (["completed", "failed", "cancelled"].includes(job.status)) {
      if (job.status === "completed") window.location.reload();
      else throw new Error(job.error || `the recompute ${job.status}`);
      return;
    }
  }
}

if (button && pid) {
  button.addEventListener("click", async () => {
    button.disabled = true;
    error.classList.add("hidden");
    try {
      const { job } = await post(`/api/projects/${encodeURIComponent(pid)}/agreement/recompute`);
      state.textContent = `Recompute: ${job.status}`;
      await follow(job.id);
    } catch (err) {
      error.textContent = err.message;
      error.classList.remove("hidden");
    } finally {
      button.disabled = false;
    }
  });
}
