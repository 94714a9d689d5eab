// Create a project: title, description, a template from the gallery (or a custom config) edited in the
// config editor with its live preview; POST /api/projects, then the data manager's import dialog.
import { pageData, post } from "/static/js/http.js";
import { createConfigEditor } from "./config_editor.js";
import { clearErrors, showErrors, values } from "./forms.js";

const EMPTY = "<View>\n  \n</View>\n";
const page = pageData("page-data");
const configs = new Map();
for (const group of page.gallery) for (const t of group.templates) configs.set(t.id, t.config);

const form = document.getElementById("new-project-form");
const general = document.getElementById("create-error");
const submit = document.getElementById("create-submit");
const cards = [...document.querySelectorAll(".template-card")];
const first = page.gallery[0] && page.gallery[0].templates[0];

let loaded = first ? first.config : EMPTY;
const editor = createConfigEditor(form.querySelector("[data-config-editor]"), { value: loaded });
select(first ? first.id : "");

function select(id) {
  for (const card of cards) card.setAttribute("aria-pressed", String(card.dataset.templateId === id));
}

for (const card of cards) {
  card.addEventListener("click", () => {
    const id = card.dataset.templateId;
    const next = id ? configs.get(id) : EMPTY;
    if (editor.value() !== loaded && editor.value() !== next && !window.confirm("Replace your edited config with this template?")) return;
    select(id);
    loaded = next;
    editor.setValue(next);
  });
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(form);
  general.classList.add("hidden");
  const { title, description } = values(form);
  if (!title.trim()) {
    showErrors(form, { errors: { title: ["Give the project a title."] }, message: "" }, general);
    form.elements.title.focus();
    return;
  }
  submit.disabled = true;
  try {
    await editor.flush();
    if (!editor.state().valid) {
      showErrors(form, { errors: {}, message: "Fix the labeling config first." }, general);
      editor.focus();
      return;
    }
    const project = await post("/api/projects", { title, description, label_config: editor.value() });
    window.location.assign(`/projects/${project.id}/data?import=1`);
  } catch (err) {
    showErrors(form, err, general);
  } finally {
    submit.disabled = false;
  }
});

// Ctrl+Enter anywhere in the form creates the project.
form.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    form.requestSubmit();
  }
});
