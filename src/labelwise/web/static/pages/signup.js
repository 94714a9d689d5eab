// The sign-up form: POST /api/auth/signup (which signs the new account in), errors next to their fields.
import { pageData, post } from "/static/js/http.js";
import { clearErrors, showErrors, values } from "./forms.js";

const page = pageData("page-data");
const form = document.getElementById("signup-form");

if (form) {
  const general = document.getElementById("signup-error");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    general.classList.add("hidden");
    const { email, password } = values(form);
    const local = {};
    if (!email) local.email = ["Enter your email."];
    if (password.length < 8) local.password = ["At least 8 characters."];
    if (Object.keys(local).length) {
      showErrors(form, { errors: local, message: "" }, general);
      return;
    }
    const body = { email, password };
    if (page.token) body.token = page.token;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      await post("/api/auth/signup", body);
      window.location.assign("/projects");
    } catch (err) {
      showErrors(form, err, general);
    } finally {
      button.disabled = false;
    }
  });
}
