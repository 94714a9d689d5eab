// Training mode: after a submit on a gold task the annotation comes back with `feedback`
// ({correct, score, ground_truth}; only when the project's `training` is on). This shows it with the
// project's instructions before the screen moves on; `show` resolves when the annotator continues.
// Everything is set as text (the instructions are the page's own server-sanitized copy, cloned).

const VALUE_KEYS = ["choices", "labels", "rectanglelabels", "polygonlabels", "keypointlabels",
  "ellipselabels", "brushlabels", "hypertextlabels", "paragraphlabels", "timeserieslabels", "taxonomy"];

function describe(item) {
  const value = item.value || {};
  const parts = [];
  for (const key of VALUE_KEYS) {
    if (Array.isArray(value[key])) parts.push(value[key].map((v) => (Array.isArray(v) ? v.join(" / ") : v)).join(", "));
  }
  if (value.rating !== undefined) parts.push(`${value.rating} ★`);
  if (value.number !== undefined) parts.push(String(value.number));
  if (Array.isArray(value.text)) parts.push(value.text.join(" "));
  else if (typeof value.text === "string" && value.start !== undefined) parts.push(`“${value.text}”`);
  return `${item.from_name || "answer"}: ${parts.join(" ") || "(a region)"}`;
}

export class Feedback {
  constructor(dialog, instructions) {
    this.dialog = dialog;
    this.instructions = instructions; // the page's instructions body, or null
  }

  show(feedback) {
    const d = this.dialog;
    d.classList.toggle("is-correct", feedback.correct);
    d.classList.toggle("is-wrong", !feedback.correct);
    d.querySelector("#lb-feedback-title").textContent = feedback.correct ? "Correct" : "Not quite";
    d.querySelector("#lb-feedback-score").textContent = `Score: ${Math.round(feedback.score * 100)}%`;
    d.querySelector("#lb-feedback-answer").replaceChildren(
      ...(feedback.ground_truth || []).map((item) => {
        const li = document.createElement("li");
        li.textContent = describe(item);
        return li;
      }),
    );
    const box = d.querySelector("#lb-feedback-instructions");
    box.replaceChildren(...(this.instructions ? [this.instructions.cloneNode(true)] : []));
    return new Promise((resolve) => {
      d.addEventListener("close", () => resolve(), { once: true });
      d.showModal();
      d.querySelector("#lb-feedback-continue").focus();
    });
  }
}
