import { el, labelled } from './dom.js';

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  enum?: unknown[];
  default?: unknown;
  description?: string;
  anyOf?: JsonSchema[];
};

/** Fields set by the page itself (from the data), never shown in a form. */
const HIDDEN = new Set(['dim', 'contextDim', 'seed']);

/** A config form built from a plugin's JSON schema: how a user's own plugin gets a form too. */
export interface SchemaForm {
  element: HTMLElement;
  /** The values the person set (unset optional fields are left out, so the schema's defaults apply). */
  value(): Record<string, unknown>;
}

function control(id: string, schema: JsonSchema): { node: HTMLElement; read(): unknown } {
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  const values = schema.enum ?? schema.anyOf?.flatMap((s) => s.enum ?? []);
  if (values !== undefined && values.length > 0 && values.every((v) => typeof v === 'string')) {
    const node = el('select', { id });
    node.append(el('option', { value: '' }, '(default)'));
    for (const v of values as string[]) node.append(el('option', { value: v }, v));
    if (typeof schema.default === 'string') node.value = schema.default;
    return { node, read: () => (node.value === '' ? undefined : node.value) };
  }
  if (type === 'number' || type === 'integer') {
    const node = el('input', { id, type: 'number', step: type === 'integer' ? '1' : 'any' });
    if (typeof schema.default === 'number') node.value = String(schema.default);
    return { node, read: () => (node.value === '' ? undefined : Number(node.value)) };
  }
  if (type === 'boolean') {
    const node = el('input', { id, type: 'checkbox' });
    node.checked = schema.default === true;
    return { node, read: () => node.checked };
  }
  // Objects, arrays and unions: JSON text, checked by the plugin's schema in the worker.
  const node = el('textarea', { id, rows: '2', placeholder: 'JSON (empty: default)' });
  if (schema.default !== undefined) node.value = JSON.stringify(schema.default);
  return {
    node,
    read: () => {
      if (node.value.trim() === '') return undefined;
      try {
        return JSON.parse(node.value);
      } catch {
        throw new Error(`${id}: expected JSON, got '${node.value}'`);
      }
    },
  };
}

/** Builds the form of `schema`'s properties; `prefix` keeps element ids unique on the page. */
export function schemaForm(schema: Record<string, unknown>, prefix: string): SchemaForm {
  const properties = (schema as JsonSchema).properties ?? {};
  const fields = Object.entries(properties)
    .filter(([name]) => !HIDDEN.has(name))
    .map(([name, property]) => ({ name, ...control(`${prefix}-${name}`, property) }));
  const element = el('div', { class: 'schema-form' });
  for (const f of fields) element.append(labelled(f.name, f.node));
  if (fields.length === 0) element.append(el('em', {}, 'no options'));
  return {
    element,
    value: () =>
      Object.fromEntries(
        fields.flatMap((f) => {
          const v = f.read();
          return v === undefined ? [] : [[f.name, v]];
        }),
      ),
  };
}
