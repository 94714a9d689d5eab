// <RectangleLabels> behaves as <Labels>: it arms labels; the Image object draws the rectangle.
export { default } from "./labels.js";
