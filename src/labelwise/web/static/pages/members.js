// The members page: add a person with a project role, change a role, remove someone; each through
// /api/projects/{id}/members, then the page reloads so the table is the server's truth.
import { del, pageData, post } from "/static/js/http.js";
import { flash, showErrors, values } from "./forms.js";

const page = pageData("page-data");
const base = `/api/projects/${page.id}/members`;
const status = document.getElementById("members-status");

const form = document.getElementById("add-member");
if (form) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = values(form);
    try {
      await post(base, { user: Number(body.user), role: body.role });
      window.location.reload();
    } catch (err) {
      showErrors(form, err);
      flash(document.getElementById("add-status"), err.message, false);
    }
  });
}

for (const row of document.querySelectorAll("#members-table tbody tr")) {
  const user = Number(row.dataset.user);
  const select = row.querySelector(".member-role");
  if (select) {
    select.addEventListener("change", async () => {
      try {
        await post(base, { user, role: select.value });
        flash(status, "Role changed.");
      } catch (err) {
        flash(status, err.message, false);
      }
    });
  }
  const pause = row.querySelector(".member-pause");
  if (pause) {
    pause.addEventListener("click", async () => {
      const why = window.prompt("Pause this person's labeling in this project. Reason (shown to them):", "");
      if (why === null) return;
      try {
        await post(`${base}/${user}/pauses`, { reason: "MANUAL", verbose_reason: why });
        window.location.reload();
      } catch (err) {
        flash(status, err.message, false);
      }
    });
  }
  const resume = row.querySelector(".member-resume");
  if (resume) {
    resume.addEventListener("click", async () => {
      try {
        await del(`${base}/${user}/pauses/${resume.dataset.pause}`);
        window.location.reload();
      } catch (err) {
        flash(status, err.message, false);
      }
    });
  }
  const reset = row.querySelector(".member-exam-reset");
  if (reset) {
    reset.addEventListener("click", async () => {
      try {
        await del(`${base}/${user}/exam`);
        window.location.reload();
      } catch (err) {
        flash(status, err.message, false);
      }
    });
  }
  const remove = row.querySelector(".member-remove");
  if (remove) {
    remove.addEventListener("click", async () => {
      if (!window.confirm("Remove this person from the project?")) return;
      try {
        await del(`${base}?user=${user}`);
        row.remove();
        flash(status, "Removed.");
      } catch (err) {
        flash(status, err.message, false);
      }
    });
  }
}
