// <Audio> (and <AudioPlus>): a waveform with playback, zoom and time segments.
//
// The file is fetched once (same origin: uploads, storages, the media proxy); its bytes become a blob URL
// for an <audio> element (playback, seeking, speed) and are decoded once with the Web Audio API at a low
// rate (the waveform needs no more). Peaks are computed once, in slices that yield to the page, into a
// pyramid of min/max levels (each level halves the previous), so drawing a view of any zoom reads about
// one block per pixel column: no per-sample work ever happens while playing or scrolling.
//
// Segments are the regions of the Labels controls that point here, drawn as elements over the canvas
// (the canvas keeps only the waveform). Mouse: drag on empty waveform makes a segment with the armed
// labels, drag a segment to move it, drag its edges to resize, click to select, click empty space to
// seek; overlapping segments get their own lanes. Keyboard (focus the waveform): Space play/pause,
// Shift+Space play the selected segment, ←/→ seek, + / - zoom, Enter marks a segment's start at the
// playhead and then its end (a label key ends it with that label), [ / ] move the selected segment's
// start / end to the playhead. Values are
// {start, end, channel: 0, labels} in seconds, with `original_length` on the result, as Label Studio writes.
//
// This module only puts the parts together (they live in ../audio/, sharing one AudioState): toolbar,
// waveform, segments, viewport (zoom and scroll), playback, loader, pointer and keys.

import { el } from "/static/js/dom.js";
import { bindKeys } from "../audio/keys.js";
import { validSegment } from "../audio/lanes.js";
import { load } from "../audio/loader.js";
import { createPlayer, stopPlayer, toggle } from "../audio/playback.js";
import { bindPointer } from "../audio/pointer.js";
import { drawRegions, labelSelection } from "../audio/segments.js";
import { AudioState } from "../audio/state.js";
import { shortTime } from "../audio/time.js";
import { bindToolbar, buildToolbar, updateClock } from "../audio/toolbar.js";
import { bindViewport, buildScroll, reveal, zoomKey } from "../audio/viewport.js";
import { buildWaveform } from "../audio/waveform.js";

export { clock, shortTime } from "../audio/time.js";

export default {
  mount(ctx) {
    const { el: host, store } = ctx;
    const s = new AudioState(ctx);
    const { name } = s;

    const container = el("div", "lw-audio");
    container.tabIndex = 0;
    container.setAttribute("role", "group");
    container.setAttribute("aria-label", `Audio ${name}: Space plays, drag to make a segment`);
    container.dataset.state = "loading";
    s.container = container;

    const bar = buildToolbar(s);
    const { view, ruler } = buildWaveform(s);
    const scroll = buildScroll(s);
    container.append(bar, view, ruler, scroll);
    host.appendChild(container);

    view.style.height = `${s.waveHeight}px`;
    s.canvas.style.height = `${s.waveHeight}px`;

    const audio = createPlayer(s);
    container.appendChild(audio);

    bindPointer(s);
    const unobserve = bindViewport(s);
    bindToolbar(s, { toggle: () => toggle(s), zoomKey: (factor) => zoomKey(s, factor) });
    const unbinds = bindKeys(s);

    const repaint = () => drawRegions(s);
    const unsubscribe = store.subscribe((change) => {
      if (change.type === "active") return;
      repaint();
    });

    updateClock(s);
    load(s);

    return {
      element: container,
      audio,
      labelSelection: (control, values) => labelSelection(s, control, values),
      repaint,
      get mediaError() {
        return s.mediaError;
      },
      get duration() {
        return s.duration;
      },
      view: () => ({ start: s.viewStart, end: s.viewStart + s.viewDuration() }),
      regionText(value) {
        return validSegment(value) ? `${shortTime(value.start)}–${shortTime(value.end)}` : "";
      },
      // A rectangle for the relation arrows and the badge (no DOM range in a waveform).
      rangeFor(value) {
        if (!validSegment(value) || !s.duration) return null;
        const node = [...s.overlay.children].find((n) => {
          const item = store.get(n.dataset.regionId);
          return item && item.value.start === value.start && item.value.end === value.end;
        });
        if (!node) return null;
        return { getClientRects: () => [node.getBoundingClientRect()], getBoundingClientRect: () => node.getBoundingClientRect() };
      },
      scrollTo(id) {
        const item = store.get(id);
        if (!item || !validSegment(item.value)) return;
        reveal(s, item.value.start, item.value.end);
        container.scrollIntoView({ block: "nearest" });
      },
      focus: () => container.focus(),
      destroy() {
        s.destroyed = true;
        unsubscribe();
        for (const unbind of unbinds) unbind();
        unobserve();
        stopPlayer(s);
        container.remove();
      },
    };
  },
};
