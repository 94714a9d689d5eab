// An index over the text nodes of a rendered element (HyperText, one utterance of Paragraphs): global
// positions in UTF-16 units and in code points, and the way back to DOM points, so spans convert in
// O(log n + one node) whatever the markup.

import { cpCount, utf16Index } from "./offsets.js";

export function createTextIndex(root) {
  const entries = [];
  const byNode = new Map();
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  let start16 = 0;
  let startCp = 0;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const entry = { node, start16, startCp, text: node.data };
    entries.push(entry);
    byNode.set(node, entry);
    start16 += node.data.length;
    startCp += cpCount(node.data);
  }
  const text = entries.map((e) => e.text).join("");
  const total16 = start16;
  const totalCp = startCp;

  function find(key, value, preferNext) {
    let lo = 0;
    let hi = entries.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (entries[mid][key] <= value) lo = mid;
      else hi = mid - 1;
    }
    // Empty text nodes share a start with the next one; at a boundary, the start of a span belongs to
    // the node that follows and the end to the one before.
    if (preferNext === false) {
      while (lo > 0 && entries[lo][key] === value) lo -= 1;
    }
    return entries[lo];
  }

  const index = {
    text,
    total16,
    totalCp,
    entries,
    cpTo16(cp) {
      if (!entries.length) return 0;
      const e = find("startCp", cp);
      return e.start16 + utf16Index(e.text, cp - e.startCp);
    },
    u16ToCp(g16) {
      if (!entries.length) return 0;
      const e = find("start16", g16);
      return e.startCp + cpCount(e.text, 0, Math.min(e.text.length, g16 - e.start16));
    },
    // A DOM point for a global UTF-16 position; `atEnd` picks the node ending there over the next one.
    domPoint(g16, atEnd = false) {
      if (!entries.length) return { node: root, offset: 0 };
      const e = find("start16", g16, atEnd ? false : undefined);
      return { node: e.node, offset: Math.max(0, Math.min(e.text.length, g16 - e.start16)), entry: e };
    },
    // A DOM boundary (node, offset) inside root -> global UTF-16 position, or null when outside root.
    positionOf(node, offset) {
      if (!root.contains(node)) return null;
      const entry = byNode.get(node);
      if (entry) return entry.start16 + Math.min(offset, entry.text.length);
      const after = offset < node.childNodes.length ? node.childNodes[offset] : null;
      const w = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      if (after) {
        w.currentNode = after;
        const first = after.nodeType === Node.TEXT_NODE ? after : w.nextNode();
        const hit = first && byNode.get(first);
        return hit ? hit.start16 : total16;
      }
      // Past the last child: the end of the last text node inside `node`, else the next text after it.
      let last = null;
      w.currentNode = node;
      for (let n = w.nextNode(); n && node.contains(n); n = w.nextNode()) last = n;
      if (last) return byNode.get(last).start16 + last.data.length;
      w.currentNode = node;
      const next = w.nextNode();
      return next && byNode.get(next) ? byNode.get(next).start16 : total16;
    },
    staticRange(a16, b16) {
      const s = index.domPoint(a16);
      const e = index.domPoint(b16, true);
      return new StaticRange({ startContainer: s.node, startOffset: s.offset, endContainer: e.node, endOffset: e.offset });
    },
    liveRange(a16, b16) {
      const s = index.domPoint(a16);
      const e = index.domPoint(b16, true);
      const range = document.createRange();
      range.setStart(s.node, s.offset);
      range.setEnd(e.node, e.offset);
      return range;
    },
    entryOf: (node) => byNode.get(node) || null,
  };
  return index;
}

// The XPath Label Studio writes for a text node, relative to the root: "/p[1]/b[1]/text()[1]".
export function xpathOf(root, node) {
  const parts = [];
  for (let n = node; n && n !== root; n = n.parentNode) {
    let i = 1;
    if (n.nodeType === Node.TEXT_NODE) {
      for (let s = n.previousSibling; s; s = s.previousSibling) if (s.nodeType === Node.TEXT_NODE) i += 1;
      parts.unshift(`text()[${i}]`);
    } else {
      const name = n.nodeName.toLowerCase();
      for (let s = n.previousSibling; s; s = s.previousSibling) if (s.nodeName === n.nodeName) i += 1;
      parts.unshift(`${name}[${i}]`);
    }
  }
  return `/${parts.join("/")}`;
}

// The node an XPath of that form points to, or null.
export function nodeAt(root, xpath) {
  if (typeof xpath !== "string" || !xpath.startsWith("/")) return null;
  try {
    const result = document.evaluate(`.${xpath}`, root, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null);
    return result.singleNodeValue;
  } catch {
    return null;
  }
}
