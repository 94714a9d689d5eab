// <Paragraphs value="$dialogue" nameKey="author" textKey="text">: a list of utterances, each shown with
// its author. With ParagraphLabels, select part of one utterance (or across several) with the mouse, or
// label whole utterances by keyboard: focus the dialogue (Tab), ↓/↑ move the current utterance, and a
// label key labels it. Results: {start: "i", end: "j", startOffset, endOffset, text} with paragraph
// indexes as strings and offsets in code points within the utterance text, as Label Studio writes them.

import { createPainter, layersFor } from "../highlights.js";
import { cpCount, snapToWords, utf16Index } from "../offsets.js";
import { armedFor, createFromArmed, createRegion, labelColor, labelsOf, regionsOf } from "../spans.js";

function asText(value) {
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : typeof value === "object" ? JSON.stringify(value) : String(value);
}

export default {
  mount(ctx) {
    const { el, store, schema, tag, editor } = ctx;
    const nameKey = tag.attrs.nameKey || "author";
    const textKey = tag.attrs.textKey || "text";
    const raw = ctx.value(tag.value || `$${tag.value_key}`);
    const items = Array.isArray(raw) ? raw : [];
    const container = document.createElement("div");
    container.className = "lw-paragraphs";
    container.tabIndex = 0;
    container.setAttribute("role", "list");
    container.setAttribute("aria-label", `Dialogue ${tag.name}`);
    const rows = items.map((item, i) => {
      const row = document.createElement("div");
      row.className = "lw-paragraph";
      row.setAttribute("role", "listitem");
      row.dataset.index = String(i);
      const author = document.createElement("span");
      author.className = "lw-paragraph-author";
      author.textContent = asText(item && typeof item === "object" ? item[nameKey] : "");
      const body = document.createElement("span");
      body.className = "lw-paragraph-text";
      const text = asText(item && typeof item === "object" ? item[textKey] : item);
      const node = document.createTextNode(text);
      body.appendChild(node);
      row.append(author, body);
      container.appendChild(row);
      return { row, body, node, text, cpLength: cpCount(text) };
    });
    if (!rows.length) {
      const empty = document.createElement("p");
      empty.className = "lw-notice";
      empty.textContent = "No utterances in this task.";
      container.appendChild(empty);
    }
    el.appendChild(container);
    const control = Object.values(schema.controls || {}).find((c) => (c.to_name || []).includes(tag.name) && c.granularity);
    const granularity = (control && control.granularity) || tag.attrs.granularity || "symbol";

    function bounds(value) {
      if (!value) return null;
      const i = parseInt(value.start, 10);
      const j = parseInt(value.end, 10);
      if (!(i >= 0 && j >= i && j < rows.length)) return null;
      const so = Number.isInteger(value.startOffset) ? value.startOffset : 0;
      const eo = Number.isInteger(value.endOffset) ? value.endOffset : rows[j].cpLength;
      if (so > rows[i].cpLength || eo > rows[j].cpLength) return null;
      return { i, j, so, eo };
    }
    function rangeOf(b, Kind) {
      const a16 = utf16Index(rows[b.i].text, b.so);
      const e16 = utf16Index(rows[b.j].text, b.eo);
      if (Kind === StaticRange) return new StaticRange({ startContainer: rows[b.i].node, startOffset: a16, endContainer: rows[b.j].node, endOffset: e16 });
      const range = document.createRange();
      range.setStart(rows[b.i].node, a16);
      range.setEnd(rows[b.j].node, e16);
      return range;
    }
    function textOf(b) {
      const parts = [];
      for (let k = b.i; k <= b.j; k += 1) {
        const t = rows[k].text;
        const a = k === b.i ? utf16Index(t, b.so) : 0;
        const e = k === b.j ? utf16Index(t, b.eo) : t.length;
        parts.push(t.slice(a, e));
      }
      return parts.join("\n");
    }
    function spanOf(b) {
      return { start: String(b.i), end: String(b.j), startOffset: b.so, endOffset: b.eo, text: textOf(b) };
    }

    let current = -1;
    let keyboardMode = false; // the current utterance was reached by keyboard (a click selects regions instead)
    const painter = createPainter();
    const ranges = new WeakMap(); // frozen store item -> its StaticRange
    function repaint() {
      const regions = regionsOf(store, tag.name).map((item) => {
        if (!ranges.has(item)) {
          const b = bounds(item.value);
          ranges.set(item, b ? rangeOf(b, StaticRange) : null);
        }
        return { id: item.id, color: labelColor(schema, item.from_name, labelsOf(item)[0]), origin: item.origin, range: ranges.get(item) };
      });
      painter.paint(layersFor(painter, regions, { selected: store.selected, candidate: editor.candidate ? editor.candidate() : null }));
      rows.forEach((r, k) => r.row.classList.toggle("is-current", k === current));
    }
    const unsubscribe = store.subscribe(repaint);
    repaint();

    // A selection boundary -> [paragraph, UTF-16 offset in its text]; outside an utterance text it is
    // clamped to the start (or end) of the utterance it falls in.
    function pointOf(node, offset, isEnd) {
      const rowEl = (node.nodeType === Node.TEXT_NODE ? node.parentNode : node).closest && (node.nodeType === Node.TEXT_NODE ? node.parentNode : node).closest(".lw-paragraph");
      if (!rowEl || !container.contains(rowEl)) return null;
      const k = parseInt(rowEl.dataset.index, 10);
      if (node === rows[k].node) return [k, offset];
      let before;
      if (node === rows[k].row) before = offset < 2;
      else if (rows[k].body.contains(node)) before = offset === 0;
      else before = !(rows[k].body.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_FOLLOWING);
      if (before) return isEnd && k > 0 ? [k - 1, rows[k - 1].text.length] : [k, 0];
      return !isEnd && k + 1 < rows.length ? [k + 1, 0] : [k, rows[k].text.length];
    }
    function selectionSpan() {
      const sel = document.getSelection();
      if (!sel || !sel.rangeCount || sel.isCollapsed) return null;
      const range = sel.getRangeAt(0);
      const s = pointOf(range.startContainer, range.startOffset, false);
      const e = pointOf(range.endContainer, range.endOffset, true);
      if (!s || !e) return null;
      let [i, a] = s;
      let [j, b] = e;
      if (granularity === "word" && i === j) {
        const snapped = snapToWords(rows[i].text, a, b);
        if (!snapped) return null;
        [a, b] = snapped;
      }
      const bnd = { i, j, so: cpCount(rows[i].text, 0, a), eo: cpCount(rows[j].text, 0, b) };
      if (i === j && bnd.eo <= bnd.so) return null;
      return spanOf(bnd);
    }
    function clearSelection() {
      const sel = document.getSelection();
      if (sel && sel.rangeCount && container.contains(sel.anchorNode)) sel.removeAllRanges();
    }
    function wholeUtterance(k) {
      return spanOf({ i: k, j: k, so: 0, eo: rows[k].cpLength });
    }
    function labelSelection(ctl, values) {
      if (editor.readOnly) return false;
      const whole = keyboardMode && document.activeElement === container && current >= 0;
      const span = selectionSpan() || (whole ? wholeUtterance(current) : null);
      if (!span) return false;
      createRegion(ctx, span, ctl, values);
      clearSelection();
      return true;
    }

    let downAt = null;
    const onMouseDown = (event) => {
      keyboardMode = false;
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
      if (moved || !container.contains(event.target)) return;
      const rowEl = event.target instanceof Element ? event.target.closest(".lw-paragraph") : null;
      if (!rowEl) return;
      current = parseInt(rowEl.dataset.index, 10);
      const pos = document.caretPositionFromPoint(event.clientX, event.clientY);
      const p = pos ? pointOf(pos.offsetNode, pos.offset, false) : null;
      const hits = regionsOf(store, tag.name)
        .map((item) => ({ item, b: bounds(item.value) }))
        .filter(({ b }) => {
          if (!b || !p) return false;
          const cp = cpCount(rows[p[0]].text, 0, p[1]);
          const after = p[0] > b.i || (p[0] === b.i && cp >= b.so);
          const before = p[0] < b.j || (p[0] === b.j && cp < b.eo);
          return after && before;
        });
      if (!hits.length) {
        if (!editor.relating()) store.select(null);
        repaint();
        return;
      }
      const at = hits.findIndex((h) => h.item.id === store.selected);
      editor.pick(hits[(at + 1) % hits.length].item.id);
    }
    container.addEventListener("mousedown", onMouseDown);
    document.addEventListener("mouseup", onMouseUp);

    const focused = () => document.activeElement === container;
    const unbinds = [];
    const bind = (combo, description, handler) => unbinds.push(ctx.keys.bind(combo, description, handler, { group: "Dialogue (focus it with Tab)", when: focused }));
    const move = (delta) => () => {
      if (!rows.length) return false;
      current = Math.max(0, Math.min(rows.length - 1, current < 0 ? 0 : current + delta));
      keyboardMode = true;
      rows[current].row.scrollIntoView({ block: "nearest" });
      repaint();
      return true;
    };
    bind("arrowdown", "Next utterance (a label key labels all of it)", move(1));
    bind("arrowup", "Previous utterance", move(-1));
    bind("enter", "Label the current utterance with the armed labels", () => {
      if (editor.readOnly || current < 0 || !keyboardMode || !armedFor(store, schema, tag.name).length) return false;
      createFromArmed(ctx, selectionSpan() || wholeUtterance(current));
      clearSelection();
      return true;
    });
    const onFocus = () => {
      if (!downAt) keyboardMode = true;
      if (current < 0 && rows.length) current = 0;
      repaint();
    };
    container.addEventListener("focus", onFocus);

    return {
      repaint,
      labelSelection,
      regionText(value) {
        const b = bounds(value);
        return b ? textOf(b) : value && value.text;
      },
      rangeFor(value) {
        const b = bounds(value);
        return b ? rangeOf(b, Range) : null;
      },
      scrollTo(id) {
        const item = store.get(id);
        const b = item && bounds(item.value);
        if (b) rows[b.i].row.scrollIntoView({ block: "nearest" });
      },
      focus: () => container.focus(),
      element: container,
      destroy() {
        unsubscribe();
        for (const unbind of unbinds) unbind();
        container.removeEventListener("mousedown", onMouseDown);
        document.removeEventListener("mouseup", onMouseUp);
        container.removeEventListener("focus", onFocus);
        painter.destroy();
        container.remove();
      },
    };
  },
};
