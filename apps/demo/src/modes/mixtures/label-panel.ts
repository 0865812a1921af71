import { el, labelled } from '../../ui/dom.js';
import { colorOf } from './figures.js';
import { LabelSet } from './labels.js';
import type { LabelledPoints } from './protocol.js';

/**
 * The semi-supervised controls: the component a click gives (`#label-class`), how many points are
 * labelled (`#label-count`), the last click (`#label-last`: the point's cluster and its new label),
 * the epochs on the labels alone, "Train with labels" and "Clear labels", and after such a training
 * how many labelled points the model predicts as their label (`#label-agreement`).
 */
export class LabelPanel {
  readonly labels = new LabelSet();
  readonly element: HTMLElement;
  readonly trainButton = el('button', { id: 'train-labels' }, 'Train with labels');
  private readonly menu = el('select', { id: 'label-class' });
  private readonly count = el('span', { id: 'label-count', class: 'status' });
  private readonly lastClick = el('span', { id: 'label-last', class: 'status' });
  private readonly agreement = el('span', { id: 'label-agreement', class: 'status' });
  private readonly pretrain = el('input', { id: 'pretrain-epochs', type: 'number', value: '0', min: '0' });
  private readonly clearButton = el('button', { id: 'clear-labels' }, 'Clear labels');
  /** The labels of the last labelled job, to compare with the predictions it reports. */
  private sent: number[] = [];

  /** `changed` runs after the labels change (to redraw them). */
  constructor(private readonly changed: () => void) {
    this.element = el(
      'fieldset',
      {},
      el('legend', {}, 'Labels (semi-supervised)'),
      el('div', { class: 'hint' }, 'Click a point in the data plot to give it this component:'),
      labelled('label', this.menu),
      this.count,
      el('br'),
      this.lastClick,
      el('br'),
      labelled('epochs on the labels first', this.pretrain),
      el('br'),
      this.trainButton,
      this.clearButton,
      el('br'),
      this.agreement,
    );
    this.menu.addEventListener('change', () => this.colorMenu());
    this.clearButton.addEventListener('click', () => this.clear());
    this.setComponents(1);
    this.showCount();
  }

  /** Offers components 0..k-1 (keeping the chosen one when it still exists). */
  setComponents(k: number): void {
    const previous = Number(this.menu.value);
    this.menu.replaceChildren(
      ...Array.from({ length: k }, (_, c) =>
        el(
          'option',
          { value: String(c), style: `color: ${colorOf(c)}; font-weight: 600` },
          `● component ${c}`,
        ),
      ),
    );
    this.menu.value = String(previous < k ? previous : 0);
    this.colorMenu();
  }

  /** Labels `row` with the chosen component; `cluster` is its current argmax q(z|x), if known. */
  label(row: number[], cluster: number | undefined): void {
    const label = Number(this.menu.value);
    this.labels.set(row, label);
    const where = row
      .slice(0, 2)
      .map((v) => v.toFixed(2))
      .join(', ');
    this.lastClick.dataset.label = String(label);
    if (cluster === undefined) delete this.lastClick.dataset.cluster;
    else this.lastClick.dataset.cluster = String(cluster);
    this.lastClick.textContent = `(${where})${cluster === undefined ? '' : ` in cluster ${cluster}`} → label ${label}`;
    this.showCount();
    this.changed();
  }

  clear(): void {
    this.labels.clear();
    this.lastClick.textContent = '';
    this.showCount();
    this.changed();
  }

  /** The labelled points for a job with K components; throws when there are none or one is >= K. */
  points(k: number): LabelledPoints {
    const all = this.labels.all;
    if (all.length === 0) throw new Error('labels: click points in the data plot to label them first');
    const outside = all.find((l) => l.label >= k);
    if (outside !== undefined) {
      throw new Error(`labels: component ${outside.label} is beyond K = ${k}; clear the labels or raise K`);
    }
    this.sent = all.map((l) => l.label);
    return { x: all.map((l) => l.row), labels: this.sent, pretrainEpochs: Number(this.pretrain.value) };
  }

  /** Shows how many of the last labelled job's points the model predicts as their label. */
  showPredictions(step: number, predicted: readonly number[]): void {
    const agree = predicted.filter((p, i) => p === this.sent[i]).length;
    this.agreement.dataset.agree = String(agree);
    this.agreement.dataset.total = String(predicted.length);
    this.agreement.textContent = `step ${step}: ${agree} of ${predicted.length} labelled points predicted as their label`;
  }

  private colorMenu(): void {
    this.menu.style.color = colorOf(Number(this.menu.value));
  }

  private showCount(): void {
    const n = this.labels.size;
    this.count.dataset.count = String(n);
    this.count.textContent = `${n} labelled point${n === 1 ? '' : 's'}`;
    this.trainButton.disabled = n === 0;
  }
}
