import { diffeoVitestConfig } from '@diffeo/vitest-config';

export default diffeoVitestConfig();
