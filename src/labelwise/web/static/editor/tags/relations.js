// <Relations><Relation value="..."/></Relations>: the relation labels a relation may carry. Relations
// themselves are made in the core (a selected region, Alt+R or the ⇢ button, then the target region)
// and listed and labeled in the regions panel; this tag only says how, where the config put it.

export default {
  mount(ctx) {
    const hint = document.createElement("p");
    hint.className = "lw-relations-hint";
    const labels = (ctx.schema.relations || []).map((o) => o.alias || o.value);
    hint.textContent = `Relations${labels.length ? ` (${labels.join(", ")})` : ""}: select a region, press Alt+R or ⇢, then click the target region.`;
    ctx.el.appendChild(hint);
    return { destroy: () => hint.remove() };
  },
};
