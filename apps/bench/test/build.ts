// Global setup of the bench's tests: builds the bench (tsc and the browser bundle) so the
// end-to-end test runs the current code, after checking that the workspace packages it imports
// are built (turbo does that before `test`; by hand see the message).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export default function setup(): void {
  const missing = ['core', 'bijectors', 'distributions', 'datasets'].filter(
    (name) => !existsSync(`${root}/node_modules/@diffeo/${name}/dist/index.js`),
  );
  if (missing.length > 0) {
    throw new Error(
      `The bench runs the built packages; not built: ${missing.map((m) => `@diffeo/${m}`).join(', ')}. ` +
        'Build them with `npx pnpm@10.34.9 exec turbo run build --filter=@diffeo/bench^...` from the repository root.',
    );
  }
  const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  execFileSync(process.execPath, ['scripts/bundle-browser.mjs'], { cwd: root, stdio: 'inherit' });
}
