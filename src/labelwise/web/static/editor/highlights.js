// Span painting through the CSS Custom Highlight API: one Highlight per label colour, filled with
// StaticRanges computed from offsets. Nothing is inserted into the text, so the displayed text stays
// exactly the stored one and a change repaints without touching the DOM or forcing layout.
// Highlight names are global to the document: each painter gets its own prefix and removes them all.

let painterCount = 0;

export function createPainter() {
  painterCount += 1;
  const prefix = `lw-p${painterCount}`;
  const sheet = new CSSStyleSheet();
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  const colors = new Map(); // colour -> name
  const names = new Set();
  const fixed = {
    selected: `${prefix}-selected`,
    prediction: `${prefix}-prediction`,
    caret: `${prefix}-caret`,
    candidate: `${prefix}-candidate`,
  };
  const fixedRules = [
    `::highlight(${fixed.selected}) { background-color: rgba(20, 40, 90, 0.28); text-decoration: underline 2px #1c3d8c; }`,
    `::highlight(${fixed.prediction}) { text-decoration: underline dashed 2px #6b7280; }`,
    `::highlight(${fixed.caret}) { background-color: rgba(28, 61, 140, 0.45); }`,
    `::highlight(${fixed.candidate}) { text-decoration: underline wavy 2px #c2410c; }`,
  ];

  function colorName(color) {
    if (!colors.has(color)) {
      const name = `${prefix}-c${colors.size}`;
      colors.set(color, name);
      writeRules();
    }
    return colors.get(color);
  }

  function writeRules() {
    const rules = [...colors].map(([color, name]) => `::highlight(${name}) { background-color: color-mix(in srgb, ${color} 55%, transparent); }`);
    sheet.replaceSync([...rules, ...fixedRules].join("\n"));
  }
  writeRules();

  // layers: Map name -> ranges. Replaces every highlight this painter owns.
  // Layers whose ranges are the same objects as last time are left alone: selecting a region then
  // repaints only the selection layer, not every span of a long text.
  const previous = new Map();
  const same = (a, b) => a && a.length === b.length && a.every((r, i) => r === b[i]);
  function paint(layers) {
    for (const name of names) if (!layers.has(name)) CSS.highlights.delete(name);
    for (const name of [...previous.keys()]) if (!layers.has(name)) previous.delete(name);
    for (const [name, ranges] of layers) {
      if (same(previous.get(name), ranges)) continue;
      previous.set(name, ranges);
      names.delete(name);
      if (!ranges.length) {
        CSS.highlights.delete(name);
        continue;
      }
      const highlight = new Highlight(...ranges);
      highlight.priority = name === fixed.selected ? 20 : name === fixed.caret ? 30 : name === fixed.candidate ? 25 : name === fixed.prediction ? 15 : 1;
      CSS.highlights.set(name, highlight);
      names.add(name);
    }
  }

  return {
    fixed,
    colorName,
    paint,
    destroy() {
      for (const name of names) CSS.highlights.delete(name);
      names.clear();
      previous.clear();
      document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== sheet);
    },
  };
}

// Builds the layers of a painter from regions: [{id, color, range, origin}] plus the selection state.
export function layersFor(painter, regions, { selected, candidate } = {}) {
  const layers = new Map();
  const add = (name, range) => {
    if (!layers.has(name)) layers.set(name, []);
    layers.get(name).push(range);
  };
  for (const region of regions) {
    if (!region.range) continue;
    add(painter.colorName(region.color), region.range);
    if (region.origin === "prediction") add(painter.fixed.prediction, region.range);
    if (region.id === selected) add(painter.fixed.selected, region.range);
    if (region.id === candidate) add(painter.fixed.candidate, region.range);
  }
  for (const name of Object.values(painter.fixed)) if (!layers.has(name)) layers.set(name, []);
  return layers;
}
