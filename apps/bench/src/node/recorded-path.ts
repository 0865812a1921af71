import { existsSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository this bench belongs to: the nearest folder above this file with `pnpm-workspace.yaml`. */
function findRepoRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
  return dir;
}

export const REPO_ROOT = findRepoRoot();

/**
 * A path as a results file records it: relative to the repository when inside it, else its file
 * name alone (another machine's folders, such as /tmp, mean nothing to a reader of the file).
 */
export function recordedPath(path: string, root = REPO_ROOT): string {
  const absolute = resolve(path);
  if (root !== undefined) {
    const inside = relative(root, absolute);
    if (inside !== '' && !inside.startsWith('..') && !isAbsolute(inside)) return inside.split(sep).join('/');
  }
  return basename(absolute);
}

/** A command line's words as a results file records them: the value of each of `pathOptions` as `recordedPath` gives it. */
export function recordedCommand(
  words: readonly string[],
  pathOptions: readonly string[],
  root = REPO_ROOT,
): string[] {
  return words.map((word, i) => {
    const [option, value] = word.split(/=(.*)/s, 2);
    if (value !== undefined && option !== undefined && pathOptions.includes(option))
      return `${option}=${recordedPath(value, root)}`;
    const previous = words[i - 1];
    return previous !== undefined && pathOptions.includes(previous) ? recordedPath(word, root) : word;
  });
}
