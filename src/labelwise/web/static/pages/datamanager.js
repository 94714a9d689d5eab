// The data manager page: tabs (saved views), filters, sort, column visibility, paging, selection and
// bulk actions over Label Studio's APIs (/api/dm/views, /api/tasks, /api/dm/actions, export).
// State lives in the active view's `data` (title, filters, ordering, hiddenColumns, pageSize), saved
// to the server as it changes, so a reload shows the same tab the same way.

import { ApiError, del, get, pageData, patch, post } from "../js/http.js";
import { assignDialog } from "./dm/assign.js";
import { columnsFor } from "./dm/columns.js";
import { filterFields, itemToRow, renderFilterRows, rowToItem } from "./dm/filters.js";
import { Table } from "./dm/table.js";
import { Tabs } from "./dm/tabs.js";
import { openImport } from "./import_dialog.js";

const page = pageData("dm-data");
const pid = page.project.id;
const $ = (id) => document.getElementById(id);
const MAX_LABEL_IDS = 1000;
const MAX_EXPORT_IDS = 2000;

const columns = columnsFor(page.columns);
const fields = filterFields(page.columns);
const users = new Map();
const state = {
  views: [],
  viewId: null,
  rows: [], // the filter bar's rows (see dm/filters.js)
  conjunction: "and",
  ordering: [],
  hidden: columns.filter((c) => c.hiddenByDefault).map((c) => c.key),
  page: 1,
  pageSize: 100,
  tasks: [],
  total: 0,
  selection: { all: false, ids: new Set() }, // all: true → ids are the excluded ones
  loading: null,
  sums: null,
};

const table = new Table(
  { head: $("dm-head"), body: $("dm-body"), wrap: $("dm-table-wrap"), empty: $("dm-empty") },
  {
    onSort: (order) => { state.ordering = order ? [order] : []; state.page = 1; changed(); },
    onOpen: (id) => window.location.assign(`/projects/${pid}/label?task=${encodeURIComponent(id)}`),
    onToggle: (id, on) => { select(id, on); paintSelection(); },
    onTogglePage: (on) => { for (const t of state.tasks) select(t.id, on); paintSelection(); },
  },
);

const tabs = new Tabs($("dm-tabs"), {
  editable: page.can.change_views,
  onSelect: (id) => activate(id),
  onAdd: () => addView(),
  onRename: (view, title) => {
    // The title joins the rest of the tab's current state, so a rename never undoes a pending change.
    view.data = { ...view.data, title };
    tabs.render(state.views, state.viewId);
    saveView(view.id === state.viewId ? currentData() : view.data, view.id);
  },
  onDelete: (view) => deleteView(view),
  onReorder: (ids, focus) => reorder(ids, focus),
});

// --- messages -------------------------------------------------------------------------------------

function showError(message) {
  const box = $("dm-error");
  box.textContent = message;
  box.classList.toggle("hidden", !message);
}

function showNotice(message) {
  const box = $("dm-notice");
  box.textContent = message;
  box.classList.toggle("hidden", !message);
}

function failed(err) {
  showError(err instanceof ApiError ? err.message : `Something went wrong: ${err}`);
}

// --- views ----------------------------------------------------------------------------------------

function currentData() {
  const view = state.views.find((v) => v.id === state.viewId);
  const items = state.rows.map((r) => rowToItem(r, fields)).filter(Boolean);
  return {
    ...(view ? view.data : {}),
    title: view ? view.data.title : "Default",
    filters: { conjunction: state.conjunction, items },
    ordering: state.ordering,
    hiddenColumns: { explore: state.hidden, labeling: [] },
    pageSize: state.pageSize,
  };
}

function applyView(view) {
  const data = (view && view.data) || {};
  const filters = data.filters || { conjunction: "and", items: [] };
  state.conjunction = filters.conjunction === "or" ? "or" : "and";
  state.rows = (filters.items || []).map(itemToRow);
  state.ordering = Array.isArray(data.ordering) ? data.ordering.slice(0, 1) : [];
  if (data.hiddenColumns && Array.isArray(data.hiddenColumns.explore)) state.hidden = data.hiddenColumns.explore.slice();
  else state.hidden = columns.filter((c) => c.hiddenByDefault).map((c) => c.key);
  state.pageSize = [25, 50, 100, 200].includes(data.pageSize) ? data.pageSize : 100;
  state.page = 1;
  state.selection = { all: false, ids: new Set() };
}

let saving = Promise.resolve();
function saveView(data, viewId = state.viewId) {
  if (!page.can.change_views || viewId === null) return Promise.resolve();
  document.body.dataset.dmSaving = "true";
  saving = saving
    .then(() => patch(`/api/dm/views/${viewId}`, { project: pid, data }))
    .then((saved) => {
      const i = state.views.findIndex((v) => v.id === saved.id);
      if (i >= 0) state.views[i] = saved;
    })
    .catch(failed)
    .finally(() => { delete document.body.dataset.dmSaving; });
  return saving;
}

async function loadViews() {
  let views = await get(`/api/dm/views?project=${pid}`);
  if (!views.length && page.can.change_views) {
    views = [await post("/api/dm/views", { project: pid, data: { title: "Default" } })];
  }
  state.views = views;
  const wanted = Number(new URLSearchParams(window.location.search).get("view"));
  const view = views.find((v) => v.id === wanted) || views[0] || null;
  state.viewId = view ? view.id : null;
  applyView(view);
}

function activate(id) {
  if (id === state.viewId) return;
  state.viewId = id;
  applyView(state.views.find((v) => v.id === id));
  const url = new URL(window.location.href);
  url.searchParams.set("view", String(id));
  url.searchParams.delete("import");
  window.history.replaceState(null, "", url);
  renderAll();
  load();
}

async function addView() {
  try {
    const n = state.views.length + 1;
    const view = await post("/api/dm/views", { project: pid, data: { title: `Tab ${n}` } });
    state.views.push(view);
    tabs.render(state.views, state.viewId);
    activate(view.id);
  } catch (err) {
    failed(err);
  }
}

async function deleteView(view) {
  if (!(await confirmDialog(`Delete the tab “${view.data.title || "Tab"}”? Its filters and columns go with it; tasks stay.`, "Delete tab"))) return;
  try {
    await del(`/api/dm/views/${view.id}`);
    state.views = state.views.filter((v) => v.id !== view.id);
    state.viewId = null;
    activate(state.views[0].id);
    tabs.render(state.views, state.viewId);
  } catch (err) {
    failed(err);
  }
}

async function reorder(ids, focus) {
  const byId = new Map(state.views.map((v) => [v.id, v]));
  state.views = ids.map((id) => byId.get(id));
  tabs.render(state.views, state.viewId);
  if (focus !== undefined) tabs.focus(focus);
  try {
    await post("/api/dm/views/order", { project: pid, ids });
  } catch (err) {
    failed(err);
  }
}

// --- tasks ----------------------------------------------------------------------------------------

function query() {
  const items = state.rows.map((r) => rowToItem(r, fields)).filter(Boolean);
  const q = {};
  if (items.length) q.filters = { conjunction: state.conjunction, items };
  if (state.ordering.length) q.ordering = state.ordering;
  return q;
}

function tasksUrl(pageNo, pageSize, counts = "tasks") {
  const params = new URLSearchParams({ project: String(pid), page: String(pageNo), page_size: String(pageSize), fields: "task_only", counts });
  const q = query();
  if (Object.keys(q).length) params.set("query", JSON.stringify(q));
  return `/api/tasks?${params}`;
}

// `turn`: only the page changed, so the totals shown still hold and are not asked for again.
async function load({ turn = false } = {}) {
  if (state.loading) state.loading.abort();
  if (state.sums && !turn) state.sums.abort();
  const controller = new AbortController();
  state.loading = controller;
  $("dm-table").dataset.loading = "true";
  try {
    let body;
    try {
      body = await get(tasksUrl(state.page, state.pageSize, turn ? "none" : "tasks"), { signal: controller.signal });
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 404 || state.page === 1) throw err;
      state.page = 1; // past the end (tasks went away): back to the first page
      body = await get(tasksUrl(1, state.pageSize), { signal: controller.signal });
    }
    state.tasks = body.tasks;
    showError("");
    if (body.total !== null) {
      state.total = body.total;
      showCounts(body);
      if (body.total_annotations === null) loadSums();
    }
    renderTable();
    renderPager();
  } catch (err) {
    if (err.name === "AbortError") return;
    failed(err);
  } finally {
    if (state.loading === controller) {
      state.loading = null;
      delete $("dm-table").dataset.loading;
    }
  }
}

function showCounts(body) {
  const n = (v) => (v === null || v === undefined ? "…" : v.toLocaleString());
  $("dm-counts").textContent = `${n(body.total)} tasks · ${n(body.total_annotations)} annotations · ${n(body.total_predictions)} predictions`;
}

// A filtered selection's annotation and prediction sums read every selected row: asked for after
// the page is shown, so paging never waits for them.
async function loadSums() {
  const controller = new AbortController();
  state.sums = controller;
  try {
    const body = await get(tasksUrl(1, 1, "all"), { signal: controller.signal });
    if (!controller.signal.aborted) showCounts(body);
  } catch (err) {
    if (err.name !== "AbortError" && !(err instanceof ApiError && err.status === 404)) failed(err);
  }
}

let textTimer = null;
function changed({ typing = false } = {}) {
  state.selection = { all: false, ids: new Set() };
  const run = () => {
    renderAll();
    saveView(currentData());
    load();
  };
  clearTimeout(textTimer);
  if (typing) textTimer = setTimeout(run, 350);
  else run();
}

// --- selection ------------------------------------------------------------------------------------

function isSelected(id) {
  const s = state.selection;
  return s.all ? !s.ids.has(id) : s.ids.has(id);
}

function select(id, on) {
  const s = state.selection;
  if (on !== s.all) s.ids.add(id);
  else s.ids.delete(id);
}

function selectedCount() {
  const s = state.selection;
  return s.all ? state.total - s.ids.size : s.ids.size;
}

function selectedItems() {
  const s = state.selection;
  return s.all ? { all: true, excluded: [...s.ids] } : { all: false, included: [...s.ids] };
}

function paintSelection() {
  for (const tr of $("dm-body").children) {
    const on = isSelected(Number(tr.dataset.taskId));
    tr.classList.toggle("is-selected", on);
    tr.querySelector("input[type=checkbox]").checked = on;
  }
  const onPage = state.tasks.filter((t) => isSelected(t.id)).length;
  const box = $("dm-select-page");
  if (box) {
    box.checked = onPage > 0 && onPage === state.tasks.length;
    box.indeterminate = onPage > 0 && onPage < state.tasks.length;
  }
  const n = selectedCount();
  $("dm-bulk").classList.toggle("hidden", n === 0);
  $("dm-selected-count").textContent = state.selection.all
    ? `All ${n.toLocaleString()} matching tasks selected`
    : `${n.toLocaleString()} selected`;
  const more = $("dm-select-matching");
  const offer = !state.selection.all && onPage === state.tasks.length && onPage > 0 && state.total > n;
  more.classList.toggle("hidden", !offer);
  more.textContent = `Select all ${state.total.toLocaleString()} matching tasks`;
}

// Up to `limit` selected ids in table order (a whole selection may be every task of the project).
async function selectedIds(limit) {
  const s = state.selection;
  if (!s.all) return [...s.ids].slice(0, limit + 1);
  const out = [];
  for (let p = 1; out.length <= limit; p += 1) {
    let body;
    try {
      body = await get(tasksUrl(p, 1000));
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) break;
      throw err;
    }
    for (const t of body.tasks) if (!s.ids.has(t.id)) out.push(t.id);
    if (body.tasks.length < 1000) break;
  }
  return out.slice(0, limit + 1);
}

// --- bulk actions ---------------------------------------------------------------------------------

const ACTION_TEXT = {
  delete_tasks: ["Delete tasks", (n) => `Delete ${n} tasks with their annotations and predictions? An admin can restore them from the trash for 30 days.`],
  delete_tasks_annotations: ["Delete annotations", (n) => `Delete every annotation of ${n} tasks? An admin can restore them from the trash for 30 days.`],
  delete_tasks_predictions: ["Delete predictions", (n) => `Delete every prediction of ${n} tasks? An admin can restore them from the trash for 30 days.`],
  mark_gold: ["Mark as gold", (n) => `Make ${n} tasks gold tasks, each with its accepted (else newest) annotation as the correct answer?`],
  unmark_gold: ["Remove from gold", (n) => `Make ${n} tasks ordinary tasks again? Their answer keys are removed.`],
};

async function runAction(id) {
  const n = selectedCount().toLocaleString();
  const [title, text] = ACTION_TEXT[id];
  if (!(await confirmDialog(text(n), title))) return;
  const body = { selectedItems: selectedItems() };
  if (state.selection.all) {
    const q = query();
    if (q.filters) body.filters = q.filters;
  }
  try {
    const result = await post(`/api/dm/actions?id=${encodeURIComponent(id)}&project=${pid}`, body);
    showNotice(result.detail || `${title}: ${result.processed_items}`);
    state.selection = { all: false, ids: new Set() };
    await load();
  } catch (err) {
    failed(err);
  }
}

async function assignSelected() {
  const body = { selectedItems: selectedItems() };
  if (state.selection.all) {
    const q = query();
    if (q.filters) body.filters = q.filters;
  }
  try {
    const done = await assignDialog($("dm-assign"), { projectId: pid, count: selectedCount(), body });
    if (!done) return;
    showNotice(done.message);
    if (!done.changed) return;
    state.selection = { all: false, ids: new Set() };
    await load();
  } catch (err) {
    failed(err);
  }
}

async function labelSelected() {
  try {
    const ids = await selectedIds(MAX_LABEL_IDS);
    if (!ids.length) return;
    if (ids.length > MAX_LABEL_IDS) showNotice(`Labeling the first ${MAX_LABEL_IDS} selected tasks.`);
    window.location.assign(`/projects/${pid}/label?ids=${ids.slice(0, MAX_LABEL_IDS).join(",")}`);
  } catch (err) {
    failed(err);
  }
}

async function exportSelected() {
  const fmt = $("dm-export-format").value;
  const chosen = $("dm-export-annotations");
  const annotations = chosen ? `&annotations=${encodeURIComponent(chosen.value)}` : "";
  const base = `/api/projects/${pid}/export?exportType=${encodeURIComponent(fmt)}${annotations}`;
  let href;
  const s = state.selection;
  if (s.all && !s.ids.size && !query().filters) {
    href = `${base}&download_all_tasks=true`;
  } else {
    const ids = await selectedIds(MAX_EXPORT_IDS).catch((err) => { failed(err); return null; });
    if (!ids) return;
    if (ids.length > MAX_EXPORT_IDS) {
      showError(`Export by selection takes up to ${MAX_EXPORT_IDS.toLocaleString()} tasks; narrow the filters or select all tasks without filters.`);
      return;
    }
    href = `${base}&ids=${ids.join(",")}`;
  }
  const a = document.createElement("a");
  a.href = href;
  a.download = "";
  document.body.append(a);
  a.click();
  a.remove();
}

async function loadFormats() {
  const sel = $("dm-export-format");
  if (!sel) return;
  try {
    const formats = await get(`/api/projects/${pid}/export/formats`);
    const options = formats.filter((f) => !f.disabled).map((f) => {
      const o = document.createElement("option");
      o.value = f.name;
      o.textContent = f.title || f.name;
      return o;
    });
    if (options.length) sel.replaceChildren(...options);
  } catch (err) {
    failed(err);
  }
}

// --- the confirm dialog ---------------------------------------------------------------------------

function confirmDialog(text, okLabel) {
  const dialog = $("dm-confirm");
  $("dm-confirm-text").textContent = text;
  $("dm-confirm-title").textContent = okLabel;
  $("dm-confirm-ok").textContent = okLabel;
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
  });
}

// --- rendering ------------------------------------------------------------------------------------

function visibleColumns() {
  return columns.filter((c) => !state.hidden.includes(c.key));
}

const ctx = { userName: (id) => users.get(id) || `user ${id}` };

function renderTable() {
  const cols = visibleColumns();
  const onPage = state.tasks.filter((t) => isSelected(t.id)).length;
  const pageState = onPage === 0 ? "none" : onPage === state.tasks.length ? "all" : "some";
  table.renderHead(cols, state.ordering, pageState);
  table.renderBody(state.tasks, cols, ctx, isSelected);
  paintSelection();
}

function renderPager() {
  const pages = Math.max(1, Math.ceil(state.total / state.pageSize));
  $("dm-pages").textContent = pages.toLocaleString();
  $("dm-page").value = String(state.page);
  $("dm-page").max = String(pages);
  $("dm-page-size").value = String(state.pageSize);
  document.querySelector("[data-action='prev-page']").disabled = state.page <= 1;
  document.querySelector("[data-action='next-page']").disabled = state.page >= pages;
}

function renderFilters() {
  renderFilterRows($("dm-filter-rows"), state.rows, fields, [...users].map(([id, label]) => ({ id, label })), (rows, now) => {
    state.rows = rows;
    state.page = 1;
    if (now) renderFilters();
    changed({ typing: !now });
  });
  $("dm-conjunction").value = state.conjunction;
  const active = state.rows.map((r) => rowToItem(r, fields)).filter(Boolean).length;
  const badge = $("dm-filter-count");
  badge.textContent = String(active);
  badge.classList.toggle("hidden", active === 0);
}

function renderColumnsMenu() {
  const menu = $("dm-columns");
  menu.replaceChildren(...columns.map((col) => {
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.checked = !state.hidden.includes(col.key);
    box.dataset.column = col.key;
    box.addEventListener("change", () => {
      state.hidden = box.checked ? state.hidden.filter((k) => k !== col.key) : [...state.hidden, col.key];
      renderTable();
      saveView(currentData());
    });
    label.append(box, document.createTextNode(` ${col.title}`));
    return label;
  }));
}

function renderAll() {
  tabs.render(state.views, state.viewId);
  renderFilters();
  renderColumnsMenu();
  renderTable();
  renderPager();
}

// --- wiring ---------------------------------------------------------------------------------------

function goTo(pageNo) {
  const pages = Math.max(1, Math.ceil(state.total / state.pageSize));
  const next = Math.max(1, Math.min(pages, pageNo));
  if (next === state.page) { renderPager(); return; }
  state.page = next;
  load({ turn: true });
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-action]");
  if (!button) return;
  const action = button.dataset.action;
  if (action === "toggle-filters") {
    const open = $("dm-filters").classList.toggle("hidden") === false;
    button.setAttribute("aria-expanded", String(open));
  } else if (action === "toggle-columns") {
    const open = $("dm-columns").classList.toggle("hidden") === false;
    button.setAttribute("aria-expanded", String(open));
  } else if (action === "add-filter") {
    const textField = fields.find((f) => f.kind === "text") || fields[0];
    state.rows.push(textField.kind === "text" ? { field: textField.id, operator: "contains", value: "" } : { field: "status", operator: "equal", value: "labeled" });
    renderFilters();
    const inputs = $("dm-filter-rows").querySelectorAll("input");
    if (inputs.length) inputs[inputs.length - 1].focus();
  } else if (action === "prev-page") goTo(state.page - 1);
  else if (action === "next-page") goTo(state.page + 1);
  else if (action === "select-matching") { state.selection = { all: true, ids: new Set() }; paintSelection(); }
  else if (action === "clear-selection") { state.selection = { all: false, ids: new Set() }; paintSelection(); }
  else if (action in ACTION_TEXT) runAction(action);
  else if (action === "label-selected") labelSelected();
  else if (action === "export-selected") exportSelected();
  else if (action === "assign-selected") assignSelected();
  else if (action === "open-import") startImport();
});

$("dm-conjunction").addEventListener("change", (e) => { state.conjunction = e.target.value; changed(); });
$("dm-page-size").addEventListener("change", (e) => { state.pageSize = Number(e.target.value); state.page = 1; changed(); });
$("dm-page").addEventListener("change", (e) => goTo(Number(e.target.value) || 1));
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && !$("dm-columns").classList.contains("hidden")) $("dm-columns").classList.add("hidden");
});

function startImport() {
  openImport($("dm-import"), { projectId: pid, onDone: () => load() });
}

async function loadUsers() {
  try {
    const list = await get("/api/users");
    for (const u of list) {
      const name = [u.first_name, u.last_name].filter(Boolean).join(" ");
      users.set(u.id, name ? `${name} (${u.email})` : u.email || u.username || `user ${u.id}`);
    }
  } catch {
    // Names are a nicety; ids still show.
  }
}

async function start() {
  try {
    await Promise.all([loadViews(), loadUsers()]);
  } catch (err) {
    failed(err);
  }
  renderAll();
  await load();
  loadFormats();
  if (page.open_import && page.can.import) startImport();
  document.body.dataset.dmReady = "true";
}

start();
