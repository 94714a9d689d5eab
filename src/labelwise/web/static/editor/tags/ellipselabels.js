// <EllipseLabels> behaves as <Labels>: it arms labels; the Image object draws the ellipse.
export { default } from "./labels.js";
