// The labeling-config editor: a textarea with line numbers, validated as you type (debounced
// POST /api/labeling/preview), the error shown beside its line, and a live preview of the labeling
// interface mounted on the sample task the server made from the config's $keys.
import { post } from "/static/js/http.js";

const DEBOUNCE_MS = 300;
let editorModule = null;

async function loadEditor() {
  if (!editorModule) editorModule = import("/static/editor/editor.js");
  return editorModule;
}

export function createConfigEditor(root, { value = "", project = null, onState = () => {} } = {}) {
  const text = root.querySelector("[data-config-text]");
  const gutter = root.querySelector("[data-config-gutter]");
  const lineError = root.querySelector("[data-config-line-error]");
  const status = root.querySelector("[data-config-status]");
  const errorText = root.querySelector("[data-config-error]");
  const orphanBox = root.querySelector("[data-config-orphans]");
  const orphanList = root.querySelector("[data-config-orphans-list]");
  const host = root.querySelector("[data-preview-host]");
  const note = root.querySelector("[data-preview-note]");

  let lines = 0;
  let timer = null;
  let sequence = 0;
  let controller = null;
  let preview = null;
  let state = { valid: false, pending: true, error: null, orphans: [] };
  let errorLine = null;

  function lineHeight() {
    return parseFloat(getComputedStyle(text).lineHeight) || 20;
  }

  function renderGutter() {
    const count = text.value.split("\n").length;
    if (count !== lines) {
      const fragment = document.createDocumentFragment();
      for (let n = 1; n <= count; n += 1) {
        const cell = document.createElement("div");
        cell.className = "gutter-line";
        cell.textContent = String(n);
        fragment.append(cell);
      }
      gutter.replaceChildren(fragment);
      lines = count;
    }
    for (const cell of gutter.querySelectorAll(".gutter-line.has-error")) {
      cell.classList.remove("has-error");
      cell.removeAttribute("title");
    }
    if (errorLine && gutter.children[errorLine - 1]) {
      const cell = gutter.children[errorLine - 1];
      cell.classList.add("has-error");
      cell.title = state.error || "";
    }
    syncScroll();
  }

  function syncScroll() {
    gutter.scrollTop = text.scrollTop;
    if (errorLine) {
      lineError.style.top = `${(errorLine - 1) * lineHeight() - text.scrollTop + padTop()}px`;
    }
  }

  function padTop() {
    return parseFloat(getComputedStyle(text).paddingTop) || 0;
  }

  function setState(next) {
    state = { ...state, ...next };
    onState(state);
  }

  function showError(message, line) {
    errorLine = Number.isInteger(line) && line > 0 ? line : null;
    errorText.textContent = errorLine ? `Line ${errorLine}: ${message}` : message;
    status.textContent = "Invalid config";
    status.className = "config-status error";
    text.setAttribute("aria-invalid", "true");
    if (errorLine) {
      lineError.textContent = message;
      lineError.classList.remove("hidden");
    } else {
      lineError.classList.add("hidden");
    }
    renderGutter();
  }

  function clearError() {
    errorLine = null;
    errorText.textContent = "";
    lineError.classList.add("hidden");
    text.removeAttribute("aria-invalid");
    renderGutter();
  }

  function showOrphans(orphans) {
    orphanList.replaceChildren(
      ...orphans.map((orphan) => {
        const item = document.createElement("li");
        item.textContent = orphan.message;
        return item;
      }),
    );
    orphanBox.classList.toggle("hidden", orphans.length === 0);
  }

  async function mountPreview(schema, task) {
    const mine = sequence;
    let mod;
    try {
      mod = await loadEditor();
    } catch {
      note.textContent = "The preview is not available on this server.";
      return;
    }
    if (mine !== sequence) return;
    destroyPreview();
    const target = document.createElement("div");
    target.className = "preview-target";
    host.replaceChildren(target);
    try {
      const mounted = await mod.mountEditor(target, { schema, task, results: [], readOnly: false });
      if (mine !== sequence) {
        mounted.destroy();
        return;
      }
      preview = mounted;
      // The preview's keys (label hotkeys, Ctrl+Z...) act only while focus is inside it, so typing in the
      // config (its own Ctrl+Z included) or in the title never reaches the preview.
      if (preview.keys && preview.keys.setEnabled) preview.keys.setEnabled(host.contains(document.activeElement));
      note.textContent = "";
    } catch (err) {
      note.textContent = `The preview could not be shown: ${err && err.message ? err.message : err}`;
    }
  }

  function destroyPreview() {
    if (preview) {
      try {
        preview.destroy();
      } catch {
        /* a preview that fails to clean up must not stop the next one */
      }
      preview = null;
    }
  }

  async function validate() {
    sequence += 1;
    const mine = sequence;
    if (controller) controller.abort();
    controller = new AbortController();
    status.textContent = "Checking…";
    status.className = "config-status muted";
    setState({ pending: true });
    const body = { label_config: text.value };
    if (project) body.project = project;
    let data;
    try {
      data = await post("/api/labeling/preview", body, { signal: controller.signal });
    } catch (err) {
      if (err.name === "AbortError" || mine !== sequence) return;
      const configError = err.status === 400 && err.errors && err.errors.label_config;
      showError(configError ? messageOf(err) : `Could not check the config: ${err.message}`, configError ? lineOf(err) : null);
      showOrphans([]);
      setState({ valid: false, pending: false, error: err.message, orphans: [] });
      return;
    }
    if (mine !== sequence) return;
    clearError();
    showOrphans(data.orphans || []);
    status.textContent = data.orphans && data.orphans.length ? "Valid, but would orphan labels" : "Valid";
    status.className = data.orphans && data.orphans.length ? "config-status error" : "config-status ok";
    setState({ valid: true, pending: false, error: null, orphans: data.orphans || [] });
    await mountPreview(data.schema, data.sample_task);
  }

  function schedule() {
    renderGutter();
    clearTimeout(timer);
    setState({ pending: true });
    timer = setTimeout(validate, DEBOUNCE_MS);
  }

  host.tabIndex = -1; // clicking the preview focuses it, which turns its keys on
  const scopeKeys = () => {
    if (preview && preview.keys && preview.keys.setEnabled) preview.keys.setEnabled(host.contains(document.activeElement));
  };
  const leave = (event) => {
    if (preview && preview.keys && preview.keys.setEnabled) preview.keys.setEnabled(host.contains(event.relatedTarget));
  };
  document.addEventListener("focusin", scopeKeys);
  document.addEventListener("focusout", leave);

  text.value = value;
  text.addEventListener("input", schedule);
  text.addEventListener("scroll", syncScroll);
  renderGutter();
  validate();

  return {
    value: () => text.value,
    setValue(next) {
      text.value = next;
      text.scrollTop = 0;
      schedule();
    },
    state: () => state,
    // Validate now (skipping the debounce); resolves when the answer is shown.
    flush() {
      clearTimeout(timer);
      return validate();
    },
    showOrphans,
    focus: () => text.focus(),
    destroy() {
      document.removeEventListener("focusin", scopeKeys);
      document.removeEventListener("focusout", leave);
      clearTimeout(timer);
      if (controller) controller.abort();
      destroyPreview();
    },
  };
}

// The 400 from /api/labeling/preview carries `line` and `message` beside the usual fields; ApiError keeps
// only detail and validation_errors, so the parts are read from the message text ("line 3: ...").
function messageOf(err) {
  const text = [].concat(err.errors.label_config)[0] || err.message;
  return text.replace(/^line \d+: /, "");
}

function lineOf(err) {
  const text = [].concat(err.errors.label_config || [])[0] || "";
  const match = /^line (\d+):/.exec(text);
  return match ? Number(match[1]) : null;
}
