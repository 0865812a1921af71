import type { ExperimentTable } from './types.js';

const cell = (s: string) => s.replace(/\|/g, '\\|');

/** A table as GitHub Markdown, ready to paste into a README. */
export function renderMarkdownTable(table: ExperimentTable): string {
  const widths = table.header.map((h, i) =>
    Math.max(3, cell(h).length, ...table.rows.map((r) => cell(r[i] ?? '').length)),
  );
  const line = (cells: string[]) => `| ${cells.map((c, i) => cell(c).padEnd(widths[i]!)).join(' | ')} |`;
  return [
    `**${table.title}**`,
    '',
    line(table.header),
    `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`,
    ...table.rows.map(line),
    ...(table.notes === undefined || table.notes.length === 0 ? [] : ['', ...table.notes]),
  ].join('\n');
}
