// <KeyPointLabels> behaves as <Labels>: it arms labels; the Image object draws the keypoint.
export { default } from "./labels.js";
