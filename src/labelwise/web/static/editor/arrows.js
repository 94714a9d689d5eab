// Relation arrows: one SVG laid over the objects, a curve from region to region with heads for the
// direction and the relation labels as text. Redrawn after every change and on resize; the geometry
// comes from each object's `rangeFor(value)`, so any span object can take part. The same overlay shows
// the labels of the selected region just under it.

const SVG = "http://www.w3.org/2000/svg";

function svg(name, attrs = {}) {
  const el = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

export function createArrows(host, { store, objects }) {
  host.classList.add("lw-has-arrows");
  const overlay = svg("svg", { class: "lw-arrows", "aria-hidden": "true" });
  const defs = svg("defs");
  const marker = (id, path) => {
    const m = svg("marker", { id, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 8, markerHeight: 8, markerUnits: "userSpaceOnUse", orient: "auto-start-reverse" });
    m.appendChild(svg("path", { d: path, class: "lw-arrow-head" }));
    return m;
  };
  const headId = `lw-head-${Math.random().toString(36).slice(2, 9)}`;
  defs.appendChild(marker(headId, "M0,0 L10,5 L0,10 z"));
  overlay.appendChild(defs);
  const layer = svg("g");
  overlay.appendChild(layer);
  host.appendChild(overlay);
  // The labels of the selected region, shown next to it (outside the text, which is never altered).
  const badge = document.createElement("div");
  badge.className = "lw-span-badge";
  badge.hidden = true;
  host.appendChild(badge);

  function rectOf(id) {
    const item = store.get(id);
    const obj = item && objects.get(item.to_name);
    const range = obj && obj.rangeFor ? obj.rangeFor(item.value || {}) : null;
    if (!range) return null;
    const rects = range.getClientRects();
    return rects.length ? rects[0] : range.getBoundingClientRect();
  }

  function drawBadge(base) {
    const id = store.selected;
    const items = id ? store.items().filter((it) => it.id === id && it.type !== "relation") : [];
    const labels = items.flatMap((it) => (it.value && Array.isArray(it.value[it.type]) ? it.value[it.type] : []));
    const rect = labels.length ? rectOf(id) : null;
    if (!rect) {
      badge.hidden = true;
      return;
    }
    badge.textContent = labels.join(", ");
    badge.hidden = false;
    badge.style.left = `${Math.max(0, rect.left - base.left)}px`;
    badge.style.top = `${rect.bottom - base.top + 2}px`;
  }

  let frame = 0;
  function draw() {
    frame = 0;
    layer.replaceChildren();
    drawBadge(host.getBoundingClientRect());
    const relations = store.relations();
    host.classList.toggle("has-relations", relations.length > 0);
    if (!relations.length) return;
    const base = host.getBoundingClientRect();
    overlay.setAttribute("width", String(Math.ceil(base.width)));
    overlay.setAttribute("height", String(Math.ceil(base.height)));
    relations.forEach((rel, i) => {
      const a = rectOf(rel.from_id);
      const b = rectOf(rel.to_id);
      if (!a || !b) return;
      const x1 = a.left + a.width / 2 - base.left;
      const y1 = a.top - base.top;
      const x2 = b.left + b.width / 2 - base.left;
      const y2 = b.top - base.top;
      const lift = 14 + (i % 4) * 5;
      const top = Math.min(y1, y2) - lift;
      const path = svg("path", { d: `M${x1},${y1} C${x1},${top} ${x2},${top} ${x2},${y2}`, class: store.selected === rel.id ? "is-selected" : "" });
      const direction = rel.direction || "right";
      if (direction === "right" || direction === "bi") path.setAttribute("marker-end", `url(#${headId})`);
      if (direction === "left" || direction === "bi") path.setAttribute("marker-start", `url(#${headId})`);
      layer.appendChild(path);
      if (rel.labels && rel.labels.length) {
        const label = svg("text", { x: (x1 + x2) / 2, y: top + lift / 4, "text-anchor": "middle", class: "lw-arrow-label" });
        label.textContent = rel.labels.join(", ");
        layer.appendChild(label);
      }
    });
  }
  const schedule = () => {
    if (!frame) frame = requestAnimationFrame(draw);
  };
  const unsubscribe = store.subscribe(schedule);
  const observer = new ResizeObserver(schedule);
  observer.observe(host);
  window.addEventListener("resize", schedule);
  schedule();
  return {
    draw: schedule,
    destroy() {
      unsubscribe();
      observer.disconnect();
      window.removeEventListener("resize", schedule);
      if (frame) cancelAnimationFrame(frame);
      overlay.remove();
      badge.remove();
    },
  };
}
