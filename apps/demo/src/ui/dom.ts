/** A small element builder: tag, attributes, children. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

/** A labelled control. */
export function labelled(text: string, control: HTMLElement): HTMLLabelElement {
  return el('label', {}, text, control);
}

/** A `<select>` of options `[value, label]`. */
export function select(
  id: string,
  options: readonly (readonly [string, string])[],
  value?: string,
): HTMLSelectElement {
  const node = el('select', { id });
  for (const [v, label] of options) node.append(el('option', { value: v }, label));
  if (value !== undefined) node.value = value;
  return node;
}
