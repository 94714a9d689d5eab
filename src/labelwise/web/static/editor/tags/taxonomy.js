// <Taxonomy>: a tree of nested <Choice>s; every chosen node is a path from the top ([["Electronics",
// "Audio", "Headphones"], ...]). The picker opens under a button: a search box filters the tree (matches
// show with their ancestors), and the tree follows the WAI-ARIA tree pattern: ↑/↓ move, → opens or goes
// to the first child, ← closes or goes to the parent, Enter/Space choose, Home/End, Esc closes. With
// leafsOnly="true" only leaves can be chosen; maxUsages caps the number of paths (1 replaces).
import { bag, binding, frame, h, isShown, localKeys, onResults, optionValue, requiredCheck } from "./control.js";

const keyOf = (path) => JSON.stringify(path);

export default {
  mount(ctx) {
    const { tag, store, keys } = ctx;
    const listeners = bag();
    const bind = binding(ctx, "taxonomy");
    const ui = frame(ctx, "lw-taxonomy");
    const readOnly = !!(ctx.editor && ctx.editor.readOnly);
    const leafsOnly = !!tag.leafs_only;
    const maxUsages = tag.max_usages || Number.parseInt(tag.attrs?.maxUsages ?? "", 10) || 0;
    const separator = tag.attrs?.pathSeparator || " / ";

    // One node per option, in tree order.
    const nodes = [];
    const byKey = new Map();
    function build(options, parent, depth) {
      return options.map((option) => {
        const path = parent ? [...parent.path, optionValue(option)] : [optionValue(option)];
        const node = { option, path, key: keyOf(path), labels: parent ? [...parent.labels, option.value] : [option.value], depth, parent, children: [] };
        nodes.push(node);
        byKey.set(node.key, node);
        node.children = build(option.children || [], node, depth + 1);
        return node;
      });
    }
    const roots = build(tag.options || [], null, 0);
    const expanded = new Set();
    let filter = "";
    let focusedKey = roots[0] ? roots[0].key : null;

    const chips = h("ul", { class: "lw-taxonomy-chips", "aria-label": "Chosen" });
    const toggle = h("button", { type: "button", class: "lw-btn lw-taxonomy-toggle", "aria-expanded": "false", disabled: readOnly, text: tag.placeholder || "Choose…" });
    const search = h("input", { type: "search", class: "lw-input lw-taxonomy-search", placeholder: "Search", "aria-label": `Search ${tag.name}`, disabled: readOnly });
    const tree = h("ul", { class: "lw-taxonomy-tree", role: "tree", "aria-multiselectable": String(maxUsages !== 1), "aria-label": tag.attrs?.title || tag.name });
    const empty = h("div", { class: "lw-muted lw-taxonomy-empty", text: "Nothing matches", hidden: true });
    const panel = h("div", { class: "lw-taxonomy-panel", hidden: true }, search, tree, empty);
    const note = h("div", { class: "lw-muted lw-taxonomy-note" });
    ui.body.append(chips, toggle, panel, note);

    // Rows, nested as the tree is.
    function rowsFor(list, parentUl) {
      for (const node of list) {
        const li = h("li", { role: "treeitem", class: "lw-tree-item", tabindex: "-1", "aria-level": node.depth + 1, dataset: { key: node.key } });
        const row = h("div", { class: "lw-tree-row" });
        row.style.paddingLeft = `${node.depth * 1.25 + 0.25}rem`;
        const twisty = h("span", { class: "lw-tree-twisty", "aria-hidden": "true", text: node.children.length ? "▸" : "" });
        const box = h("span", { class: "lw-tree-check", "aria-hidden": "true" });
        const text = h("span", { class: "lw-tree-text", text: node.option.value });
        row.append(twisty, box, text);
        if (node.option.hint) row.title = node.option.hint;
        li.append(row);
        node.li = li;
        node.twisty = twisty;
        if (node.children.length) {
          const ul = h("ul", { role: "group", class: "lw-tree-group" });
          node.group = ul;
          li.append(ul);
          rowsFor(node.children, ul);
        }
        parentUl.append(li);
      }
    }
    rowsFor(roots, tree);

    // Stored paths in this control's form: a step may name a node by value or alias (both are valid).
    function canonical(path) {
      let level = roots;
      let node = null;
      for (const step of path) {
        node = level.find((n) => n.option.value === step || optionValue(n.option) === step);
        if (!node) return path;
        level = node.children;
      }
      return node ? node.path : path;
    }
    const chosen = () => {
      const value = bind.read();
      if (!Array.isArray(value)) return [];
      const seen = new Set();
      return value.filter(Array.isArray).map(canonical).filter((p) => !seen.has(keyOf(p)) && seen.add(keyOf(p)));
    };
    const selectable = (node) => !leafsOnly || !node.children.length;
    const matches = (node) => !filter || node.labels[node.labels.length - 1].toLowerCase().includes(filter);
    function shownByFilter(node) {
      if (!filter) return true;
      if (node.shownCache !== undefined) return node.shownCache;
      node.shownCache = matches(node) || node.children.some(shownByFilter);
      return node.shownCache;
    }
    const isOpen = (node) => (filter ? node.children.some(shownByFilter) : expanded.has(node.key));
    function visible() {
      const out = [];
      const walk = (list) => {
        for (const node of list) {
          if (!shownByFilter(node)) continue;
          out.push(node);
          if (node.children.length && isOpen(node)) walk(node.children);
        }
      };
      walk(roots);
      return out;
    }

    function choose(node) {
      if (readOnly || !node) return;
      if (!selectable(node)) {
        setOpen(node, !isOpen(node));
        return;
      }
      const now = chosen();
      const has = now.some((p) => keyOf(p) === node.key);
      let next;
      if (has) next = now.filter((p) => keyOf(p) !== node.key);
      else if (maxUsages === 1) next = [node.path];
      else if (maxUsages && now.length >= maxUsages) {
        note.textContent = `At most ${maxUsages} choices`;
        return;
      } else next = [...now, node.path];
      note.textContent = "";
      bind.write(next.length ? next : null);
    }

    function setOpen(node, open) {
      if (!node.children.length || filter) return;
      if (open) expanded.add(node.key);
      else expanded.delete(node.key);
      renderTree();
    }

    function focusNode(node) {
      if (!node) return;
      focusedKey = node.key;
      renderTree();
      node.li.focus();
    }

    function openPanel(open, focusSearch = true) {
      panel.hidden = !open;
      toggle.setAttribute("aria-expanded", String(open));
      if (open) {
        // Show the chosen nodes: open their ancestors.
        for (const path of chosen()) for (let i = 1; i < path.length; i += 1) expanded.add(keyOf(path.slice(0, i)));
        renderTree();
        if (focusSearch) search.focus();
      }
    }

    listeners.on(toggle, "click", () => openPanel(panel.hidden));
    listeners.on(search, "input", () => {
      filter = search.value.trim().toLowerCase();
      renderTree();
    });
    listeners.on(search, "keydown", (event) => {
      if (event.key === "ArrowDown" || event.key === "Enter") {
        event.preventDefault();
        const first = visible().find((n) => !filter || matches(n)) || visible()[0];
        focusNode(first);
      } else if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        if (search.value) {
          search.value = "";
          filter = "";
          renderTree();
        } else {
          openPanel(false);
          toggle.focus();
        }
      }
    });
    listeners.on(tree, "click", (event) => {
      const li = event.target instanceof Element ? event.target.closest(".lw-tree-item") : null;
      const node = li && byKey.get(li.dataset.key);
      if (!node) return;
      event.stopPropagation();
      focusedKey = node.key;
      if (event.target.closest(".lw-tree-twisty") && node.children.length) setOpen(node, !isOpen(node));
      else choose(node);
      renderTree();
    });
    const TREE_KEYS = ["arrowdown", "arrowup", "arrowleft", "arrowright", "home", "end", "enter", "space", "escape"];
    listeners.add(localKeys(keys, tree, TREE_KEYS, (event) => {
      if (event.ctrlKey || event.metaKey || event.altKey || (event.shiftKey && event.key.length !== 1)) return false;
      const list = visible();
      const node = byKey.get(focusedKey);
      const at = list.indexOf(node);
      let handled = true;
      switch (event.key) {
        case "ArrowDown":
          focusNode(list[Math.min(list.length - 1, at + 1)]);
          break;
        case "ArrowUp":
          if (at <= 0) search.focus();
          else focusNode(list[at - 1]);
          break;
        case "ArrowRight":
          if (node && node.children.length && !isOpen(node)) setOpen(node, true);
          else if (node && node.children.length) focusNode(node.children.find(shownByFilter));
          break;
        case "ArrowLeft":
          if (node && node.children.length && isOpen(node) && !filter) setOpen(node, false);
          else if (node && node.parent) focusNode(node.parent);
          break;
        case "Home":
          focusNode(list[0]);
          break;
        case "End":
          focusNode(list[list.length - 1]);
          break;
        case "Enter":
        case " ":
          choose(node);
          break;
        case "Escape":
          openPanel(false);
          toggle.focus();
          break;
        default:
          // Typing a letter in the tree searches.
          if (event.key.length === 1 && event.key !== " " && !event.ctrlKey && !event.metaKey && !event.altKey) {
            search.focus();
            search.value += event.key;
            filter = search.value.trim().toLowerCase();
            renderTree();
          } else handled = false;
      }
      return handled;
    }));

    if (tag.hotkey && keys) {
      listeners.add(keys.bind(tag.hotkey, `Open ${tag.name}`, () => (isShown(toggle) ? (openPanel(true), true) : false), { group: "Taxonomy" }));
    }

    function renderTree() {
      for (const node of nodes) node.shownCache = undefined;
      const picked = new Set(chosen().map(keyOf));
      const list = visible();
      if (!list.some((n) => n.key === focusedKey)) focusedKey = list[0] ? list[0].key : null;
      const shown = new Set(list.map((n) => n.key));
      for (const node of nodes) {
        node.li.hidden = !shown.has(node.key);
        const on = picked.has(node.key);
        node.li.setAttribute("aria-selected", String(on));
        node.li.classList.toggle("is-chosen", on);
        node.li.classList.toggle("is-match", !!filter && matches(node));
        node.li.classList.toggle("is-disabled", !selectable(node));
        node.li.tabIndex = node.key === focusedKey ? 0 : -1;
        if (node.children.length) {
          const open = isOpen(node);
          node.li.setAttribute("aria-expanded", String(open));
          node.group.hidden = !open;
          node.twisty.textContent = open ? "▾" : "▸";
        }
      }
      empty.hidden = list.length > 0;
    }

    function render() {
      ui.root.hidden = bind.perRegion && !bind.region();
      const now = chosen();
      chips.replaceChildren(
        ...now.map((path) => {
          const node = byKey.get(keyOf(path));
          const text = (node ? node.labels : path).join(separator);
          const chip = h("li", { class: "lw-chip" }, h("span", { text }));
          if (!readOnly) {
            const remove = h("button", { type: "button", class: "lw-chip-remove", "aria-label": `Remove ${text}`, text: "×" });
            remove.addEventListener("click", () => {
              const rest = chosen().filter((p) => keyOf(p) !== keyOf(path));
              bind.write(rest.length ? rest : null);
            });
            chip.append(remove);
          }
          return chip;
        }),
      );
      chips.hidden = !now.length;
      if (now.length) ui.showError("");
      if (!panel.hidden) renderTree();
    }

    listeners.add(onResults(store, bind, render));
    render();

    return {
      validate() {
        return requiredCheck(ctx, bind, ui, "Choose a category");
      },
      focus() {
        toggle.focus();
      },
      destroy() {
        listeners.dispose();
        ui.root.remove();
      },
    };
  },
};
