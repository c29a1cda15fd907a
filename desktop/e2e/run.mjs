// `npm run e2e`: every browser test, one file at a time (the machine has two cores).
// Without FINESTRA_URL each file starts its own mock server on a free port.

import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
if (!process.env.FINESTRA_URL && !existsSync(new URL('../dist/index.html', import.meta.url))) {
  console.error('e2e: dist/ is missing; run `npm run build` first, or set FINESTRA_URL');
  process.exit(2);
}
const files = readdirSync(here)
  .filter((name) => name.endsWith('.test.mjs'))
  .sort()
  .map((name) => `${here}${name}`);
const child = spawn(process.execPath, ['--test', '--test-concurrency=1', ...process.argv.slice(2), ...files], {
  stdio: 'inherit',
});
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
