// The task's consensus in the editor's side panel: per control, the aggregated answer and how sure the
// method is (a posterior for Dawid-Skene and its kin, a vote share for majority). The server sends
// `task.consensus` only to people who may see it (never to annotators of a blind project). Text only.

const METHODS = {
  ds: "Dawid-Skene", mv: "majority vote", wawa: "Wawa", zbs: "zero-based skill",
  glad: "GLAD", mace: "MACE", onecoin: "one-coin Dawid-Skene",
  span: "token vote", box: "box clusters", rover: "ROVER", mean: "mean", median: "median",
};

// What a result item says, in a few words ("Positive", "4★", "3 regions").
function summary(result) {
  const items = Array.isArray(result) ? result : [];
  if (items.length !== 1) return `${items.length} regions`;
  const v = items[0].value || {};
  if (Array.isArray(v.choices)) return v.choices.map((c) => (Array.isArray(c) ? c.join("/") : c)).join(", ");
  if (Array.isArray(v.text)) return v.text.join(" ");
  if (v.rating !== undefined) return `${v.rating}★`;
  if (v.number !== undefined) return String(v.number);
  if (v.datetime !== undefined) return String(v.datetime);
  if (Array.isArray(v.taxonomy)) return v.taxonomy.map((p) => p.join("/")).join(", ");
  for (const key of Object.keys(v)) if (key.endsWith("labels") && Array.isArray(v[key])) return `1 region: ${v[key].join(", ")}`;
  return "1 region";
}

export function createConsensusPanel(el, consensus) {
  if (!Array.isArray(consensus) || !consensus.length) return null;
  const box = document.createElement("section");
  box.className = "lw-consensus";
  box.dataset.testid = "consensus";
  const heading = document.createElement("h3");
  heading.className = "lw-regions-title";
  heading.textContent = "Consensus";
  const list = document.createElement("dl");
  list.className = "lw-consensus-list";
  for (const entry of consensus) {
    const term = document.createElement("dt");
    term.textContent = entry.control;
    const value = document.createElement("dd");
    const answer = document.createElement("span");
    answer.className = "lw-consensus-answer";
    answer.textContent = summary(entry.result);
    const note = document.createElement("span");
    note.className = "lw-consensus-confidence";
    const share = Math.round(100 * Number(entry.confidence || 0));
    note.textContent = ` ${share}% · ${METHODS[entry.method] || entry.method}`;
    value.append(answer, note);
    list.append(term, value);
  }
  box.append(heading, list);
  el.prepend(box);
  return box;
}
