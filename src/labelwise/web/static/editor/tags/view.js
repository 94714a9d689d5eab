// <View> is drawn by layout.js (a plain container with the config's style and className); this module
// exists so a nested View can also be mounted on its own (e.g. by a preview) with the same rules.
import { applyInlineStyle } from "../layout.js";

export default {
  mount(ctx) {
    applyInlineStyle(ctx.el, ctx.node.attrs && ctx.node.attrs.style);
    ctx.el.classList.add("lw-view");
    return { destroy() {} };
  },
};
