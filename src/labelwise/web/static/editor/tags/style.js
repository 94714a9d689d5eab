// <Style>: the config's CSS, applied through a constructable stylesheet scoped to this editor's root with
// @scope, so it styles the editor and nothing else on the page. Never a <style> element (the CSP forbids
// inline style); @import is ignored by replaceSync, and rules that fetch (url()) are dropped.

export default {
  mount(ctx) {
    const css = ctx.node.text || "";
    const scope = ctx.editor.scopeClass;
    const sheet = new CSSStyleSheet();
    const safe = css.replace(/@import[^;]*;?/gi, "").replace(/url\([^)]*\)/gi, "none");
    try {
      // Parse first, then wrap rule by rule: a stray "}" in the config cannot close the scope early.
      const parsed = new CSSStyleSheet();
      parsed.replaceSync(safe);
      const rules = [...parsed.cssRules].map((rule) => rule.cssText).join("\n");
      sheet.replaceSync(`@scope (.${scope}) {\n${rules}\n}`);
    } catch {
      return { destroy() {} };
    }
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    return {
      destroy() {
        document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== sheet);
      },
    };
  },
};
