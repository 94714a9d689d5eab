// The filter bar: rows of (field, operator, value) kept in Label Studio's filter items
// (`{filter: "filter:tasks:data.text", operator, type, value}`), so a saved view holds what LS holds.
// "Status" is a friendlier face over two stored filters: is_labeled (indexed) and cancelled_annotations.

const TEXT_OPS = [
  ["contains", "contains"], ["not_contains", "does not contain"], ["equal", "is"], ["not_equal", "is not"],
  ["starts_with", "starts with"], ["ends_with", "ends with"], ["empty", "is empty"],
];
const NUMBER_OPS = [
  ["equal", "="], ["not_equal", "≠"], ["greater", ">"], ["greater_or_equal", "≥"], ["less", "<"], ["less_or_equal", "≤"],
];
const USER_OPS = [["contains", "includes"], ["not_contains", "does not include"]];
const STATUSES = [["labeled", "Labeled"], ["not_labeled", "Not labeled"], ["skipped", "Skipped"]];

export function filterFields(dataKeys) {
  return [
    { id: "status", title: "Status", kind: "status" },
    { id: "annotators", title: "Annotated by", kind: "user" },
    { id: "assignees", title: "Assigned to", kind: "user" },
    ...dataKeys.map((k) => ({ id: `data.${k}`, title: k, kind: "text" })),
    { id: "id", title: "ID", kind: "number" },
    { id: "total_annotations", title: "Annotations", kind: "number" },
    { id: "total_predictions", title: "Predictions", kind: "number" },
    { id: "agreement", title: "Agreement %", kind: "percent" },
  ];
}

// A stored LS item → a row the bar can show ({field, operator, value}); unknown items stay raw.
export function itemToRow(item) {
  const name = String(item.filter || "").replace(/^filter:tasks:/, "");
  if (name === "is_labeled") return { field: "status", operator: "equal", value: item.value ? "labeled" : "not_labeled" };
  if (name === "cancelled_annotations" && item.operator === "greater" && item.value === 0) {
    return { field: "status", operator: "equal", value: "skipped" };
  }
  if (name === "agreement" && typeof item.value === "number") {  // stored 0 to 1, typed as a percentage
    return { field: name, operator: item.operator, value: Math.round(item.value * 10000) / 100, raw: item };
  }
  return { field: name, operator: item.operator, value: item.value, raw: item };
}

// A row → an LS item, or null while the row is incomplete (no value typed yet).
export function rowToItem(row, fields) {
  const field = fields.find((f) => f.id === row.field);
  if (!field) return row.raw || null;
  if (field.kind === "status") {
    if (row.value === "skipped") return { filter: "filter:tasks:cancelled_annotations", operator: "greater", type: "Number", value: 0 };
    return { filter: "filter:tasks:is_labeled", operator: "equal", type: "Boolean", value: row.value === "labeled" };
  }
  if (field.kind === "user") {
    const id = Number(row.value);
    if (!Number.isInteger(id) || id < 1) return null;
    return { filter: `filter:tasks:${field.id}`, operator: row.operator, type: "List", value: id };
  }
  if (field.kind === "number") {
    if (row.value === "" || row.value === null || row.value === undefined) return null;
    const n = Number(row.value);
    if (!Number.isInteger(n)) return null;
    return { filter: `filter:tasks:${field.id}`, operator: row.operator, type: "Number", value: n };
  }
  if (field.kind === "percent") {
    if (row.value === "" || row.value === null || row.value === undefined) return null;
    const n = Number(row.value);
    if (!Number.isFinite(n)) return null;
    return { filter: `filter:tasks:${field.id}`, operator: row.operator, type: "Number", value: n / 100 };
  }
  if (row.operator === "empty") return { filter: `filter:tasks:${field.id}`, operator: "empty", type: "String", value: true };
  if (row.value === "" || row.value === null || row.value === undefined) return null;
  return { filter: `filter:tasks:${field.id}`, operator: row.operator, type: "String", value: String(row.value) };
}

function opsFor(kind) {
  return kind === "number" || kind === "percent" ? NUMBER_OPS : kind === "user" ? USER_OPS : kind === "status" ? [["equal", "is"]] : TEXT_OPS;
}

function select(options, value, label) {
  const el = document.createElement("select");
  el.setAttribute("aria-label", label);
  for (const [v, text] of options) {
    const o = document.createElement("option");
    o.value = String(v);
    o.textContent = text;
    el.append(o);
  }
  if (value !== undefined && value !== null) el.value = String(value);
  return el;
}

// Renders the rows into `container`; `onChange(rows)` after every edit (text typing debounced by the caller).
export function renderFilterRows(container, rows, fields, users, onChange) {
  container.replaceChildren();
  rows.forEach((row, i) => {
    const line = document.createElement("div");
    line.className = "dm-filter-row";
    line.dataset.index = String(i);
    const field = fields.find((f) => f.id === row.field);
    if (!field) {
      const raw = document.createElement("span");
      raw.className = "dm-filter-raw";
      raw.textContent = `${row.field} ${row.operator} ${JSON.stringify(row.value)}`;
      line.append(raw);
    } else {
      const fieldSel = select(fields.map((f) => [f.id, f.title]), row.field, "Filter field");
      fieldSel.addEventListener("change", () => {
        const next = fields.find((f) => f.id === fieldSel.value);
        rows[i] = { field: next.id, operator: opsFor(next.kind)[0][0], value: next.kind === "status" ? "labeled" : "" };
        onChange(rows, true);
      });
      const opSel = select(opsFor(field.kind), row.operator, "Filter operator");
      opSel.addEventListener("change", () => { row.operator = opSel.value; onChange(rows, true); });
      let valueEl;
      if (field.kind === "status") {
        valueEl = select(STATUSES, row.value, "Status");
        valueEl.addEventListener("change", () => { row.value = valueEl.value; onChange(rows, true); });
      } else if (field.kind === "user") {
        valueEl = select([["", "someone…"], ...users.map((u) => [u.id, u.label])], row.value, "Annotator");
        valueEl.addEventListener("change", () => { row.value = valueEl.value; onChange(rows, true); });
      } else {
        valueEl = document.createElement("input");
        const numeric = field.kind === "number" || field.kind === "percent";
        valueEl.type = numeric ? "number" : "text";
        valueEl.value = row.value === undefined || row.value === null ? "" : String(row.value);
        valueEl.placeholder = field.kind === "percent" ? "0–100" : numeric ? "number" : "text";
        valueEl.setAttribute("aria-label", "Filter value");
        valueEl.hidden = row.operator === "empty";
        valueEl.addEventListener("input", () => { row.value = valueEl.value; onChange(rows, false); });
      }
      line.append(fieldSel, opSel, valueEl);
    }
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "link-button";
    remove.textContent = "Remove";
    remove.setAttribute("aria-label", "Remove filter");
    remove.addEventListener("click", () => { rows.splice(i, 1); onChange(rows, true); });
    line.append(remove);
    container.append(line);
  });
}
