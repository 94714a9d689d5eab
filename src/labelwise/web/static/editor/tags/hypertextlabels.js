// <HyperTextLabels> behaves as <Labels>: it arms labels; the HyperText object draws the spans.
export { default } from "./labels.js";
