// The image toolbar: zoom out / level / in, Fit, the Brightness and Contrast sliders (CSS filters on
// the <img> only, never the stored image) and, for a valueList, the pager.

import { button, el } from "/static/js/dom.js";

function slider(label) {
  const wrap = el("label", "lw-image-slider");
  wrap.append(el("span", "", label));
  const input = el("input");
  input.type = "range";
  input.min = "0";
  input.max = "200";
  input.value = "100";
  wrap.appendChild(input);
  return [wrap, input];
}

export function buildToolbar(s) {
  const bar = el("div", "lw-image-toolbar");
  const zoomOut = button("lw-icon-button", "−", "Zoom out (-)");
  const zoomIn = button("lw-icon-button", "+", "Zoom in (+)");
  const fit = button("lw-image-fit", "Fit", "Fit to screen (0)");
  const zoomText = el("span", "lw-image-zoom", "100%");
  const [brightWrap, bright] = slider("Brightness");
  const [contrastWrap, contrast] = slider("Contrast");
  bar.append(zoomOut, zoomText, zoomIn, fit, brightWrap, contrastWrap);
  const prev = button("lw-icon-button", "‹", "Previous image");
  const next = button("lw-icon-button", "›", "Next image");
  const pageText = el("span", "lw-image-page");
  if (s.isList) bar.append(prev, pageText, next);
  Object.assign(s, { bar, zoomOut, zoomIn, fit, zoomText, bright, contrast, prev, next, pageText });
  return bar;
}

export function bindToolbar(s, { zoomBy, fitToScreen, load }) {
  const { bright, contrast } = s;
  function onFilter() {
    s.img.style.filter = `brightness(${bright.value}%) contrast(${contrast.value}%)`;
  }
  bright.addEventListener("input", onFilter);
  contrast.addEventListener("input", onFilter);
  s.zoomIn.addEventListener("click", () => zoomBy(1.25));
  s.zoomOut.addEventListener("click", () => zoomBy(0.8));
  s.fit.addEventListener("click", fitToScreen);
  s.prev.addEventListener("click", () => s.index > 0 && load(s.index - 1));
  s.next.addEventListener("click", () => s.index < s.urls.length - 1 && load(s.index + 1));
}
