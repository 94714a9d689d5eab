// What every page shares: the log-out button. Loaded as a module on every page.
import { post } from "./http.js";

document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-action='logout']");
  if (!button) return;
  try {
    await post("/api/auth/logout");
  } finally {
    window.location.assign("/user/login");
  }
});
