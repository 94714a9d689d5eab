// Which task comes next, fetched before it is needed.
//
// Order: the tasks of `?ids=` (the data manager's "label these") first, in their order, then the
// project's queue (`GET /api/projects/{id}/next`, which leases the task to the annotator). While a
// task is on screen the following one is prefetched: its id and its editor payload, so submitting
// only has to mount it. The prefetch asks `next` with `exclude=<task on screen>`: the server keeps
// the lease on the task on screen and leases the following task too (two leases at most, both
// expiring on their own if the annotator walks away). A prefetch older than half the lease is thrown
// away and asked for again, so the screen never shows a task whose lease may have lapsed.
import { ApiError, get } from "/static/js/http.js";

export async function editorPayload(taskId) {
  return get(`/api/tasks/${taskId}/editor`);
}

export class Queue {
  constructor(projectId, ids, leaseSeconds) {
    this.projectId = projectId;
    this.ids = [...ids];
    this.maxAgeMs = Math.max(5, leaseSeconds / 2) * 1000;
    this.ahead = null; // {at, promise -> payload | null, fromIds}
  }

  async _fromQueue(exclude) {
    const query = exclude.length ? `?exclude=${exclude.join(",")}` : "";
    let task;
    try {
      task = await get(`/api/projects/${this.projectId}/next${query}`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        this.endReason = error.message; // nothing left, or the project's per-annotator limit reached
        return null;
      }
      if (error instanceof ApiError && error.status === 403) {
        // Paused by a manager (or by the gold-task check), or a failed exam: the queue ends with the reason.
        this.endReason = error.message;
        this.blocked = true;
        return null;
      }
      throw error;
    }
    return editorPayload(task.id);
  }

  async _fromIds() {
    while (this.ids.length) {
      const id = this.ids.shift();
      try {
        const payload = await editorPayload(id);
        if (payload.project.id === this.projectId) return payload;
        continue; // a task of another project: never label it with this project's config
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 404) throw error;
        // a listed task deleted meanwhile: go on with the next one
      }
    }
    return null;
  }

  // Start fetching the task after `currentId` (the one on screen, or null).
  prefetch(currentId) {
    this.drop();
    const exclude = currentId ? [currentId] : [];
    const fromIds = this.ids.length > 0;
    const promise = fromIds ? this._fromIds() : this._fromQueue(exclude);
    promise.catch(() => {}); // reported when taken
    this.ahead = { at: performance.now(), promise, fromIds };
  }

  drop() {
    this.ahead = null;
  }

  // The payload of the task to show now (the current one is done and its lease released), or null
  // when nothing is left.
  async take() {
    const ahead = this.ahead;
    this.ahead = null;
    // A listed task holds no lease, so its prefetch never goes stale (and its id is already taken).
    if (ahead && (ahead.fromIds || performance.now() - ahead.at < this.maxAgeMs)) {
      try {
        const payload = await ahead.promise;
        if (payload) return payload;
      } catch {
        // fall through and ask again
      }
    }
    if (this.ids.length) return this._fromIds();
    return this._fromQueue([]); // also re-checks an empty prefetch: leases of others may have lapsed
  }
}
