// Broken media on the labeling screen: when an image, audio or video of the task cannot be loaded
// (a missing upload, a 404 from the media proxy, bytes that do not decode), the bar under the
// toolbar says so and offers "Skip: media cannot be loaded", which opens the skip dialog with the
// reason filled in. The editor's media tags show their own message in place of the media and
// announce it with a bubbling `lw-media-error` event (detail: {object, url, message}); a media
// element's own `error` event (it does not bubble, so it is caught in the capture phase) is the
// fallback for a tag that only shows the broken element.
const MEDIA = new Set(["IMG", "IMAGE", "AUDIO", "VIDEO", "SOURCE"]);
const NOUN = { IMG: "An image", IMAGE: "An image", AUDIO: "An audio file", VIDEO: "A video", SOURCE: "A media file" };
const MAX_REASON = 500;

export class BrokenMedia {
  constructor(bar, text) {
    this.bar = bar;
    this.text = text;
    this.message = "";
  }

  // Watch one editor host; returns the function that stops watching.
  watch(host) {
    this.clear();
    const onEvent = (event) => {
      const message = event.detail && typeof event.detail.message === "string" ? event.detail.message : "";
      this.show(message || "The media of this task could not be loaded.");
    };
    const onError = (event) => {
      const target = event.target;
      if (!target || !MEDIA.has(String(target.tagName).toUpperCase())) return;
      if (this.message) return; // the tag's own message says more
      this.show(`${NOUN[String(target.tagName).toUpperCase()]} of this task could not be loaded.`);
    };
    host.addEventListener("lw-media-error", onEvent);
    host.addEventListener("error", onError, true);
    return () => {
      host.removeEventListener("lw-media-error", onEvent);
      host.removeEventListener("error", onError, true);
      this.clear();
    };
  }

  show(message) {
    this.message = message;
    this.text.textContent = message;
    this.bar.classList.remove("hidden");
    document.dispatchEvent(new CustomEvent("labeling:media-broken", { detail: { message } }));
  }

  clear() {
    this.message = "";
    this.text.textContent = "";
    this.bar.classList.add("hidden");
  }

  // The skip reason: what went wrong, within the length the server accepts.
  reason() {
    const reason = `Media cannot be loaded: ${this.message}`;
    return reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON - 1)}…` : reason;
  }
}
