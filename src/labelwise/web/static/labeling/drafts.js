// Drafts: the annotator's unsubmitted work, saved on the server so a reload, a crash or a closed tab
// loses nothing. Saved 1 s after the last change (debounced), and at once when the tab is hidden or
// the page is left (with `keepalive`, so the request outlives the page). One draft per task (and per
// annotation being edited): the first save creates it, later saves patch it.
import { ApiError, csrfToken } from "/static/js/http.js";

const DELAY_MS = 1000;

async function send(method, path, body, keepalive) {
  const response = await fetch(path, {
    method,
    credentials: "same-origin",
    keepalive,
    headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, data.detail, data.validation_errors);
  return data;
}

export class Drafts {
  constructor({ onError } = {}) {
    this.ctx = null;
    this.timer = null;
    this.dirty = false;
    this.pending = Promise.resolve();
    this.onError = onError || (() => {});
  }

  // Follow one task: `collect()` returns {result, lead_time} at save time.
  attach({ taskId, annotationId = null, draftId = null, collect }) {
    this.ctx = { taskId, annotationId, draftId, collect };
    this.dirty = false;
  }

  changed() {
    if (!this.ctx) return;
    this.dirty = true;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.save(), DELAY_MS);
  }

  // Save now if anything changed since the last save.
  save({ keepalive = false } = {}) {
    clearTimeout(this.timer);
    this.timer = null;
    const ctx = this.ctx;
    if (!ctx || !this.dirty) return this.pending;
    this.dirty = false;
    const body = { ...ctx.collect(), annotation: ctx.annotationId };
    this.pending = this.pending
      .then(() => this._write(ctx, body, keepalive))
      .catch((error) => {
        if (this.ctx === ctx) this.dirty = true; // try again on the next change or flush
        this.onError(error);
      });
    return this.pending;
  }

  async _write(ctx, body, keepalive) {
    if (ctx.draftId !== null) {
      try {
        await send("PATCH", `/api/drafts/${ctx.draftId}`, body, keepalive);
        return;
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 404) throw error;
        ctx.draftId = null; // deleted meanwhile (submitted elsewhere): create a new one
      }
    }
    const draft = await send("POST", `/api/tasks/${ctx.taskId}/drafts`, body, keepalive);
    ctx.draftId = draft.id;
  }

  // Stop following the task without saving (submit drops the draft on the server); waits for a
  // save already on the wire, so it cannot land after the annotation and resurrect the draft.
  async detach() {
    clearTimeout(this.timer);
    this.timer = null;
    this.ctx = null;
    this.dirty = false;
    await this.pending;
  }

  // Stop the debounce, wait for saves in flight, keep following the task (a failed submit resumes).
  async settle() {
    clearTimeout(this.timer);
    this.timer = null;
    await this.pending;
  }
}
