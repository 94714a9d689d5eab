// <Image>: one image (value="$image") or several with a pager (valueList="$images"), zoom (wheel around
// the pointer, +/-, 0 fits), pan (drag with Space held or the middle button; arrow keys while the image
// has focus and no region is selected), brightness and contrast, and an SVG overlay in the image's natural
// pixels on which every shape region is drawn and edited (shapes.js holds the geometry).
//
// Coordinates: the pointer is converted through the overlay's on-screen box, so zoom and pan never change
// what is stored; values are percent of the natural size, which every region also carries as
// original_width / original_height (image_rotation 0). A drag changes the screen only and writes the store
// once on release: one drag, one undo step. A broken or missing image shows a message, sets
// `instance.mediaError` and dispatches `lw-media-error` on the tag's element.
//
// This module only puts the parts together (they live in ../image/, sharing one ImageState): toolbar,
// view (fit, zoom, pan), loader, regions, drawing, pointer, polygon and keys.

import { el } from "/static/js/dom.js";
import { render } from "../image/drawing.js";
import { bindKeys } from "../image/keys.js";
import { bindLoader, buildError, load } from "../image/loader.js";
import { bindPointer } from "../image/pointer.js";
import { rangeFor, regionText } from "../image/regions.js";
import { ImageState } from "../image/state.js";
import { bindToolbar, buildToolbar } from "../image/toolbar.js";
import { bindView, buildView, fitToScreen, zoomBy } from "../image/view.js";

export default {
  mount(ctx) {
    const { store } = ctx;
    const s = new ImageState(ctx);
    const { name } = s;

    const root = el("div", "lw-image");
    root.tabIndex = 0;
    root.setAttribute("aria-label", `Image ${name}`);
    s.root = root;
    const bar = buildToolbar(s);
    const viewport = buildView(s);
    const error = buildError(s);
    root.append(bar, viewport, error);
    ctx.el.appendChild(root);
    const instance = { element: root, mediaError: null };
    s.instance = instance;

    const unlisten = bindLoader(s);
    bindPointer(s);
    const unview = bindView(s);
    bindToolbar(s, { zoomBy: (factor) => zoomBy(s, factor), fitToScreen: () => fitToScreen(s), load: (i) => load(s, i) });
    const unkeys = bindKeys(s);

    const unsubscribe = store.subscribe((change) => {
      if (change.type === "active") {
        // Arming a label of one shape tool disarms the others on this image: the last one armed draws.
        const mine = s.shapeControls();
        if (!mine.some((c) => c.name === change.control) || !(store.activeLabels.get(change.control) || []).length) return;
        if (s.tool) instance.setTool(null);
        for (const c of mine) if (c.name !== change.control && store.activeLabels.get(c.name)) store.setActiveLabels(c.name, []);
        return;
      }
      if (change.type === "select" && s.vertex && s.vertex.id !== store.selected) s.vertex = null;
      render(s);
    });

    function scrollTo(id) {
      const item = store.get(id);
      if (!item || item.to_name !== name) return;
      if (s.isList && (item.item_index || 0) !== s.index) load(s, item.item_index || 0);
      root.scrollIntoView({ block: "nearest" });
    }

    load(s, 0);
    Object.assign(instance, {
      regionText: (value) => regionText(s, value),
      rangeFor: (value) => rangeFor(s, value),
      scrollTo,
      repaint: () => render(s),
      focus: () => root.focus(),
      labelSelection: () => false,
      tool: () => s.tool,
      setTool(controlName) {
        s.tool = controlName;
        if (controlName) for (const c of s.shapeControls()) if (store.activeLabels.get(c.name)) store.setActiveLabels(c.name, []);
        s.poly = null;
        render(s);
        document.dispatchEvent(new CustomEvent("lw-tool-change"));
      },
      page: () => s.index,
      showPage: (i) => load(s, Math.max(0, Math.min(s.urls.length - 1, i))),
      naturalSize: () => (s.size ? { ...s.size } : null),
      zoom: () => s.scale / s.fitScale,
      destroy() {
        unsubscribe();
        unview();
        unkeys();
        unlisten();
        root.remove();
      },
    });
    return instance;
  },
};
