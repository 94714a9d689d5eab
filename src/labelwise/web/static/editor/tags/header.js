// <Header value="..." size="1..6" underline="true">: a heading; `$key` values read task data. Text only.
import { applyInlineStyle } from "../layout.js";

export default {
  mount(ctx) {
    const attrs = ctx.node.attrs || {};
    const size = Math.min(6, Math.max(1, parseInt(attrs.size || "4", 10) || 4));
    const heading = document.createElement(`h${size}`);
    heading.className = "lw-header";
    const value = attrs.value !== undefined ? ctx.value(attrs.value) : ctx.node.text;
    heading.textContent = value === undefined || value === null ? "" : typeof value === "string" ? value : JSON.stringify(value);
    if (attrs.underline === "true") heading.classList.add("lw-header-underline");
    applyInlineStyle(heading, attrs.style);
    ctx.el.appendChild(heading);
    return {
      destroy() {
        heading.remove();
      },
    };
  },
};
