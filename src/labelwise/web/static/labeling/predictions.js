// Predictions as pre-annotations: the newest prediction of each model version, newest first. The
// screen loads the first as the starting result (the annotator accepts it by submitting, edits it,
// or clears it) and offers the others in a selector.

function stamp(p) {
  const t = Date.parse(p.created_at || "");
  return Number.isNaN(t) ? 0 : t;
}

export function versions(predictions) {
  const sorted = [...(predictions || [])].sort((a, b) => stamp(b) - stamp(a) || b.id - a.id);
  const seen = new Set();
  const out = [];
  for (const p of sorted) {
    const version = p.model_version || "";
    if (seen.has(version)) continue;
    seen.add(version);
    out.push({ id: p.id, version, score: p.score, result: Array.isArray(p.result) ? p.result : [] });
  }
  return out;
}

// The selector's options, as text only (model versions are client data).
export function fillSelect(select, list, selectedId) {
  const options = list.map((p) => {
    const option = document.createElement("option");
    option.value = String(p.id);
    const score = typeof p.score === "number" ? ` (score ${p.score.toFixed(2)})` : "";
    option.textContent = (p.version || "unversioned") + score;
    option.selected = p.id === selectedId;
    return option;
  });
  const none = document.createElement("option");
  none.value = "";
  none.textContent = "None (empty)";
  none.selected = selectedId === null;
  select.replaceChildren(...options, none);
}
