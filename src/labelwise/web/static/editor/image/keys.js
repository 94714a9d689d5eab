// The image's keys: zoom and fit while the pointer is over the image or focus is inside it; polygon keys
// while one is being drawn; arrows pan while the image has focus and no region is selected; Space held
// over the image turns a drag into a pan. Returns the teardown.

import { cancelPolygon, closePolygon, dropPoint } from "./polygon.js";
import { fitToScreen, panBy, zoomBy } from "./view.js";

export function bindKeys(s) {
  const { ctx, root, viewport, store } = s;
  function onKeyDown(event) {
    if (event.key === " " && s.hovering && !event.ctrlKey && !event.metaKey && !(event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement)) {
      s.spaceDown = true;
      viewport.classList.add("is-panning");
      event.preventDefault();
    }
  }
  function onKeyUp(event) {
    if (event.key === " ") {
      s.spaceDown = false;
      viewport.classList.remove("is-panning");
    }
  }
  document.addEventListener("keydown", onKeyDown);
  document.addEventListener("keyup", onKeyUp);

  const here = () => s.hovering || root.contains(document.activeElement);
  const unbinds = [];
  const bind = (combo, text, fn, opts = {}) => unbinds.push(ctx.keys.bind(combo, text, fn, { group: "Image", ...opts }));
  bind("+", "Zoom in", () => (here() ? zoomBy(s, 1.25) || true : false), { when: here });
  bind("=", "Zoom in", () => (here() ? zoomBy(s, 1.25) || true : false), { when: here, hidden: true });
  bind("-", "Zoom out", () => (here() ? zoomBy(s, 0.8) || true : false), { when: here });
  bind("0", "Fit the image to the screen", () => (here() ? fitToScreen(s) || true : false), { when: here });
  bind("enter", "Close the polygon being drawn", () => (s.poly ? closePolygon(s) || true : false), { hidden: true });
  bind("escape", "Cancel the polygon being drawn", () => cancelPolygon(s), { hidden: true });
  bind("backspace", "Delete the clicked polygon point (Alt+click does too)", () => dropPoint(s));
  bind("delete", "Delete the clicked polygon point", () => dropPoint(s), { hidden: true });
  const arrows = { arrowleft: [60, 0], arrowright: [-60, 0], arrowup: [0, 60], arrowdown: [0, -60] };
  for (const [combo, [dx, dy]] of Object.entries(arrows)) {
    bind(combo, "Pan the image (focused, no region selected)", () => (root.contains(document.activeElement) && !store.selected && s.size ? panBy(s, dx, dy) || true : false), { hidden: combo !== "arrowleft" });
  }
  return () => {
    for (const unbind of unbinds) unbind();
    document.removeEventListener("keydown", onKeyDown);
    document.removeEventListener("keyup", onKeyUp);
  };
}
