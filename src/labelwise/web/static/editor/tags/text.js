// <Text>: the task text exactly as stored (white-space: pre-wrap; never altered), in blocks of ~8 KB
// so a 1 MB text lays out lazily (content-visibility) and offsets convert within one block. Spans are
// painted with CSS highlights from their code-point offsets; no element is ever inserted into the text.
//
// Mouse: select text, and the armed labels make a region (or press a label key afterwards). Click a
// span to select it (click again to cycle through overlapping spans). Keyboard: focus the text (Tab),
// ←/→ move a caret, Shift+←/→ extend by a character, Ctrl+Shift+←/→ by a word, Shift+↑/↓ by a line,
// then a label key (or Enter for the armed labels) labels the selection.

import { cpCount, snapToWords, snapUtf16, utf16Index } from "../offsets.js";
import { createFromArmed, createRegion, labelColor, labelsOf, regionsOf, armedFor } from "../spans.js";
import { createPainter, layersFor } from "../highlights.js";

const BLOCK = 8192; // UTF-16 units per block, cut after a newline

function splitBlocks(text) {
  const blocks = [];
  let start16 = 0;
  let startCp = 0;
  while (start16 < text.length || blocks.length === 0) {
    let end = Math.min(text.length, start16 + BLOCK);
    if (end < text.length) {
      // After a newline; in a long run without one, after a space (the block then starts a new line
      // where the browser might not have wrapped, which changes the layout, never the text).
      const nl = text.indexOf("\n", end);
      if (nl !== -1 && nl - end < BLOCK * 3) end = nl + 1;
      else {
        const space = text.indexOf(" ", end);
        end = space !== -1 && space - end < BLOCK ? space + 1 : nl !== -1 ? nl + 1 : Math.min(text.length, start16 + BLOCK * 4);
      }
    }
    end = snapUtf16(text, end);
    const piece = text.slice(start16, end);
    blocks.push({ start16, startCp, text: piece, node: null, el: null });
    startCp += cpCount(piece);
    start16 = end;
    if (end >= text.length) break;
  }
  return blocks;
}

function bsearch(blocks, key, value) {
  let lo = 0;
  let hi = blocks.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (blocks[mid][key] <= value) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

// The nearest ancestor that scrolls (the labeling screen may scroll a panel, not the window).
function scroller(el) {
  for (let node = el.parentElement; node; node = node.parentElement) {
    const { overflowY } = getComputedStyle(node);
    if ((overflowY === "auto" || overflowY === "scroll") && node.scrollHeight > node.clientHeight) return node;
  }
  return null;
}

// Scrolls a range into view (a third from the top) when it is outside: a block is several screens tall,
// so scrolling the block element alone does not reveal a span inside it.
function revealRange(range) {
  const rect = range.getBoundingClientRect();
  const box = scroller(range.startContainer.parentElement);
  const top = box ? box.getBoundingClientRect().top : 0;
  const bottom = box ? box.getBoundingClientRect().bottom : window.innerHeight;
  if (rect.top >= top && rect.bottom <= bottom) return;
  const delta = rect.top - top - (bottom - top) / 3;
  if (box) box.scrollBy({ top: delta });
  else window.scrollBy({ top: delta });
}

export default {
  mount(ctx) {
    const { el, store, schema, tag, editor } = ctx;
    const raw = ctx.value(tag.value || `$${tag.value_key}`);
    const container = document.createElement("div");
    container.className = "lw-text";
    container.tabIndex = 0;
    container.setAttribute("role", "document");
    container.setAttribute("aria-label", `Text ${tag.name}`);
    el.appendChild(container);
    if (tag.value_type === "url") {
      container.textContent = "This text is given as a URL, which the editor does not fetch.";
      return { destroy: () => container.remove() };
    }
    const text = raw === undefined || raw === null ? "" : typeof raw === "string" ? raw : typeof raw === "object" ? JSON.stringify(raw) : String(raw);
    const blocks = splitBlocks(text);
    const totalCp = blocks.length ? blocks[blocks.length - 1].startCp + cpCount(blocks[blocks.length - 1].text) : 0;
    const fragment = document.createDocumentFragment();
    blocks.forEach((block, index) => {
      const span = document.createElement("span");
      span.className = "lw-text-block";
      span.dataset.block = String(index);
      const node = document.createTextNode(block.text);
      span.appendChild(node);
      block.node = node;
      block.el = span;
      fragment.appendChild(span);
    });
    container.appendChild(fragment);
    if (blocks.length > 1) container.classList.add("is-blocked");

    const granularity = (schema.controls && Object.values(schema.controls).find((c) => (c.to_name || []).includes(tag.name) && c.granularity)?.granularity) || tag.attrs.granularity || "symbol";

    // --- offsets: code points (stored) <-> DOM positions / global UTF-16 ---
    function cpTo16(cp) {
      const block = blocks[bsearch(blocks, "startCp", cp)];
      return block.start16 + utf16Index(block.text, cp - block.startCp);
    }
    function u16ToCp(g16) {
      const block = blocks[bsearch(blocks, "start16", g16)];
      return block.startCp + cpCount(block.text, 0, g16 - block.start16);
    }
    function domPoint(g16) {
      const block = blocks[bsearch(blocks, "start16", g16)];
      return { node: block.node, offset: Math.min(block.text.length, g16 - block.start16) };
    }
    // A DOM position inside the container -> global UTF-16 index (null when outside).
    function positionOf(node, offset) {
      if (node === container) {
        if (offset >= blocks.length) return text.length;
        return blocks[offset].start16;
      }
      if (!container.contains(node)) return null;
      const blockEl = node.nodeType === Node.TEXT_NODE ? node.parentNode : node;
      const index = parseInt(blockEl.dataset && blockEl.dataset.block, 10);
      if (Number.isNaN(index)) return null;
      const block = blocks[index];
      if (node.nodeType === Node.TEXT_NODE) return block.start16 + offset;
      return offset === 0 ? block.start16 : block.start16 + block.text.length;
    }
    function rangeFor16(a, b) {
      const s = domPoint(a);
      const e = domPoint(b);
      return new StaticRange({ startContainer: s.node, startOffset: s.offset, endContainer: e.node, endOffset: e.offset });
    }
    function validSpan(value) {
      return value && Number.isInteger(value.start) && Number.isInteger(value.end) && value.start >= 0 && value.end > value.start && value.end <= totalCp;
    }
    function rangeFor(value) {
      if (!validSpan(value)) return null;
      return rangeFor16(cpTo16(value.start), cpTo16(value.end));
    }
    function liveRange(value) {
      if (!validSpan(value)) return null;
      const s = domPoint(cpTo16(value.start));
      const e = domPoint(cpTo16(value.end));
      const range = document.createRange();
      range.setStart(s.node, s.offset);
      range.setEnd(e.node, e.offset);
      return range;
    }

    // --- painting ---
    const painter = createPainter();
    const ranges = new WeakMap(); // frozen store item -> its StaticRange (items are replaced on change)
    function cachedRange(item) {
      if (!ranges.has(item)) ranges.set(item, rangeFor(item.value));
      return ranges.get(item);
    }
    let caret16 = null;
    let keyboardCaret = false; // the caret is drawn only once the keyboard moves it (or Tab focused the text)
    function repaint() {
      const regions = regionsOf(store, tag.name).map((item) => ({
        id: item.id,
        color: labelColor(schema, item.from_name, labelsOf(item)[0]),
        origin: item.origin,
        range: cachedRange(item),
      }));
      const layers = layersFor(painter, regions, { selected: store.selected, candidate: editor.candidate ? editor.candidate() : null });
      if (caret16 !== null && keyboardCaret && document.activeElement === container) {
        const sel = document.getSelection();
        if (!sel || sel.isCollapsed) {
          const end = Math.min(text.length, caret16 + (text.codePointAt(caret16) > 0xffff ? 2 : 1));
          if (end > caret16) layers.set(painter.fixed.caret, [rangeFor16(caret16, end)]);
        }
      }
      painter.paint(layers);
    }
    const unsubscribe = store.subscribe(repaint);
    repaint();

    // --- selection -> span ---
    function selectionSpan() {
      const sel = document.getSelection();
      if (!sel || !sel.rangeCount || sel.isCollapsed) return null;
      const range = sel.getRangeAt(0);
      let a = positionOf(range.startContainer, range.startOffset);
      let b = positionOf(range.endContainer, range.endOffset);
      if (a === null && b === null) return null;
      if (a === null) a = 0;
      if (b === null) b = text.length;
      a = snapUtf16(text, a);
      b = snapUtf16(text, b);
      if (granularity === "word") {
        const snapped = snapToWords(text, a, b);
        if (!snapped) return null;
        [a, b] = snapped;
      }
      if (b <= a) return null;
      return { start: u16ToCp(a), end: u16ToCp(b), text: text.slice(a, b) };
    }
    function clearSelection() {
      const sel = document.getSelection();
      if (sel && sel.rangeCount && container.contains(sel.anchorNode)) {
        const focus = sel.focusNode && positionOf(sel.focusNode, sel.focusOffset);
        if (focus !== null && focus !== undefined) caret16 = focus;
        sel.removeAllRanges();
      }
    }

    // Called by Labels controls (label key or click with a text selection inside this object).
    function labelSelection(control, values) {
      if (editor.readOnly) return false;
      const span = selectionSpan();
      if (!span) return false;
      createRegion(ctx, span, control, values);
      clearSelection();
      repaint();
      return true;
    }

    function regionsAt(cp) {
      return regionsOf(store, tag.name).filter((it) => it.value.start <= cp && cp < it.value.end);
    }

    let downAt = null;
    function onMouseDown(event) {
      keyboardCaret = false;
      downAt = { x: event.clientX, y: event.clientY };
    }
    function onMouseUp(event) {
      if (!downAt) return;
      const moved = Math.abs(event.clientX - downAt.x) + Math.abs(event.clientY - downAt.y) > 3;
      downAt = null;
      const span = selectionSpan();
      if (span && !editor.readOnly) {
        if (armedFor(store, schema, tag.name).length) {
          createFromArmed(ctx, span);
          clearSelection();
          repaint();
        }
        return;
      }
      if (moved) return;
      const pos = document.caretPositionFromPoint ? document.caretPositionFromPoint(event.clientX, event.clientY) : null;
      const g16 = pos ? positionOf(pos.offsetNode, pos.offset) : null;
      if (g16 === null) return;
      caret16 = g16;
      const hits = regionsAt(u16ToCp(g16)).sort((x, y) => x.value.end - x.value.start - (y.value.end - y.value.start));
      if (!hits.length) {
        if (!editor.relating()) store.select(null);
        repaint();
        return;
      }
      const current = hits.findIndex((h) => h.id === store.selected);
      editor.pick(hits[(current + 1) % hits.length].id);
    }
    container.addEventListener("mousedown", onMouseDown);
    document.addEventListener("mouseup", onMouseUp);

    // --- keyboard caret and selection ---
    const segmenter = typeof Intl !== "undefined" && Intl.Segmenter ? new Intl.Segmenter(undefined, { granularity: "word" }) : null;
    const graphemes = typeof Intl !== "undefined" && Intl.Segmenter ? new Intl.Segmenter(undefined, { granularity: "grapheme" }) : null;
    function nextGrapheme(g16, dir) {
      const block = blocks[bsearch(blocks, "start16", Math.max(0, dir < 0 ? g16 - 1 : g16))];
      const local = g16 - block.start16;
      if (graphemes) {
        const segments = graphemes.segment(block.text);
        if (dir > 0) {
          const seg = segments.containing(local);
          return seg ? block.start16 + seg.index + seg.segment.length : Math.min(text.length, g16 + 1);
        }
        const seg = local > 0 ? segments.containing(local - 1) : null;
        return seg ? block.start16 + seg.index : Math.max(0, g16 - 1);
      }
      return dir > 0 ? Math.min(text.length, g16 + 1) : Math.max(0, g16 - 1);
    }
    function nextWord(g16, dir) {
      let pos = g16;
      for (let guard = 0; guard < 10000; guard += 1) {
        const next = nextGrapheme(pos, dir);
        if (next === pos) return pos;
        pos = next;
        if (!segmenter) return pos;
        const block = blocks[bsearch(blocks, "start16", Math.max(0, dir < 0 ? pos : pos - 1))];
        const seg = segmenter.segment(block.text).containing(Math.max(0, Math.min(block.text.length - 1, (dir < 0 ? pos : pos - 1) - block.start16)));
        if (!seg || !seg.isWordLike) continue;
        return dir > 0 ? block.start16 + seg.index + seg.segment.length : block.start16 + seg.index;
      }
      return pos;
    }
    function currentEnds() {
      const sel = document.getSelection();
      if (sel && sel.rangeCount && container.contains(sel.anchorNode) && !sel.isCollapsed) {
        return { anchor: positionOf(sel.anchorNode, sel.anchorOffset), focus: positionOf(sel.focusNode, sel.focusOffset) };
      }
      if (caret16 === null) caret16 = visibleStart();
      return { anchor: caret16, focus: caret16 };
    }
    function setEnds(anchor, focus) {
      keyboardCaret = true;
      const sel = document.getSelection();
      caret16 = focus;
      if (anchor === focus) {
        if (sel) sel.removeAllRanges();
      } else {
        const a = domPoint(anchor);
        const f = domPoint(focus);
        sel.setBaseAndExtent(a.node, a.offset, f.node, f.offset);
      }
      repaint();
      scrollCaret(focus);
    }
    function scrollCaret(g16) {
      const p = domPoint(Math.max(0, Math.min(text.length, g16)));
      const r = document.createRange();
      r.setStart(p.node, p.offset);
      revealRange(r);
    }
    function visibleStart() {
      const rect = container.getBoundingClientRect();
      const y = Math.max(rect.top, 0) + 4;
      const pos = document.caretPositionFromPoint ? document.caretPositionFromPoint(rect.left + 4, y) : null;
      const g16 = pos ? positionOf(pos.offsetNode, pos.offset) : null;
      return g16 === null ? 0 : g16;
    }
    const focused = () => document.activeElement === container;
    const unbinds = [];
    const bind = (combo, description, handler) => unbinds.push(ctx.keys.bind(combo, description, handler, { group: "Text selection (focus the text with Tab)", when: focused }));
    bind("arrowright", "Move the caret", () => { const { focus } = currentEnds(); setEnds(nextGrapheme(focus, 1), nextGrapheme(focus, 1)); });
    bind("arrowleft", "Move the caret", () => { const { focus } = currentEnds(); setEnds(nextGrapheme(focus, -1), nextGrapheme(focus, -1)); });
    bind("ctrl+arrowright", "Move the caret by a word", () => { const { focus } = currentEnds(); const p = nextWord(focus, 1); setEnds(p, p); });
    bind("ctrl+arrowleft", "Move the caret by a word", () => { const { focus } = currentEnds(); const p = nextWord(focus, -1); setEnds(p, p); });
    bind("shift+arrowright", "Extend the selection by a character", () => { const { anchor, focus } = currentEnds(); setEnds(anchor, nextGrapheme(focus, 1)); });
    bind("shift+arrowleft", "Extend the selection back by a character", () => { const { anchor, focus } = currentEnds(); setEnds(anchor, nextGrapheme(focus, -1)); });
    bind("ctrl+shift+arrowright", "Extend the selection by a word", () => { const { anchor, focus } = currentEnds(); setEnds(anchor, nextWord(focus, 1)); });
    bind("ctrl+shift+arrowleft", "Extend the selection back by a word", () => { const { anchor, focus } = currentEnds(); setEnds(anchor, nextWord(focus, -1)); });
    const byLine = (dir) => () => {
      const { anchor } = currentEnds();
      const sel = document.getSelection();
      if (sel.isCollapsed || !container.contains(sel.anchorNode)) {
        const a = domPoint(anchor);
        sel.setBaseAndExtent(a.node, a.offset, a.node, a.offset);
      }
      sel.modify("extend", dir, "line");
      const focus = positionOf(sel.focusNode, sel.focusOffset);
      setEnds(anchor, focus === null ? anchor : focus);
    };
    bind("shift+arrowdown", "Extend the selection by a line", byLine("forward"));
    bind("shift+arrowup", "Extend the selection back by a line", byLine("backward"));
    bind("enter", "Label the selection with the armed labels", () => {
      const span = selectionSpan();
      if (!span || editor.readOnly || !armedFor(store, schema, tag.name).length) return false;
      createFromArmed(ctx, span);
      clearSelection();
      repaint();
      return true;
    });
    function onFocus() {
      if (!downAt) keyboardCaret = true;
      if (caret16 === null) caret16 = visibleStart();
      repaint();
    }
    function onBlur() {
      repaint();
    }
    container.addEventListener("focus", onFocus);
    container.addEventListener("blur", onBlur);

    return {
      text,
      repaint,
      labelSelection,
      hasSelection: () => !!selectionSpan(),
      regionText(value) {
        if (!validSpan(value)) return value && value.text;
        return text.slice(cpTo16(value.start), cpTo16(value.end));
      },
      rangeFor: liveRange,
      scrollTo(id) {
        const item = store.get(id);
        if (!item || !validSpan(item.value)) return;
        const p = domPoint(cpTo16(item.value.start));
        p.node.parentNode.scrollIntoView({ block: "nearest" }); // lays the block out if it was skipped
        revealRange(liveRange(item.value));
      },
      focus: () => container.focus(),
      element: container,
      destroy() {
        unsubscribe();
        for (const unbind of unbinds) unbind();
        container.removeEventListener("mousedown", onMouseDown);
        document.removeEventListener("mouseup", onMouseUp);
        container.removeEventListener("focus", onFocus);
        container.removeEventListener("blur", onBlur);
        painter.destroy();
        container.remove();
      },
    };
  },
};
