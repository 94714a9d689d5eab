// <PolygonLabels> behaves as <Labels>: it arms labels; the Image object draws the polygon.
export { default } from "./labels.js";
