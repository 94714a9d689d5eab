// <Rectangle>, <Polygon>, <KeyPoint>, <Ellipse> without labels: a toggle button that picks the tool on
// its images (the Image object draws the shapes; with no label armed, a drag draws with the picked tool).

const NAMES = { rectangle: "Rectangle", polygon: "Polygon", keypoint: "Key point", ellipse: "Ellipse" };

export default {
  mount(ctx) {
    const { el, tag: control, editor } = ctx;
    const b = document.createElement("button");
    b.type = "button";
    b.className = "lw-label lw-tool";
    b.textContent = NAMES[control.type] || control.tag;
    b.setAttribute("aria-pressed", "false");
    el.appendChild(b);
    const images = () => (control.to_name || []).map((name) => editor.object(name)).filter((o) => o && o.setTool);
    const render = () => b.setAttribute("aria-pressed", String(images().some((o) => o.tool() === control.name)));
    function onClick() {
      for (const image of images()) image.setTool(image.tool() === control.name ? null : control.name);
    }
    b.addEventListener("click", onClick);
    document.addEventListener("lw-tool-change", render);
    render();
    return {
      destroy() {
        b.removeEventListener("click", onClick);
        document.removeEventListener("lw-tool-change", render);
        b.remove();
      },
    };
  },
};
