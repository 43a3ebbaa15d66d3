// Bundles the server entry with esbuild: `next build` does not compile server/, and tsc leaves
// `@/` aliases unresolved (architecture.md, known traps). Dependencies stay external.
import { build } from 'esbuild';

await build({
  entryPoints: ['server/main.ts'],
  outfile: 'dist/codex-web.mjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  sourcemap: true,
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
});
