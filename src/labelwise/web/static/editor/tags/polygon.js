// <Polygon> (a shape tool without labels): a button that picks the tool; the Image object draws it.
export { default } from "./tool.js";
