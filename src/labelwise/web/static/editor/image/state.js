// One mounted <Image>'s shared state: its config (the URL list, the shape controls aimed at it), its
// elements (set by the parts that build them) and what changes while it runs (the page shown, natural
// size, zoom and pan, the picked tool, the gesture and polygon under way). Every part reads and writes
// this one object instead of a closure's variables, so what is shared is visible in one place.

import * as S from "../tags/shapes.js";
import { TagState } from "../tagstate.js";

export class ImageState extends TagState {
  constructor(ctx) {
    super(ctx);
    const { tag } = ctx;
    this.isList = !!tag.value_list_key;
    const raw = this.isList ? ctx.value(`$${tag.value_list_key}`) : ctx.value(tag.attrs.value);
    this.urls = (this.isList ? (Array.isArray(raw) ? raw : []) : [raw]).map((u) => (typeof u === "string" ? u : u && typeof u === "object" && typeof u.url === "string" ? u.url : ""));

    this.index = 0;
    this.size = null; // natural {w, h} of the current image, once loaded
    this.fitScale = 1;
    this.scale = 1;
    this.drawnScale = 0; // the scale the overlay was last drawn at
    this.ox = 0;
    this.oy = 0;
    this.tool = null; // a bare shape control picked by its button
    this.drag = null; // the gesture under way
    this.poly = null; // a polygon being built: {kind, entries, points}
    this.vertex = null; // {id, index}: the polygon point clicked last (Backspace deletes it)
    this.spaceDown = false;
    this.hovering = false;
    this.overrides = new Map(); // region id -> pixel geometry while it is dragged
  }

  // The shape controls (labelled or bare) that point at this image.
  shapeControls() {
    return Object.values(this.schema.controls || {}).filter((c) => S.kindOf(c.type) && (c.to_name || []).includes(this.name));
  }

  px(n) {
    return n / this.scale; // screen pixels -> image pixels
  }

  clampX(x) {
    return Math.min(this.size.w, Math.max(0, x));
  }

  clampY(y) {
    return Math.min(this.size.h, Math.max(0, y));
  }

  // A pointer event's position in image pixels, through the overlay's on-screen box.
  toImage(event) {
    const r = this.overlay.getBoundingClientRect();
    return [((event.clientX - r.left) / r.width) * this.size.w, ((event.clientY - r.top) / r.height) * this.size.h];
  }
}
