// Small helpers the account and project pages share: reading a form, and putting the API's per-field
// errors next to their fields (as text, never HTML).

export function values(form) {
  const out = {};
  for (const [key, value] of new FormData(form).entries()) out[key] = value;
  return out;
}

// The element that shows errors for `field`: #<field>-error or [data-error-for=field].
function errorSlot(root, field) {
  return root.querySelector(`[data-error-for="${CSS.escape(field)}"]`) || root.querySelector(`#${CSS.escape(field)}-error`);
}

export function clearErrors(root) {
  for (const node of root.querySelectorAll(".field-error")) node.textContent = "";
  for (const node of root.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
}

// Show an ApiError: each field's messages next to the field, the rest in `general` (an element).
export function showErrors(root, error, general) {
  clearErrors(root);
  let placed = false;
  for (const [field, messages] of Object.entries(error.errors || {})) {
    const slot = errorSlot(root, field);
    if (!slot) continue;
    slot.textContent = [].concat(messages).join(" ");
    const input = root.querySelector(`[name="${CSS.escape(field)}"]`);
    if (input) input.setAttribute("aria-invalid", "true");
    placed = true;
  }
  if (general) {
    general.textContent = placed ? "" : error.message;
    general.classList.toggle("hidden", placed);
  }
}

export function flash(node, text, ok = true) {
  node.textContent = text;
  node.classList.toggle("error", !ok);
  node.classList.toggle("ok", ok);
}

export async function copyText(input) {
  input.select();
  try {
    await navigator.clipboard.writeText(input.value);
  } catch {
    document.execCommand("copy");
  }
}
