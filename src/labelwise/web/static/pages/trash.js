// The trash page: a Restore button posts the deletion's restore and marks the row restored; a refusal
// (an id taken again, a task gone) is shown as the server's message.
import { post } from "../js/http.js";

const error = document.getElementById("trash-error");

document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-restore]");
  if (!button) return;
  button.disabled = true;
  error.classList.add("hidden");
  try {
    await post(`/api/trash/${encodeURIComponent(button.dataset.restore)}/restore`);
    const row = button.closest("tr");
    row.querySelector(".state").textContent = "restored";
    button.remove();
  } catch (err) {
    error.textContent = err.message;
    error.classList.remove("hidden");
    button.disabled = false;
  }
});
