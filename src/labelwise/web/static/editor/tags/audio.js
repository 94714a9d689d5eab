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

import { createFromArmed, createRegion, labelColor, labelsOf, regionsOf, armedFor } from "../spans.js";
import { normalizeCombo } from "../keys.js";
import { buildPeaks, peakAt } from "../peaks.js";
import { button, el } from "/static/js/dom.js";

const SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 2];
const DECODE_RATE = 8000; // samples per second of the decoded copy the waveform is drawn from
const MAX_PX_PER_SEC = 2000;
const WAVE_HEIGHT = 128;
const RULER_HEIGHT = 18;
const EDGE_PX = 6; // width of a segment's resize handles

const round = (t) => Math.round(t * 10000) / 10000;

export function clock(t) {
  const safe = Math.max(0, Number.isFinite(t) ? t : 0);
  const minutes = Math.floor(safe / 60);
  const seconds = safe - minutes * 60;
  const hours = Math.floor(minutes / 60);
  const mm = hours ? String(minutes % 60).padStart(2, "0") : String(minutes);
  return `${hours ? `${hours}:` : ""}${mm}:${seconds.toFixed(3).padStart(6, "0")}`;
}

// A short time for lists: "1.25s" under a minute, else "2:05.3" (the list column is narrow).
export function shortTime(t) {
  const safe = Math.max(0, Number.isFinite(t) ? t : 0);
  if (safe < 60) return `${safe.toFixed(2)}s`;
  const text = clock(safe);
  return text.slice(0, text.length - 2);
}

// Greedy lanes: a segment goes to the first lane whose last segment ended before it starts.
function lanesOf(regions) {
  const sorted = [...regions].sort((a, b) => a.value.start - b.value.start || a.value.end - b.value.end);
  const ends = [];
  const lane = new Map();
  for (const item of sorted) {
    let index = ends.findIndex((end) => end <= item.value.start);
    if (index < 0) {
      index = ends.length;
      ends.push(0);
    }
    ends[index] = item.value.end;
    lane.set(item.id, index);
  }
  return { lane, count: Math.max(1, ends.length) };
}

function validSegment(value) {
  return value && Number.isFinite(value.start) && Number.isFinite(value.end) && value.end >= value.start;
}

export default {
  mount(ctx) {
    const { el: host, store, schema, tag, editor } = ctx;
    const name = tag.name;
    const url = ctx.value(tag.value || `$${tag.value_key}`);
    // Label Studio's attributes, whatever their case: defaultSpeed, defaultZoom, defaultVolume, height,
    // hotkey (play/pause), and the older zoom/speed/volume="false" that hide those controls.
    const attrs = Object.fromEntries(Object.entries(tag.attrs || {}).map(([k, v]) => [k.toLowerCase(), v]));
    const number = (key, lo, hi, fallback) => {
      const n = parseFloat(attrs[key]);
      return Number.isFinite(n) ? Math.max(lo, Math.min(hi, n)) : fallback;
    };
    const off = (key) => /^(false|0|no)$/i.test(String(attrs[key] ?? "").trim());
    const waveHeight = Math.round(number("height", 48, 400, WAVE_HEIGHT));

    const container = el("div", "lw-audio");
    container.tabIndex = 0;
    container.setAttribute("role", "group");
    container.setAttribute("aria-label", `Audio ${name}: Space plays, drag to make a segment`);
    container.dataset.state = "loading";

    const bar = el("div", "lw-audio-bar");
    const playBtn = button("lw-audio-play", "▶", "Play (Space)");
    const time = el("span", "lw-audio-time", "0:00.000 / –");
    const speed = el("select", "lw-audio-speed");
    speed.setAttribute("aria-label", "Playback speed");
    const startRate = number("defaultspeed", 0.5, 2, 1);
    for (const rate of [...new Set([...SPEEDS, startRate])].sort((a, b) => a - b)) {
      const option = el("option", "", `${rate}×`);
      option.value = String(rate);
      if (rate === startRate) option.selected = true;
      speed.appendChild(option);
    }
    const zoomOut = button("lw-audio-zoom-out", "−", "Zoom out (-)");
    const zoomIn = button("lw-audio-zoom-in", "+", "Zoom in (+)");
    const zoomLabel = el("span", "lw-audio-zoom", "1×");
    const volume = el("input", "lw-audio-volume");
    volume.type = "range";
    volume.min = "0";
    volume.max = "1";
    volume.step = "0.05";
    volume.value = String(number("defaultvolume", 0, 1, 1));
    volume.setAttribute("aria-label", "Volume");
    const hint = el("span", "lw-audio-hint", "");
    bar.append(playBtn, time, speed, zoomOut, zoomLabel, zoomIn, volume, hint);
    speed.hidden = off("speed");
    zoomOut.hidden = zoomIn.hidden = zoomLabel.hidden = off("zoom");
    volume.hidden = off("volume");

    const view = el("div", "lw-audio-view");
    const canvas = el("canvas", "lw-audio-wave");
    canvas.setAttribute("aria-hidden", "true");
    const overlay = el("div", "lw-audio-overlay");
    const cursor = el("div", "lw-audio-cursor");
    const mark = el("div", "lw-audio-mark");
    mark.hidden = true;
    const ghost = el("div", "lw-audio-ghost");
    ghost.hidden = true;
    const status = el("div", "lw-audio-status", "Loading audio…");
    status.setAttribute("role", "status");
    view.append(canvas, overlay, ghost, mark, cursor, status);
    const ruler = el("canvas", "lw-audio-ruler");
    ruler.setAttribute("aria-hidden", "true");
    const scroll = el("div", "lw-audio-scroll");
    const spacer = el("div", "lw-audio-spacer");
    scroll.appendChild(spacer);
    container.append(bar, view, ruler, scroll);
    host.appendChild(container);

    view.style.height = `${waveHeight}px`;
    canvas.style.height = `${waveHeight}px`;

    const audio = new Audio();
    audio.preload = "auto";
    audio.playbackRate = startRate;
    audio.defaultPlaybackRate = startRate;
    audio.volume = parseFloat(volume.value);
    audio.className = "lw-audio-player"; // no controls attribute: nothing drawn; kept in the DOM to inspect
    container.appendChild(audio);

    let duration = 0;
    let peaks = null; // {rate, levels}
    let blobUrl = null;
    let mediaError = null;
    let destroyed = false;
    let pxPerSec = 0; // 0 until the duration is known: fit
    let viewStart = 0;
    let stopAt = null; // end of the segment being played
    let markAt = null; // start of a segment made at the playhead
    let frame = 0;
    let drag = null;

    const width = () => Math.max(1, view.clientWidth);
    const fit = () => (duration > 0 ? width() / duration : 1);
    const viewDuration = () => (duration > 0 ? width() / pxPerSec : 0);
    const xOf = (t) => ((t - viewStart) / viewDuration()) * width();
    function timeAt(clientX) {
      const box = view.getBoundingClientRect();
      const t = viewStart + ((clientX - box.left) / box.width) * viewDuration();
      return Math.max(0, Math.min(duration, t));
    }
    const now = () => (Number.isFinite(audio.currentTime) ? audio.currentTime : 0);
    const mine = () => regionsOf(store, name).filter((item) => validSegment(item.value));

    // --- errors and loading ---
    function fail(message) {
      mediaError = { object: name, url: typeof url === "string" ? url : "", message };
      container.dataset.state = "error";
      container.classList.add("has-error");
      status.hidden = true;
      const box = el("p", "lw-media-error", message);
      box.setAttribute("role", "alert");
      view.replaceChildren(box);
      view.style.height = "";
      bar.hidden = true;
      ruler.hidden = true;
      scroll.hidden = true;
      container.dispatchEvent(new CustomEvent("lw-media-error", { bubbles: true, detail: { ...mediaError } }));
    }

    async function fetchBytes(source) {
      let response;
      try {
        response = await fetch(source, { credentials: "same-origin" });
      } catch (error) {
        throw new Error(`the audio could not be fetched (${error.message})`);
      }
      if (!response.ok) throw new Error(`the server answered ${response.status} for the audio file`);
      const type = response.headers.get("content-type") || "";
      // Content-Length only for the progress: a compressed response announces fewer bytes than it reads.
      const total = parseInt(response.headers.get("content-length") || "", 10);
      if (!response.body) return { bytes: await response.arrayBuffer(), type };
      const reader = response.body.getReader();
      const chunks = [];
      let got = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done || destroyed) break;
        chunks.push(value);
        got += value.length;
        if (total > 0) status.textContent = `Loading audio… ${Math.min(99, Math.floor((got / total) * 100))}%`;
        else status.textContent = `Loading audio… ${(got / 1e6).toFixed(1)} MB`;
      }
      const bytes = new Uint8Array(got);
      let at = 0;
      for (const chunk of chunks) {
        bytes.set(chunk, at);
        at += chunk.length;
      }
      return { bytes: bytes.buffer, type };
    }

    async function load() {
      if (typeof url !== "string" || !url.trim()) {
        fail(`This task has no audio URL under ${tag.value || "$" + tag.value_key}.`);
        return;
      }
      let fetched;
      let phase = performance.now();
      // performance.measure entries lw-audio-fetch, -decode, -peaks: what a bench reads, per phase.
      const measure = (what) => {
        const end = performance.now();
        performance.measure(`lw-audio-${what}`, { start: phase, end, detail: { object: name } });
        phase = end;
      };
      try {
        fetched = await fetchBytes(url);
        measure("fetch");
      } catch (error) {
        if (!destroyed) fail(`The audio could not be loaded: ${error.message}.`);
        return;
      }
      if (destroyed) return;
      blobUrl = URL.createObjectURL(new Blob([fetched.bytes], { type: fetched.type.startsWith("audio/") ? fetched.type : "" }));
      audio.src = blobUrl;
      status.textContent = "Decoding audio…";
      let buffer;
      try {
        const offline = new OfflineAudioContext(1, 1, DECODE_RATE);
        buffer = await offline.decodeAudioData(fetched.bytes);
        measure("decode");
      } catch (error) {
        if (!destroyed) fail(`The audio could not be decoded: this file is not a supported audio format${error && error.message ? ` (${error.message})` : ""}.`);
        return;
      }
      fetched = null;
      if (destroyed) return;
      if (!(buffer.duration > 0)) {
        fail("The audio file holds no sound (it lasts 0 seconds).");
        return;
      }
      duration = buffer.duration;
      container.dataset.duration = String(duration);
      pxPerSec = fit() * number("defaultzoom", 1, 1500, 1);
      layout();
      const levels = await buildPeaks(buffer, (done) => {
        status.textContent = `Drawing the waveform… ${Math.floor(done * 100)}%`;
      }, () => destroyed);
      if (!levels || destroyed) return;
      measure("peaks");
      peaks = { rate: buffer.sampleRate, levels };
      status.hidden = true;
      container.dataset.state = "ready";
      updateClock();
      draw();
    }

    // --- drawing ---
    function sizeCanvas(target, cssHeight) {
      const ratio = window.devicePixelRatio || 1;
      const w = Math.round(width() * ratio);
      const h = Math.round(cssHeight * ratio);
      if (target.width !== w || target.height !== h) {
        target.width = w;
        target.height = h;
      }
      return { w, h, ratio };
    }

    function drawWave() {
      const { w, h } = sizeCanvas(canvas, waveHeight);
      const g = canvas.getContext("2d");
      const styles = getComputedStyle(container);
      g.fillStyle = styles.getPropertyValue("--lw-audio-bg").trim() || "#f8f9fa";
      g.fillRect(0, 0, w, h);
      if (!peaks || !duration) return;
      g.fillStyle = styles.getPropertyValue("--lw-audio-wave").trim() || "#4c6ef5";
      const mid = h / 2;
      const perPixel = (viewDuration() * peaks.rate) / w;
      const first = viewStart * peaks.rate;
      for (let x = 0; x < w; x += 1) {
        const a = first + x * perPixel;
        const [lo, hi] = peakAt(peaks.levels, a, a + perPixel);
        if (lo > hi) continue;
        const top = mid - hi * mid;
        const bottom = mid - lo * mid;
        g.fillRect(x, top, 1, Math.max(1, bottom - top));
      }
    }

    function drawRuler() {
      const { w, h, ratio } = sizeCanvas(ruler, RULER_HEIGHT);
      const g = ruler.getContext("2d");
      g.clearRect(0, 0, w, h);
      if (!duration) return;
      const styles = getComputedStyle(container);
      g.fillStyle = styles.getPropertyValue("--lw-audio-ruler").trim() || "#868e96";
      g.font = `${10 * ratio}px system-ui, sans-serif`;
      const span = viewDuration();
      const steps = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];
      const step = steps.find((s) => (s / span) * width() >= 80) || 3600;
      for (let t = Math.floor(viewStart / step) * step; t <= viewStart + span; t += step) {
        const x = xOf(t) * ratio;
        if (x < 0) continue;
        g.fillRect(x, 0, ratio, 5 * ratio);
        g.fillText(clock(t).replace(/\.?0+$/, "") || "0", x + 3 * ratio, 14 * ratio);
      }
    }

    function placeLine(node, t) {
      const x = xOf(t);
      node.hidden = !(duration > 0 && x >= 0 && x <= width());
      node.style.transform = `translateX(${x}px)`;
    }

    function drawRegions() {
      const regions = mine();
      const { lane, count } = lanesOf(regions);
      const span = viewDuration();
      const fragment = document.createDocumentFragment();
      for (const item of regions) {
        const { start, end } = item.value;
        if (!duration || end < viewStart || start > viewStart + span) continue;
        const node = el("div", "lw-audio-region");
        node.dataset.regionId = item.id;
        node.style.left = `${xOf(start)}px`;
        node.style.width = `${Math.max(2, xOf(end) - xOf(start))}px`;
        node.style.top = `${(lane.get(item.id) / count) * 100}%`;
        node.style.height = `${100 / count}%`;
        node.style.setProperty("--lw-label-color", labelColor(schema, item.from_name, labelsOf(item)[0]));
        if (item.id === store.selected) node.classList.add("is-selected");
        if (editor.candidate && item.id === editor.candidate()) node.classList.add("is-candidate");
        if (item.origin === "prediction") node.classList.add("is-prediction");
        const labels = store.items().filter((it) => it.id === item.id).flatMap(labelsOf);
        node.title = `${labels.join(", ")} ${clock(start)}–${clock(end)}`;
        const caption = el("span", "lw-audio-region-label", labels.join(", "));
        const play = button("lw-audio-region-play", "▶", "Play this segment");
        play.tabIndex = -1;
        play.dataset.regionId = item.id;
        node.append(el("span", "lw-audio-handle is-start"), play, caption, el("span", "lw-audio-handle is-end"));
        fragment.appendChild(node);
      }
      overlay.replaceChildren(fragment);
    }

    function draw() {
      if (destroyed || mediaError) return;
      drawWave();
      drawRuler();
      drawRegions();
      if (editor.layoutChanged) editor.layoutChanged();
      placeLine(cursor, now());
      if (markAt !== null) placeLine(mark, markAt);
      else mark.hidden = true;
    }

    function updateClock() {
      time.textContent = `${clock(now())} / ${duration ? clock(duration) : "–"}`;
      playBtn.textContent = audio.paused ? "▶" : "❚❚";
      playBtn.title = audio.paused ? "Play (Space)" : "Pause (Space)";
      playBtn.setAttribute("aria-label", playBtn.title);
      container.classList.toggle("is-playing", !audio.paused);
    }

    // Zoom and scroll: the spacer is as wide as the whole recording at this zoom.
    function layout() {
      if (!duration) return;
      pxPerSec = Math.max(fit(), Math.min(MAX_PX_PER_SEC, pxPerSec || fit()));
      viewStart = Math.max(0, Math.min(duration - viewDuration(), viewStart));
      spacer.style.width = `${Math.ceil(duration * pxPerSec)}px`;
      scroll.hidden = pxPerSec <= fit() * 1.0001;
      if (Math.abs(scroll.scrollLeft - viewStart * pxPerSec) > 1) scroll.scrollLeft = viewStart * pxPerSec;
      const factor = pxPerSec / fit();
      zoomLabel.textContent = `${factor < 10 ? Math.round(factor * 10) / 10 : Math.round(factor)}×`;
      zoomOut.disabled = factor <= 1.0001;
      zoomIn.disabled = pxPerSec >= MAX_PX_PER_SEC;
      draw();
    }

    // Zooms by `factor`, keeping time `anchor` at the same place on screen.
    function zoom(factor, anchor) {
      if (!duration) return;
      const t = anchor === undefined ? viewStart + viewDuration() / 2 : anchor;
      const x = xOf(t);
      pxPerSec = Math.max(fit(), Math.min(MAX_PX_PER_SEC, pxPerSec * factor));
      viewStart = t - x / pxPerSec;
      layout();
    }
    // The playhead stays put when it is on screen; otherwise the middle of the view does.
    function zoomKey(factor) {
      const t = now();
      zoom(factor, t >= viewStart && t <= viewStart + viewDuration() ? t : undefined);
    }

    function reveal(t, end = t) {
      const span = viewDuration();
      if (t >= viewStart && end <= viewStart + span) return;
      viewStart = end - t > span ? t : t - span * 0.1;
      layout();
    }

    // --- playback ---
    function play() {
      const started = audio.play();
      if (started && started.catch) started.catch((error) => editor.message(`The audio could not be played: ${error.message}`));
    }
    function toggle() {
      if (!blobUrl) return true;
      if (audio.paused) {
        stopAt = null;
        if (now() >= duration - 0.001) audio.currentTime = 0;
        play();
      } else audio.pause();
      return true;
    }
    function seek(t) {
      audio.currentTime = Math.max(0, Math.min(duration, t));
      placeLine(cursor, now());
      updateClock();
    }
    function playRegion(id) {
      const item = mine().find((it) => it.id === id);
      if (!item || !blobUrl) return false;
      seek(item.value.start);
      stopAt = item.value.end;
      reveal(item.value.start, item.value.end);
      play();
      return true;
    }
    function tick() {
      frame = 0;
      if (destroyed) return;
      const t = now();
      if (stopAt !== null && t >= stopAt) {
        audio.pause();
        stopAt = null;
      }
      if (!audio.paused && (t > viewStart + viewDuration() || t < viewStart)) {
        viewStart = t;
        layout();
      }
      placeLine(cursor, t);
      updateClock();
      if (!audio.paused) frame = requestAnimationFrame(tick);
    }
    const onPlayState = () => {
      if (!frame) frame = requestAnimationFrame(tick);
      updateClock();
    };
    for (const type of ["play", "pause", "ended", "seeked", "timeupdate"]) audio.addEventListener(type, onPlayState);
    audio.addEventListener("error", () => {
      if (!destroyed && blobUrl && !mediaError) editor.message("The browser cannot play this audio file (the waveform may still be shown).");
    });

    // --- segments ---
    function segmentValue(a, b) {
      const start = Math.max(0, Math.min(a, b));
      const end = Math.min(duration, Math.max(a, b));
      return { start: round(start), end: round(end), channel: 0 };
    }
    function finishCreate(id) {
      if (!id) return null;
      store.update(id, { original_length: round(duration) });
      return id;
    }
    // With the armed labels of every Labels control on this object; a message when none is armed.
    function createSegment(a, b, control = null, values = null) {
      if (editor.readOnly || !duration) return null;
      const span = segmentValue(a, b);
      if (span.end - span.start <= 0) return null;
      if (!control && !armedFor(store, schema, name).length) {
        editor.message("Choose a label first (click it or press its key), then drag on the waveform.");
        return null;
      }
      const id = store.transaction(() => finishCreate(control ? createRegion(ctx, span, control, values) : createFromArmed(ctx, span)));
      if (id) store.select(id);
      return id;
    }

    function moveRegion(id, start, end) {
      const items = store.items().filter((it) => it.id === id);
      if (!items.length || store.isLocked(id)) return;
      const region = items.find((it) => it.to_name === name && validSegment(it.value));
      const origin = region && region.origin === "prediction" ? "prediction-changed" : region && region.origin;
      store.update(id, { ...(origin ? { origin } : {}), value: { start: round(start), end: round(end) } });
    }

    function setMark(t) {
      markAt = t;
      if (t === null) {
        mark.hidden = true;
        hint.textContent = "";
      } else {
        placeLine(mark, t);
        hint.textContent = `Segment from ${clock(t)}: Enter (or a label key) at its end, Esc cancels`;
      }
    }

    // Called by Labels controls for a label key or click: ends a segment started at the playhead.
    function labelSelection(control, values) {
      if (editor.readOnly || markAt === null) return false;
      const start = markAt;
      setMark(null);
      createSegment(start, now(), control, values);
      return true;
    }

    // --- mouse ---
    function onPointerDown(event) {
      if (event.button !== 0 || !duration) return;
      container.focus({ preventScroll: true });
      const target = event.target instanceof Element ? event.target : null;
      const play = target && target.closest(".lw-audio-region-play");
      if (play) {
        event.preventDefault();
        playRegion(play.dataset.regionId);
        return;
      }
      const node = target && target.closest(".lw-audio-region");
      const id = node ? node.dataset.regionId : null;
      const item = id ? mine().find((it) => it.id === id) : null;
      let kind = "create";
      if (item) {
        const box = node.getBoundingClientRect();
        if (event.clientX - box.left <= EDGE_PX) kind = "start";
        else if (box.right - event.clientX <= EDGE_PX) kind = "end";
        else kind = "move";
      }
      drag = { kind, id, node, item, x: event.clientX, t: timeAt(event.clientX), moved: false, start: item && item.value.start, end: item && item.value.end };
      overlay.setPointerCapture(event.pointerId);
      event.preventDefault();
    }

    function onPointerMove(event) {
      if (!drag) return;
      if (!drag.moved && Math.abs(event.clientX - drag.x) < 3) return;
      if (editor.readOnly || (drag.item && store.isLocked(drag.id))) return;
      drag.moved = true;
      const t = timeAt(event.clientX);
      if (drag.kind === "create") {
        const a = Math.min(drag.t, t);
        const b = Math.max(drag.t, t);
        ghost.hidden = false;
        ghost.style.left = `${xOf(a)}px`;
        ghost.style.width = `${xOf(b) - xOf(a)}px`;
        return;
      }
      const { item } = drag;
      let start = item.value.start;
      let end = item.value.end;
      if (drag.kind === "move") {
        const length = end - start;
        start = Math.max(0, Math.min(duration - length, start + (t - drag.t)));
        end = start + length;
      } else if (drag.kind === "start") start = Math.min(t, end);
      else end = Math.max(t, start);
      drag.start = start;
      drag.end = end;
      drag.node.style.left = `${xOf(start)}px`;
      drag.node.style.width = `${Math.max(2, xOf(end) - xOf(start))}px`;
    }

    function onPointerUp(event) {
      const current = drag;
      drag = null;
      if (!current) return;
      ghost.hidden = true;
      if (overlay.hasPointerCapture(event.pointerId)) overlay.releasePointerCapture(event.pointerId);
      if (!current.moved) {
        if (current.id) editor.pick(current.id);
        else {
          seek(current.t);
          if (!editor.relating()) store.select(null);
        }
        return;
      }
      if (current.kind === "create") createSegment(current.t, timeAt(event.clientX));
      else if (current.end - current.start > 0) {
        moveRegion(current.id, current.start, current.end);
        if (store.selected !== current.id) editor.pick(current.id);
      } else draw();
    }

    function onWheel(event) {
      if (!duration) return;
      if (event.ctrlKey || event.metaKey) {
        event.preventDefault();
        zoom(Math.pow(2, -event.deltaY / 250), timeAt(event.clientX));
        return;
      }
      const dx = event.deltaX || (event.shiftKey ? event.deltaY : 0);
      if (!dx || scroll.hidden) return;
      event.preventDefault();
      viewStart += dx / pxPerSec;
      layout();
    }

    function onScroll() {
      const next = scroll.scrollLeft / pxPerSec;
      if (Math.abs(next - viewStart) * pxPerSec > 1) {
        viewStart = next;
        layout();
      }
    }

    overlay.addEventListener("pointerdown", onPointerDown);
    overlay.addEventListener("pointermove", onPointerMove);
    overlay.addEventListener("pointerup", onPointerUp);
    overlay.addEventListener("pointercancel", onPointerUp);
    view.addEventListener("wheel", onWheel, { passive: false });
    scroll.addEventListener("scroll", onScroll);
    playBtn.addEventListener("click", toggle);
    zoomIn.addEventListener("click", () => zoomKey(2));
    zoomOut.addEventListener("click", () => zoomKey(0.5));
    speed.addEventListener("change", () => {
      audio.playbackRate = parseFloat(speed.value) || 1;
    });
    volume.addEventListener("input", () => {
      audio.volume = parseFloat(volume.value);
    });
    const resize = new ResizeObserver(() => {
      if (!duration) return;
      const wasFit = scroll.hidden;
      if (wasFit) pxPerSec = fit();
      layout();
    });
    resize.observe(view);

    // --- keys (while focus is inside this object) ---
    const focused = () => container.contains(document.activeElement);
    // Space and Enter on a focused toolbar button (or the speed list) are that control's own.
    const onWave = () => focused() && !(document.activeElement instanceof HTMLButtonElement);
    const unbinds = [];
    const group = "Audio (focus the waveform with Tab or a click)";
    const bind = (combo, description, handler, hidden = false, when = focused) => unbinds.push(ctx.keys.bind(combo, description, handler, { group, when, hidden }));
    bind("space", "Play or pause", toggle, false, onWave);
    bind("shift+space", "Play the selected segment", () => (store.selected ? playRegion(store.selected) : false));
    bind("arrowleft", "Back 1 second (Shift: 5 s)", () => seek(now() - 1) || true);
    bind("arrowright", "Forward 1 second (Shift: 5 s)", () => seek(now() + 1) || true);
    bind("shift+arrowleft", "Back 5 seconds", () => seek(now() - 5) || true, true);
    bind("shift+arrowright", "Forward 5 seconds", () => seek(now() + 5) || true, true);
    bind("home", "To the start", () => seek(0) || true);
    bind("end", "To the end", () => seek(duration) || true, true);
    bind("+", "Zoom in (or Ctrl+wheel)", () => zoomKey(2) || true);
    bind("=", "Zoom in", () => zoomKey(2) || true, true);
    bind("-", "Zoom out", () => zoomKey(0.5) || true);
    bind("enter", "Start a segment at the playhead; again (or a label key) ends it", () => {
      if (editor.relating() || editor.readOnly || !duration) return false;
      if (markAt === null) {
        setMark(now());
        return true;
      }
      const start = markAt;
      if (!armedFor(store, schema, name).length) {
        editor.message("Choose a label first (click it or press its key), or press a label key to end the segment with it.");
        return true;
      }
      setMark(null);
      createSegment(start, now());
      return true;
    }, false, onWave);
    // [ and ]: the selected segment's start or end moves to the playhead (a keyboard resize).
    const edgeAt = (which) => () => {
      const item = store.selected ? mine().find((it) => it.id === store.selected) : null;
      if (!item || editor.readOnly) return false;
      if (store.isLocked(item.id)) return true;
      const t = now();
      const start = which === "start" ? Math.min(t, item.value.end) : item.value.start;
      const end = which === "end" ? Math.max(t, item.value.start) : item.value.end;
      if (end - start > 0) moveRegion(item.id, start, end);
      return true;
    };
    bind("[", "Move the selected segment's start to the playhead", edgeAt("start"));
    bind("]", "Move the selected segment's end to the playhead", edgeAt("end"));
    // Ctrl+Enter (in LS's own templates) stays the page's save/submit key.
    if (attrs.hotkey && normalizeCombo(attrs.hotkey) !== "ctrl+enter") unbinds.push(ctx.keys.bind(attrs.hotkey, `Play or pause ${name}`, toggle, { group }));
    bind("escape", "Cancel the segment being marked", () => {
      if (markAt === null) return false;
      setMark(null);
      return true;
    }, true);

    const unsubscribe = store.subscribe((change) => {
      if (change.type === "active") return;
      drawRegions();
    });

    updateClock();
    load();

    return {
      element: container,
      audio,
      labelSelection,
      repaint: drawRegions,
      get mediaError() {
        return mediaError;
      },
      get duration() {
        return duration;
      },
      view: () => ({ start: viewStart, end: viewStart + viewDuration() }),
      regionText(value) {
        return validSegment(value) ? `${shortTime(value.start)}–${shortTime(value.end)}` : "";
      },
      // A rectangle for the relation arrows and the badge (no DOM range in a waveform).
      rangeFor(value) {
        if (!validSegment(value) || !duration) return null;
        const node = [...overlay.children].find((n) => {
          const item = store.get(n.dataset.regionId);
          return item && item.value.start === value.start && item.value.end === value.end;
        });
        if (!node) return null;
        return { getClientRects: () => [node.getBoundingClientRect()], getBoundingClientRect: () => node.getBoundingClientRect() };
      },
      scrollTo(id) {
        const item = store.get(id);
        if (!item || !validSegment(item.value)) return;
        reveal(item.value.start, item.value.end);
        container.scrollIntoView({ block: "nearest" });
      },
      focus: () => container.focus(),
      destroy() {
        destroyed = true;
        unsubscribe();
        for (const unbind of unbinds) unbind();
        if (frame) cancelAnimationFrame(frame);
        resize.disconnect();
        audio.pause();
        audio.removeAttribute("src");
        audio.load();
        if (blobUrl) URL.revokeObjectURL(blobUrl);
        container.remove();
      },
    };
  },
};
