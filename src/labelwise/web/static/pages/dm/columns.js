// The data manager's columns: one per `$key` of the config plus the task's counters. Every cell is
// text (textContent), never HTML, whatever the task data holds.

const PREVIEW = 160;

export function columnsFor(dataKeys) {
  return [
    { key: "tasks:id", title: "ID", order: "tasks:id", cell: (t) => String(t.id), className: "dm-num" },
    { key: "tasks:inner_id", title: "Inner ID", order: "tasks:inner_id", cell: (t) => String(t.inner_id), className: "dm-num", hiddenByDefault: true },
    ...dataKeys.map((k) => ({
      key: `tasks:data.${k}`,
      title: k,
      order: `tasks:data.${k}`,
      cell: (t) => preview(t.data ? t.data[k] : undefined),
      full: (t) => fullText(t.data ? t.data[k] : undefined),
      className: "dm-data",
    })),
    { key: "tasks:total_annotations", title: "Annotations", order: "tasks:total_annotations", cell: (t) => String(t.total_annotations), className: "dm-num" },
    { key: "tasks:cancelled_annotations", title: "Skipped", order: "tasks:cancelled_annotations", cell: (t) => String(t.cancelled_annotations), className: "dm-num", hiddenByDefault: true },
    { key: "tasks:total_predictions", title: "Predictions", order: "tasks:total_predictions", cell: (t) => String(t.total_predictions), className: "dm-num" },
    { key: "tasks:annotators", title: "Annotated by", order: null, cell: (t, ctx) => (t.annotators || []).map((id) => ctx.userName(id)).join(", "), className: "dm-people" },
    { key: "tasks:assignees", title: "Assigned to", order: null, cell: (t, ctx) => (t.assignees || []).map((id) => ctx.userName(id)).join(", "), className: "dm-people", hiddenByDefault: true },
    { key: "tasks:agreement", title: "Agreement", order: "tasks:agreement", cell: (t) => percent(t.agreement), className: "dm-num" },
    { key: "tasks:status", title: "Status", order: "tasks:is_labeled", cell: statusText, className: "dm-status" },
    { key: "tasks:completed_at", title: "Completed", order: null, cell: (t) => when(t.completed_at), hiddenByDefault: true },
    { key: "tasks:updated_at", title: "Updated", order: "tasks:updated_at", cell: (t) => when(t.updated_at), hiddenByDefault: true },
  ];
}

// A task's agreement (0 to 1, null below two annotators) as a whole percentage, or nothing.
export function percent(value) {
  return typeof value === "number" && Number.isFinite(value) ? `${Math.round(value * 100)}%` : "";
}

export function statusText(t) {
  if (t.is_labeled) return "Labeled";
  if (t.cancelled_annotations > 0 && !t.total_annotations) return "Skipped";
  if (t.total_annotations > 0) return "In progress";
  return "Not labeled";
}

function fullText(value) {
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

export function preview(value) {
  const text = fullText(value).replace(/\s+/g, " ").trim();
  return text.length > PREVIEW ? `${text.slice(0, PREVIEW)}…` : text;
}

function when(stamp) {
  if (!stamp) return "";
  const d = new Date(stamp);
  return Number.isNaN(d.getTime()) ? String(stamp) : d.toLocaleString();
}
