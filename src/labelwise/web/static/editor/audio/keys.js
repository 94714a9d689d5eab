// The audio's keys, bound in the editor's one keymap (so the help overlay lists them) and live only
// while focus is inside this object, except the config's own play/pause hotkey. Space and Enter on a
// focused toolbar button stay that button's. Returns the unbind functions.

import { normalizeCombo } from "../keys.js";
import { seek, playRegion, toggle } from "./playback.js";
import { edgeToPlayhead, markKey, setMark } from "./segments.js";
import { zoomKey } from "./viewport.js";

export function bindKeys(s) {
  const { ctx, store, container, attrs, name } = s;
  const focused = () => container.contains(document.activeElement);
  // Space and Enter on a focused toolbar button (or the speed list) are that control's own.
  const onWave = () => focused() && !(document.activeElement instanceof HTMLButtonElement);
  const unbinds = [];
  const group = "Audio (focus the waveform with Tab or a click)";
  const bind = (combo, description, handler, hidden = false, when = focused) => unbinds.push(ctx.keys.bind(combo, description, handler, { group, when, hidden }));
  const playPause = () => toggle(s);
  bind("space", "Play or pause", playPause, false, onWave);
  bind("shift+space", "Play the selected segment", () => (store.selected ? playRegion(s, store.selected) : false));
  bind("arrowleft", "Back 1 second (Shift: 5 s)", () => seek(s, s.now() - 1) || true);
  bind("arrowright", "Forward 1 second (Shift: 5 s)", () => seek(s, s.now() + 1) || true);
  bind("shift+arrowleft", "Back 5 seconds", () => seek(s, s.now() - 5) || true, true);
  bind("shift+arrowright", "Forward 5 seconds", () => seek(s, s.now() + 5) || true, true);
  bind("home", "To the start", () => seek(s, 0) || true);
  bind("end", "To the end", () => seek(s, s.duration) || true, true);
  bind("+", "Zoom in (or Ctrl+wheel)", () => zoomKey(s, 2) || true);
  bind("=", "Zoom in", () => zoomKey(s, 2) || true, true);
  bind("-", "Zoom out", () => zoomKey(s, 0.5) || true);
  bind("enter", "Start a segment at the playhead; again (or a label key) ends it", () => markKey(s), false, onWave);
  bind("[", "Move the selected segment's start to the playhead", () => edgeToPlayhead(s, "start"));
  bind("]", "Move the selected segment's end to the playhead", () => edgeToPlayhead(s, "end"));
  // Ctrl+Enter (in LS's own templates) stays the page's save/submit key.
  if (attrs.hotkey && normalizeCombo(attrs.hotkey) !== "ctrl+enter") unbinds.push(ctx.keys.bind(attrs.hotkey, `Play or pause ${name}`, playPause, { group }));
  bind("escape", "Cancel the segment being marked", () => {
    if (s.markAt === null) return false;
    setMark(s, null);
    return true;
  }, true);
  return unbinds;
}
