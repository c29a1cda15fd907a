import { fileURLToPath } from 'node:url';

import { defineConfig } from 'vitest/config';

const entry = (name: string): string => fileURLToPath(new URL(name, import.meta.url));

export default defineConfig({
  // amazon-cognito-identity-js bundles a Buffer polyfill that reads Node's `global`.
  define: { global: 'globalThis' },
  build: {
    target: 'es2022',
    sourcemap: true,
    reportCompressedSize: true,
    rollupOptions: {
      // The staff desktop, and the two citizen pages a message links to (no sign-in, no React).
      input: { index: entry('index.html'), survey: entry('survey.html'), unsubscribe: entry('unsubscribe.html') },
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
