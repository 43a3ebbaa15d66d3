import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.scratch/', '.next/', 'dist/', 'db/migrations/', 'test-results/', 'playwright-report/', 'next-env.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The browser side never imports backend modules (architecture.md): two copies of every module otherwise.
    files: ['app/**', 'components/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [{ group: ['@/server/*', '@/db/*', '../server/*', '../../server/*', '../db/*', '../../db/*'], allowTypeImports: true, message: 'UI code may only import types from server/ or db/.' }],
      }],
    },
  },
  {
    // test/ is for tests only: what ships (server, UI, the demo) and what is shared (testkit/, e2e, benchmarks)
    // never imports from it; shared fakes and config writers live in testkit/.
    files: ['server/**', 'db/**', 'app/**', 'components/**', 'scripts/**', 'testkit/**', 'e2e/**', 'bench/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/test/*', '@/test/*'], message: 'Import shared test code from testkit/, not test/.' }] }],
    },
  },
  {
    files: ['**/*.mjs', 'scripts/**'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
