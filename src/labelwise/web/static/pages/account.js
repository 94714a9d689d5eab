// The account page: names (PATCH /api/users/{id}), the legacy API token (copy, reset) and, for admins,
// the invitation link (copy, reset).
import { get, pageData, patch, post } from "/static/js/http.js";
import { copyText, flash, showErrors, values } from "./forms.js";

const page = pageData("page-data");

const profile = document.getElementById("profile-form");
const profileStatus = document.getElementById("profile-status");
profile.addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    await patch(`/api/users/${page.id}`, values(profile));
    showErrors(profile, { errors: {} });
    flash(profileStatus, "Saved.");
  } catch (err) {
    showErrors(profile, err);
    flash(profileStatus, err.message, false);
  }
});

function copyRow(inputId, copyId, status) {
  const input = document.getElementById(inputId);
  document.getElementById(copyId).addEventListener("click", async () => {
    await copyText(input);
    flash(status, "Copied.");
  });
  return input;
}

const tokenStatus = document.getElementById("token-status");
const token = copyRow("api-token", "copy-token", tokenStatus);
get("/api/current-user/token").then(
  (data) => { token.value = data.token; },
  (err) => flash(tokenStatus, err.message, false),
);
document.getElementById("reset-token").addEventListener("click", async () => {
  if (!window.confirm("Reset your API token? Scripts using the old one stop working.")) return;
  try {
    token.value = (await post("/api/current-user/reset-token")).token;
    flash(tokenStatus, "A new token is in force.");
  } catch (err) {
    flash(tokenStatus, err.message, false);
  }
});

if (page.can_invite) {
  const inviteStatus = document.getElementById("invite-status");
  const invite = copyRow("invite-url", "copy-invite", inviteStatus);
  const show = (data) => { invite.value = new URL(data.invite_url, window.location.origin).href; };
  get("/api/invite").then(show, (err) => flash(inviteStatus, err.message, false));
  document.getElementById("reset-invite").addEventListener("click", async () => {
    if (!window.confirm("Reset the invitation link? Links handed out before stop working.")) return;
    try {
      show(await post("/api/invite/reset-token"));
      flash(inviteStatus, "A new link is in force.");
    } catch (err) {
      flash(inviteStatus, err.message, false);
    }
  });
}
