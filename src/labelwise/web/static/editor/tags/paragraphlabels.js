// <ParagraphLabels> behaves as <Labels>: it arms labels; the Paragraphs object draws the spans.
export { default } from "./labels.js";
