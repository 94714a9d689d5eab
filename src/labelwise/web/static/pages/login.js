// The log-in form: POST /api/auth/login, then on to the (server-checked, same-site) `next` page.
import { pageData, post } from "/static/js/http.js";
import { values } from "./forms.js";

const page = pageData("page-data");
const form = document.getElementById("login-form");
const error = document.getElementById("login-error");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const { email, password } = values(form);
  error.classList.add("hidden");
  if (!email || !password) {
    error.textContent = "Enter your email and password.";
    error.classList.remove("hidden");
    return;
  }
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    await post("/api/auth/login", { email, password });
    window.location.assign(page.next);
  } catch (err) {
    error.textContent = err.status === 401 ? "Wrong email or password." : err.message;
    error.classList.remove("hidden");
    form.elements.password.select();
  } finally {
    button.disabled = false;
  }
});
