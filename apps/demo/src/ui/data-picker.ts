import type { Catalog, DataChoice } from '../protocol.js';
import { el, labelled, select } from './dom.js';
import { type SchemaForm, schemaForm } from './schema-form.js';

/** A data-set menu (every registered data set, and "upload a CSV") with the chosen set's config form. */
export interface DataPicker {
  element: HTMLElement;
  /** The select, to listen to or to read the chosen type. */
  select: HTMLSelectElement;
  /** The chosen data; throws when a CSV is chosen but no file is. */
  choice(): Promise<DataChoice>;
}

/**
 * Builds a data picker whose controls have ids `id` (the menu), `${id}-csv` (the file input) and
 * `${id}-<field>` (the config form), so a page may hold several. `initialConfig` sets fields of
 * the `initial` set's form (e.g. a power other than the schema's default).
 */
export function dataPicker(
  catalog: Catalog,
  id: string,
  initial: string,
  initialConfig: Record<string, string | number> = {},
): DataPicker {
  const menu = select(
    id,
    [...catalog.datasets.map((d) => [d.type, d.type] as const), ['csv', 'upload a CSV…']],
    initial,
  );
  const csvInput = el('input', { id: `${id}-csv`, type: 'file', accept: '.csv,text/csv' });
  const form = el('div');
  let options: SchemaForm | undefined;
  const showForm = () => {
    const entry = catalog.datasets.find((d) => d.type === menu.value);
    options = entry === undefined ? undefined : schemaForm(entry.schema, id);
    form.replaceChildren(options?.element ?? labelled('CSV file (numeric columns)', csvInput));
    if (menu.value !== initial) return;
    for (const [field, value] of Object.entries(initialConfig)) {
      const control = form.querySelector<HTMLInputElement | HTMLSelectElement>(`#${id}-${field}`);
      if (control !== null) control.value = String(value);
    }
  };
  menu.addEventListener('change', showForm);
  showForm();
  return {
    element: el('div', {}, labelled('data set', menu), form),
    select: menu,
    async choice() {
      if (menu.value !== 'csv') return { kind: 'dataset', type: menu.value, config: options?.value() ?? {} };
      const file = csvInput.files?.[0];
      if (file === undefined) throw new Error('CSV: choose a file first');
      return { kind: 'csv', text: await file.text() };
    },
  };
}
