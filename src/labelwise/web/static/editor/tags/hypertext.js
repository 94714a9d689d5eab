// <HyperText>: an HTML value, inserted as HTML only because the server sanitized it (services/sanitizer,
// applied by services/editor_data before the page or the API hands the task over). Spans are painted
// with CSS highlights; results are Label Studio's: {start: xpath, end: xpath, startOffset, endOffset,
// globalOffsets: {start, end}, text}. Offsets count code points (startOffset within its text node,
// globalOffsets within the text content of the whole value).
//
// Keyboard: focus the document (Tab); ←/→ move the caret, Shift+←/→ (Ctrl for words, ↑/↓ for lines)
// extend the selection; then a label key, or Enter for the armed labels.

import { createPainter, layersFor } from "../highlights.js";
import { snapToWords } from "../offsets.js";
import { armedFor, createFromArmed, createRegion, labelColor, labelsOf, regionsOf } from "../spans.js";
import { createTextIndex, nodeAt, xpathOf } from "../textindex.js";

export default {
  mount(ctx) {
    const { el, store, schema, tag, editor } = ctx;
    const container = document.createElement("div");
    container.className = "lw-hypertext";
    container.tabIndex = 0;
    container.setAttribute("role", "document");
    container.setAttribute("aria-label", `Document ${tag.name}`);
    el.appendChild(container);
    if (tag.value_type === "url") {
      container.textContent = "This document is given as a URL, which the editor does not fetch.";
      return { destroy: () => container.remove() };
    }
    const html = ctx.value(tag.value || `$${tag.value_key}`);
    // Sanitized by the server (services.sanitizer.hypertext) before it reached this page.
    container.innerHTML = typeof html === "string" ? html : "";
    for (const link of container.querySelectorAll("a[href]")) link.addEventListener("click", (e) => e.preventDefault());
    const index = createTextIndex(container);
    const control = Object.values(schema.controls || {}).find((c) => (c.to_name || []).includes(tag.name) && c.granularity);
    const granularity = (control && control.granularity) || tag.attrs.granularity || "symbol";

    // value -> global UTF-16 [a, b), from globalOffsets, else from the XPaths.
    function bounds(value) {
      if (!value) return null;
      const g = value.globalOffsets;
      if (g && Number.isInteger(g.start) && Number.isInteger(g.end) && g.end > g.start && g.end <= index.totalCp) {
        return [index.cpTo16(g.start), index.cpTo16(g.end)];
      }
      const s = nodeAt(container, value.start);
      const e = nodeAt(container, value.end);
      const se = s && index.entryOf(s);
      const ee = e && index.entryOf(e);
      if (!se || !ee) return null;
      const a = index.cpTo16(se.startCp + (value.startOffset || 0));
      const b = index.cpTo16(ee.startCp + (value.endOffset || 0));
      return b > a ? [a, b] : null;
    }

    function spanOf(a, b) {
      const startPoint = index.domPoint(a);
      const endPoint = index.domPoint(b, true);
      const startCp = index.u16ToCp(a);
      const endCp = index.u16ToCp(b);
      return {
        start: xpathOf(container, startPoint.node),
        startOffset: startCp - startPoint.entry.startCp,
        end: xpathOf(container, endPoint.node),
        endOffset: endCp - endPoint.entry.startCp,
        globalOffsets: { start: startCp, end: endCp },
        text: index.text.slice(a, b),
      };
    }

    const painter = createPainter();
    const ranges = new WeakMap(); // frozen store item -> its StaticRange
    let caret = null;
    function repaint() {
      const regions = regionsOf(store, tag.name).map((item) => {
        if (!ranges.has(item)) {
          const b = bounds(item.value);
          ranges.set(item, b ? index.staticRange(b[0], b[1]) : null);
        }
        return { id: item.id, color: labelColor(schema, item.from_name, labelsOf(item)[0]), origin: item.origin, range: ranges.get(item) };
      });
      const layers = layersFor(painter, regions, { selected: store.selected, candidate: editor.candidate ? editor.candidate() : null });
      const sel = document.getSelection();
      if (caret !== null && document.activeElement === container && sel && sel.isCollapsed && caret < index.total16) {
        layers.set(painter.fixed.caret, [index.staticRange(caret, caret + 1)]);
      }
      painter.paint(layers);
    }
    const unsubscribe = store.subscribe(repaint);
    repaint();

    function selectionSpan() {
      const sel = document.getSelection();
      if (!sel || !sel.rangeCount || sel.isCollapsed) return null;
      const range = sel.getRangeAt(0);
      let a = index.positionOf(range.startContainer, range.startOffset);
      let b = index.positionOf(range.endContainer, range.endOffset);
      if (a === null && b === null) return null;
      if (a === null) a = 0;
      if (b === null) b = index.total16;
      if (granularity === "word") {
        const snapped = snapToWords(index.text, a, b);
        if (!snapped) return null;
        [a, b] = snapped;
      }
      return b > a ? spanOf(a, b) : null;
    }
    function clearSelection() {
      const sel = document.getSelection();
      if (sel && sel.rangeCount && container.contains(sel.anchorNode)) sel.removeAllRanges();
    }
    function labelSelection(ctl, values) {
      if (editor.readOnly) return false;
      const span = selectionSpan();
      if (!span) return false;
      createRegion(ctx, span, ctl, values);
      clearSelection();
      return true;
    }

    let downAt = null;
    const onMouseDown = (event) => {
      downAt = { x: event.clientX, y: event.clientY };
    };
    function onMouseUp(event) {
      if (!downAt) return;
      const moved = Math.abs(event.clientX - downAt.x) + Math.abs(event.clientY - downAt.y) > 3;
      downAt = null;
      const span = selectionSpan();
      if (span) {
        if (!editor.readOnly && armedFor(store, schema, tag.name).length) {
          createFromArmed(ctx, span);
          clearSelection();
        }
        return;
      }
      if (moved) return;
      const pos = document.caretPositionFromPoint(event.clientX, event.clientY);
      const g = pos ? index.positionOf(pos.offsetNode, pos.offset) : null;
      if (g === null) return;
      const cp = index.u16ToCp(g);
      const hits = regionsOf(store, tag.name)
        .map((item) => ({ item, b: bounds(item.value) }))
        .filter(({ b }) => b && index.u16ToCp(b[0]) <= cp && cp < index.u16ToCp(b[1]))
        .sort((x, y) => x.b[1] - x.b[0] - (y.b[1] - y.b[0]));
      if (!hits.length) {
        if (!editor.relating()) store.select(null);
        return;
      }
      const current = hits.findIndex((h) => h.item.id === store.selected);
      editor.pick(hits[(current + 1) % hits.length].item.id);
    }
    container.addEventListener("mousedown", onMouseDown);
    document.addEventListener("mouseup", onMouseUp);

    // Keyboard selection through the browser's own selection movement.
    const focused = () => document.activeElement === container;
    function ensureSelection() {
      const sel = document.getSelection();
      if (sel.rangeCount && container.contains(sel.anchorNode)) return sel;
      const p = index.domPoint(caret === null ? 0 : caret);
      sel.setBaseAndExtent(p.node, p.offset, p.node, p.offset);
      return sel;
    }
    const moveBy = (alter, direction, granule) => () => {
      const sel = ensureSelection();
      sel.modify(alter, direction, granule);
      caret = index.positionOf(sel.focusNode, sel.focusOffset);
      repaint();
    };
    const unbinds = [];
    const bind = (combo, description, handler) => unbinds.push(ctx.keys.bind(combo, description, handler, { group: "Document selection (focus it with Tab)", when: focused }));
    bind("arrowright", "Move the caret", moveBy("move", "forward", "character"));
    bind("arrowleft", "Move the caret", moveBy("move", "backward", "character"));
    bind("shift+arrowright", "Extend the selection by a character", moveBy("extend", "forward", "character"));
    bind("shift+arrowleft", "Extend the selection back by a character", moveBy("extend", "backward", "character"));
    bind("ctrl+shift+arrowright", "Extend the selection by a word", moveBy("extend", "forward", "word"));
    bind("ctrl+shift+arrowleft", "Extend the selection back by a word", moveBy("extend", "backward", "word"));
    bind("shift+arrowdown", "Extend the selection by a line", moveBy("extend", "forward", "line"));
    bind("shift+arrowup", "Extend the selection back by a line", moveBy("extend", "backward", "line"));
    bind("enter", "Label the selection with the armed labels", () => {
      const span = selectionSpan();
      if (!span || editor.readOnly || !armedFor(store, schema, tag.name).length) return false;
      createFromArmed(ctx, span);
      clearSelection();
      return true;
    });
    const onFocus = () => {
      if (caret === null) caret = 0;
      repaint();
    };
    container.addEventListener("focus", onFocus);
    container.addEventListener("blur", repaint);

    return {
      repaint,
      labelSelection,
      regionText(value) {
        const b = bounds(value);
        return b ? index.text.slice(b[0], b[1]) : value && value.text;
      },
      rangeFor(value) {
        const b = bounds(value);
        return b ? index.liveRange(b[0], b[1]) : null;
      },
      scrollTo(id) {
        const item = store.get(id);
        const b = item && bounds(item.value);
        if (b) index.domPoint(b[0]).node.parentNode.scrollIntoView({ block: "nearest" });
      },
      focus: () => container.focus(),
      element: container,
      destroy() {
        unsubscribe();
        for (const unbind of unbinds) unbind();
        container.removeEventListener("mousedown", onMouseDown);
        document.removeEventListener("mouseup", onMouseUp);
        container.removeEventListener("focus", onFocus);
        container.removeEventListener("blur", repaint);
        painter.destroy();
        container.remove();
      },
    };
  },
};
