// The data manager's Assign… dialog: pick project members, annotate (AN) or review (RE), then assign or
// unassign the selection through Label Studio's bulk `/api/projects/{id}/tasks/assignees`.
import { api, get } from "../../js/http.js";

function personBox(member) {
  const label = document.createElement("label");
  label.className = "check";
  const box = document.createElement("input");
  box.type = "checkbox";
  box.value = String(member.user.id);
  label.append(box, ` ${member.user.email} (${member.role})`);
  return label;
}

// Resolves to `{message, changed}` (what to tell the user, whether tasks changed), or null when cancelled.
// `body` carries the selection (`selectedItems`, and `filters` when everything matching is selected).
export async function assignDialog(dialog, { projectId, count, body }) {
  if (dialog.open) return null; // a second click while it is open would rebuild the list under the user
  const people = dialog.querySelector("#dm-assign-people");
  const members = await get(`/api/projects/${projectId}/members`);
  for (const node of people.querySelectorAll("label")) node.remove();
  if (!members.length) {
    const none = document.createElement("label");
    none.textContent = "Nobody is a member of this project yet: add people on the Members page.";
    people.append(none);
  }
  for (const m of members) people.append(personBox(m));
  dialog.querySelector("#dm-assign-count").textContent = `${count.toLocaleString()} task${count === 1 ? "" : "s"} selected.`;
  dialog.showModal();
  const verdict = await new Promise((resolve) => dialog.addEventListener("close", () => resolve(dialog.returnValue), { once: true }));
  if (verdict !== "assign" && verdict !== "unassign") return null;
  const users = [...people.querySelectorAll("input:checked")].map((b) => Number(b.value));
  if (!users.length) return { message: "Choose at least one person.", changed: false };
  const payload = { ...body, type: dialog.querySelector("#dm-assign-type").value, users };
  const url = `/api/projects/${projectId}/tasks/assignees`;
  const result = await api(verdict === "assign" ? "POST" : "DELETE", url, payload);
  const n = result && (result.assignments ?? result.unassigned);
  const message = verdict === "assign" ? `Assigned: ${n ?? "done"}.` : `Unassigned: ${n ?? "done"}.`;
  return { message, changed: true };
}
