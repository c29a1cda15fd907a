import { defineConfig } from 'vitest/config';

export default defineConfig({
  // amazon-cognito-identity-js bundles a Buffer polyfill that reads Node's `global`.
  define: { global: 'globalThis' },
  build: {
    target: 'es2022',
    sourcemap: true,
    reportCompressedSize: true,
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
