// Project settings: each section saves its own fields with PATCH /api/projects/{id}; the config section
// uses the config editor (with what a change would orphan, live) and shows the server's list when it
// refuses a change; instructions preview through POST /api/labeling/markdown (sanitized on the server).
import { del, pageData, patch, post } from "/static/js/http.js";
import { createConfigEditor } from "./config_editor.js";
import { clearErrors, flash, showErrors } from "./forms.js";

const page = pageData("page-data");
const url = `/api/projects/${page.id}`;

function section(id, read) {
  const form = document.getElementById(id);
  const status = form.querySelector(".form-actions .status");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const body = read(form);
    if (!body) return;
    try {
      const saved = await patch(url, body);
      flash(status, "Saved.");
      if (form.id === "general-form") {
        page.title = saved.title;
        document.querySelector(".project-nav .project-title").textContent = saved.title;
      }
    } catch (err) {
      showErrors(form, err);
      flash(status, err.message, false);
    }
  });
  submitOnCtrlEnter(form);
  return form;
}

function submitOnCtrlEnter(form) {
  form.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
}

section("general-form", (form) => ({
  title: form.elements.title.value,
  description: form.elements.description.value,
}));

const instructions = section("instructions-form", (form) => ({
  expert_instruction: form.elements.expert_instruction.value,
  show_instruction: form.elements.show_instruction.checked,
}));

section("labeling-form", (form) => {
  const input = form.elements.maximum_annotations;
  const n = Number(input.value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) {
    showErrors(form, { errors: { maximum_annotations: ["A whole number from 1 to 1000."] } });
    return null;
  }
  return { show_skip_button: form.elements.show_skip_button.checked, maximum_annotations: n };
});

section("team-form", (form) => {
  const raw = form.elements.annotation_limit_count.value.trim();
  const limit = raw === "" ? null : Number(raw);
  if (limit !== null && (!Number.isInteger(limit) || limit < 1)) {
    showErrors(form, { errors: { annotation_limit_count: ["A whole number of at least 1, or empty."] } });
    return null;
  }
  return {
    sampling: form.elements.sampling.value,
    annotation_limit_count: limit,
    assignment_only: form.elements.assignment_only.checked,
    blind: form.elements.blind.checked,
    require_review: form.elements.require_review.checked,
  };
});

// Quality control: numbers within their input's bounds, and the two switches.
section("quality-form", (form) => {
  const body = { training: form.elements.training.checked, dynamic_overlap: form.elements.dynamic_overlap.checked };
  const errors = {};
  for (const input of form.querySelectorAll("input[type=number]")) {
    const n = Number(input.value);
    const integer = input.step === "1";
    if (input.value.trim() === "" || Number.isNaN(n) || n < Number(input.min) || n > Number(input.max) || (integer && !Number.isInteger(n))) {
      errors[input.name] = [`${integer ? "A whole number" : "A number"} from ${input.min} to ${input.max}.`];
    }
    body[input.name] = n;
  }
  if (Object.keys(errors).length) {
    showErrors(form, { errors });
    return null;
  }
  return body;
});

// Instructions preview: the server renders and sanitizes; the answer is the only HTML this page inserts.
const preview = document.getElementById("instructions-preview");
let previewTimer = null;
let previewSeq = 0;
instructions.elements.expert_instruction.addEventListener("input", () => {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(async () => {
    const mine = ++previewSeq;
    try {
      const { html } = await post("/api/labeling/markdown", { text: instructions.elements.expert_instruction.value });
      if (mine === previewSeq) preview.innerHTML = html; // sanitized by services.sanitizer.markdown
    } catch (err) {
      if (mine === previewSeq) preview.textContent = err.message;
    }
  }, 300);
});

// The labeling config.
const configForm = document.getElementById("config-form");
const configStatus = configForm.querySelector(".form-actions .status");
const refused = document.getElementById("config-refused");
const refusedList = document.getElementById("config-refused-list");
const editor = createConfigEditor(configForm.querySelector("[data-config-editor]"), {
  value: page.label_config,
  project: page.id,
});
submitOnCtrlEnter(configForm);
configForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  refused.classList.add("hidden");
  await editor.flush();
  if (!editor.state().valid) {
    flash(configStatus, "Fix the config first.", false);
    editor.focus();
    return;
  }
  try {
    await patch(url, { label_config: editor.value() });
    flash(configStatus, "Saved.");
  } catch (err) {
    const list = [].concat((err.errors && err.errors.label_config) || []);
    document.getElementById("config-refused-detail").textContent = list.length ? "" : err.message;
    refusedList.replaceChildren(
      ...list.map((message) => {
        const item = document.createElement("li");
        item.textContent = message;
        return item;
      }),
    );
    refused.classList.remove("hidden");
    flash(configStatus, "Not saved.", false);
  }
});

// Delete, after typing the title.
const dialog = document.getElementById("delete-dialog");
const confirmInput = dialog.querySelector("input[name=confirm]");
const confirmButton = document.getElementById("delete-confirm");
document.getElementById("delete-project").addEventListener("click", () => {
  confirmInput.value = "";
  confirmButton.disabled = true;
  dialog.showModal();
  confirmInput.focus();
});
document.getElementById("delete-cancel").addEventListener("click", () => dialog.close());
confirmInput.addEventListener("input", () => {
  confirmButton.disabled = confirmInput.value.trim() !== page.title.trim();
});
document.getElementById("delete-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    await del(url);
    window.location.assign("/projects");
  } catch (err) {
    document.getElementById("delete-error").textContent = err.message;
  }
});
