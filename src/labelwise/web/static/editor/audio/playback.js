// Playback through the <audio> element (a blob URL of the fetched bytes): play/pause, seeking, playing
// one segment to its end, and the animation frame loop that moves the playhead and follows it while
// playing (only while playing: a paused editor costs no frames).

import { updateClock } from "./toolbar.js";
import { layout, reveal } from "./viewport.js";

export function createPlayer(s) {
  const audio = new Audio();
  audio.preload = "auto";
  audio.playbackRate = s.startRate;
  audio.defaultPlaybackRate = s.startRate;
  audio.volume = parseFloat(s.volume.value);
  audio.className = "lw-audio-player"; // no controls attribute: nothing drawn; kept in the DOM to inspect
  s.audio = audio;
  const onPlayState = () => {
    if (!s.frame) s.frame = requestAnimationFrame(() => tick(s));
    updateClock(s);
  };
  for (const type of ["play", "pause", "ended", "seeked", "timeupdate"]) audio.addEventListener(type, onPlayState);
  audio.addEventListener("error", () => {
    if (!s.destroyed && s.blobUrl && !s.mediaError) s.editor.message("The browser cannot play this audio file (the waveform may still be shown).");
  });
  return audio;
}

function tick(s) {
  s.frame = 0;
  if (s.destroyed) return;
  const { audio } = s;
  const t = s.now();
  if (s.stopAt !== null && t >= s.stopAt) {
    audio.pause();
    s.stopAt = null;
  }
  if (!audio.paused && (t > s.viewStart + s.viewDuration() || t < s.viewStart)) {
    s.viewStart = t;
    layout(s);
  }
  s.placeLine(s.cursor, t);
  updateClock(s);
  if (!audio.paused) s.frame = requestAnimationFrame(() => tick(s));
}

export function play(s) {
  const started = s.audio.play();
  if (started && started.catch) started.catch((error) => s.editor.message(`The audio could not be played: ${error.message}`));
}

export function toggle(s) {
  if (!s.blobUrl) return true;
  if (s.audio.paused) {
    s.stopAt = null;
    if (s.now() >= s.duration - 0.001) s.audio.currentTime = 0;
    play(s);
  } else s.audio.pause();
  return true;
}

export function seek(s, t) {
  s.audio.currentTime = Math.max(0, Math.min(s.duration, t));
  s.placeLine(s.cursor, s.now());
  updateClock(s);
}

export function playRegion(s, id) {
  const item = s.mine().find((it) => it.id === id);
  if (!item || !s.blobUrl) return false;
  seek(s, item.value.start);
  s.stopAt = item.value.end;
  reveal(s, item.value.start, item.value.end);
  play(s);
  return true;
}

// On destroy: no more frames, and the element lets go of the file.
export function stopPlayer(s) {
  if (s.frame) cancelAnimationFrame(s.frame);
  s.audio.pause();
  s.audio.removeAttribute("src");
  s.audio.load();
  if (s.blobUrl) URL.revokeObjectURL(s.blobUrl);
}
