// Loading an image (a page of a valueList, or the only one): the address checked, the natural size read
// once it loads (it sets the overlay's viewBox and every new region's original size), and a missing,
// unsupported or broken image shown as a message and told to the page (`lw-media-error`).

import { el } from "/static/js/dom.js";
import { render } from "./drawing.js";
import { fitToScreen } from "./view.js";

const SAFE_URL = /^(https?:|data:image\/|blob:|\/|\.\.?\/|[^:]*$)/i;

export function buildError(s) {
  const error = el("p", "lw-image-error lw-media-error");
  error.setAttribute("role", "alert");
  error.hidden = true;
  s.error = error;
  return error;
}

function fail(s, message) {
  const url = s.urls[s.index] || "";
  s.instance.mediaError = message;
  s.error.textContent = message;
  s.error.hidden = false;
  s.viewport.hidden = true;
  s.root.dataset.state = "error";
  s.ctx.el.dispatchEvent(new CustomEvent("lw-media-error", { bubbles: true, detail: { object: s.name, url, index: s.index, message } }));
}

export function load(s, i) {
  const { tag, urls, root, img } = s;
  s.index = i;
  s.size = null;
  s.poly = null;
  s.vertex = null;
  s.instance.mediaError = null;
  s.error.hidden = true;
  s.viewport.hidden = false;
  s.pageText.textContent = `${s.index + 1} / ${urls.length}`;
  s.prev.disabled = s.index <= 0;
  s.next.disabled = s.index >= urls.length - 1;
  render(s);
  const url = urls[s.index];
  if (!url) {
    const field = tag.value_list_key || String(tag.attrs.value || "").replace(/^\$/, "");
    fail(s, s.isList && !urls.length ? `No images in this task (the field "${field}" is empty).` : `No image in this task (the field "${field}" is empty).`);
    return;
  }
  if (!SAFE_URL.test(url)) {
    fail(s, `This image address is not supported: ${url}`);
    return;
  }
  root.dataset.state = "loading";
  delete root.dataset.loaded;
  img.removeAttribute("src");
  img.src = url;
}

// Listens to the <img>; returns the teardown.
export function bindLoader(s) {
  const { img, root } = s;
  function onLoad() {
    if (!img.naturalWidth || !img.naturalHeight) return fail(s, `The image could not be read: ${s.urls[s.index]}`);
    s.size = { w: img.naturalWidth, h: img.naturalHeight };
    s.overlay.setAttribute("viewBox", `0 0 ${s.size.w} ${s.size.h}`);
    root.dataset.naturalWidth = String(s.size.w);
    root.dataset.naturalHeight = String(s.size.h);
    fitToScreen(s);
    root.dataset.loaded = "true";
    root.dataset.state = "ready";
  }
  function onError() {
    delete root.dataset.loaded;
    fail(s, `The image could not be loaded: ${s.urls[s.index]}`);
  }
  img.addEventListener("load", onLoad);
  img.addEventListener("error", onError);
  return () => {
    img.removeEventListener("load", onLoad);
    img.removeEventListener("error", onError);
  };
}
