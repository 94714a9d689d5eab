// Loading the file: fetched once (same origin: uploads, storages, the media proxy) with a progress
// line, handed to the <audio> element as a blob URL, decoded once at a low rate (the waveform needs no
// more) and reduced to the peak pyramid in slices that yield to the page. Any failure replaces the
// waveform with a message and tells the page (`lw-media-error`), so it can offer to skip the task.

import { buildPeaks } from "../peaks.js";
import { el } from "/static/js/dom.js";
import { updateClock } from "./toolbar.js";
import { draw, layout } from "./viewport.js";

const DECODE_RATE = 8000; // samples per second of the decoded copy the waveform is drawn from

function fail(s, message) {
  const { container, view } = s;
  s.mediaError = { object: s.name, url: typeof s.url === "string" ? s.url : "", message };
  container.dataset.state = "error";
  container.classList.add("has-error");
  s.status.hidden = true;
  const box = el("p", "lw-media-error", message);
  box.setAttribute("role", "alert");
  view.replaceChildren(box);
  view.style.height = "";
  s.bar.hidden = true;
  s.ruler.hidden = true;
  s.scroll.hidden = true;
  container.dispatchEvent(new CustomEvent("lw-media-error", { bubbles: true, detail: { ...s.mediaError } }));
}

async function fetchBytes(s, source) {
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
    if (done || s.destroyed) break;
    chunks.push(value);
    got += value.length;
    if (total > 0) s.status.textContent = `Loading audio… ${Math.min(99, Math.floor((got / total) * 100))}%`;
    else s.status.textContent = `Loading audio… ${(got / 1e6).toFixed(1)} MB`;
  }
  const bytes = new Uint8Array(got);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return { bytes: bytes.buffer, type };
}

export async function load(s) {
  const { url, tag, status, container } = s;
  if (typeof url !== "string" || !url.trim()) {
    fail(s, `This task has no audio URL under ${tag.value || "$" + tag.value_key}.`);
    return;
  }
  let fetched;
  let phase = performance.now();
  // performance.measure entries lw-audio-fetch, -decode, -peaks: what a bench reads, per phase.
  const measure = (what) => {
    const end = performance.now();
    performance.measure(`lw-audio-${what}`, { start: phase, end, detail: { object: s.name } });
    phase = end;
  };
  try {
    fetched = await fetchBytes(s, url);
    measure("fetch");
  } catch (error) {
    if (!s.destroyed) fail(s, `The audio could not be loaded: ${error.message}.`);
    return;
  }
  if (s.destroyed) return;
  s.blobUrl = URL.createObjectURL(new Blob([fetched.bytes], { type: fetched.type.startsWith("audio/") ? fetched.type : "" }));
  s.audio.src = s.blobUrl;
  status.textContent = "Decoding audio…";
  let buffer;
  try {
    const offline = new OfflineAudioContext(1, 1, DECODE_RATE);
    buffer = await offline.decodeAudioData(fetched.bytes);
    measure("decode");
  } catch (error) {
    if (!s.destroyed) fail(s, `The audio could not be decoded: this file is not a supported audio format${error && error.message ? ` (${error.message})` : ""}.`);
    return;
  }
  fetched = null;
  if (s.destroyed) return;
  if (!(buffer.duration > 0)) {
    fail(s, "The audio file holds no sound (it lasts 0 seconds).");
    return;
  }
  s.duration = buffer.duration;
  container.dataset.duration = String(s.duration);
  s.pxPerSec = s.fit() * s.number("defaultzoom", 1, 1500, 1);
  layout(s);
  const levels = await buildPeaks(buffer, (done) => {
    status.textContent = `Drawing the waveform… ${Math.floor(done * 100)}%`;
  }, () => s.destroyed);
  if (!levels || s.destroyed) return;
  measure("peaks");
  s.peaks = { rate: buffer.sampleRate, levels };
  status.hidden = true;
  container.dataset.state = "ready";
  updateClock(s);
  draw(s);
}
