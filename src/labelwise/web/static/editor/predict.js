// "Predict this task": ask a model connection for the task on screen (Label Studio's
// /api/ml/{id}/interactive-annotating) and load its answer as the pre-annotation, which the annotator
// then accepts (Submit, Ctrl+Enter), corrects or clears. Nothing is stored until they submit.
//
// attachPredict({ button, keys, connections, task, onResult, onMessage }) -> unbind
//   connections: [{id, title}] the page may use (the first is asked); keys: the editor's keymap (Alt+P).
import { post } from "/static/js/http.js";

export function attachPredict({ button, keys, connections, task, onResult, onMessage }) {
  const model = (connections || [])[0];
  if (!button) return () => {};
  button.classList.toggle("hidden", !model);
  if (!model) return () => {};
  button.title = `Predict this task with ${model.title || `model ${model.id}`} (Alt+P)`;
  let busy = false;
  async function predict() {
    if (busy) return true;
    busy = true;
    button.disabled = true;
    onMessage(`Asking ${model.title || "the model"}…`, "");
    try {
      const answer = await post(`/api/ml/${model.id}/interactive-annotating`, { task: task.id });
      if (answer && answer.data) {
        onResult(answer.data.result || []);
        const score = typeof answer.data.score === "number" ? `, score ${answer.data.score.toFixed(2)}` : "";
        onMessage(`Predicted by ${answer.data.model_version || model.title || "the model"}${score}.`, "ok");
      } else {
        onMessage(`No prediction: ${((answer && answer.errors) || ["the model gave no answer"]).join("; ")}`, "error");
      }
    } catch (error) {
      onMessage(`No prediction: ${error.message}`, "error");
    } finally {
      busy = false;
      button.disabled = false;
    }
    return true;
  }
  const click = () => predict();
  button.addEventListener("click", click);
  const unbind = keys.bind("alt+p", "Predict this task with the model", predict, { group: "Labeling" });
  return () => {
    button.removeEventListener("click", click);
    unbind();
  };
}
