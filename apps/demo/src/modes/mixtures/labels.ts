/** A labelled point: a full data row and the component a person gave it. */
export interface Label {
  row: number[];
  label: number;
}

/** The index of the row nearest to `at` in the first two columns (-1 when there are none). */
export function nearestRow(rows: readonly (readonly number[])[], at: readonly [number, number]): number {
  let best = -1;
  let bestDistance = Infinity;
  rows.forEach((row, i) => {
    const d = (row[0]! - at[0]) ** 2 + (row[1]! - at[1]) ** 2;
    if (d < bestDistance) {
      best = i;
      bestDistance = d;
    }
  });
  return best;
}

/** The points a person labelled; labelling a point again changes its label. */
export class LabelSet {
  private items: Label[] = [];

  get size(): number {
    return this.items.length;
  }

  get all(): readonly Label[] {
    return this.items;
  }

  set(row: number[], label: number): void {
    const same = this.items.find((l) => l.row.length === row.length && l.row.every((v, j) => v === row[j]));
    if (same !== undefined) same.label = label;
    else this.items.push({ row, label });
  }

  clear(): void {
    this.items = [];
  }
}
