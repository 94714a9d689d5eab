// The audio toolbar: play/pause, the clock, speed, zoom and volume, and the hint line of a segment being
// marked. Built here (hidden per the config's zoom/speed/volume="false") and kept in step with playback.

import { button, el } from "/static/js/dom.js";
import { clock } from "./time.js";

const SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 2];

export function buildToolbar(s) {
  const bar = el("div", "lw-audio-bar");
  const playBtn = button("lw-audio-play", "▶", "Play (Space)");
  const time = el("span", "lw-audio-time", "0:00.000 / –");
  const speed = el("select", "lw-audio-speed");
  speed.setAttribute("aria-label", "Playback speed");
  const startRate = s.startRate;
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
  volume.value = String(s.number("defaultvolume", 0, 1, 1));
  volume.setAttribute("aria-label", "Volume");
  const hint = el("span", "lw-audio-hint", "");
  bar.append(playBtn, time, speed, zoomOut, zoomLabel, zoomIn, volume, hint);
  speed.hidden = s.off("speed");
  zoomOut.hidden = zoomIn.hidden = zoomLabel.hidden = s.off("zoom");
  volume.hidden = s.off("volume");
  Object.assign(s, { bar, playBtn, time, speed, zoomOut, zoomIn, zoomLabel, volume, hint });
  return bar;
}

// Speed and volume go straight to the <audio> element.
export function bindToolbar(s, { toggle, zoomKey }) {
  s.playBtn.addEventListener("click", toggle);
  s.zoomIn.addEventListener("click", () => zoomKey(2));
  s.zoomOut.addEventListener("click", () => zoomKey(0.5));
  s.speed.addEventListener("change", () => {
    s.audio.playbackRate = parseFloat(s.speed.value) || 1;
  });
  s.volume.addEventListener("input", () => {
    s.audio.volume = parseFloat(s.volume.value);
  });
}

export function updateClock(s) {
  const { audio, playBtn } = s;
  s.time.textContent = `${clock(s.now())} / ${s.duration ? clock(s.duration) : "–"}`;
  playBtn.textContent = audio.paused ? "▶" : "❚❚";
  playBtn.title = audio.paused ? "Play (Space)" : "Pause (Space)";
  playBtn.setAttribute("aria-label", playBtn.title);
  s.container.classList.toggle("is-playing", !audio.paused);
}
