import { type Figure, renderSvg } from '@diffeo/plots';

/** Draws a figure into a container as SVG (the same renderer as the bench's figures). */
export async function draw(container: HTMLElement, figure: Figure): Promise<void> {
  container.innerHTML = await renderSvg(figure);
}
