// Bundles the server entry with esbuild: `next build` does not compile server/, and tsc leaves
// `@/` aliases unresolved (a known trap of this stack).
import { build } from 'esbuild';

await build({
  entryPoints: ['server/main.ts'],
  outdir: 'dist',
  entryNames: 'codex-web',
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  // Code splitting keeps `app-server` from loading tRPC and Next: it must answer initialize fast.
  splitting: true,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // Pure-JS dependencies are bundled (hundreds of small ESM files cost ~250 ms of startup);
  // native, optional and Next's packages stay external.
  external: ['better-sqlite3', 'next', 'next/*', 'bufferutil', 'utf-8-validate', 'react', 'react-dom'],
  sourcemap: true,
  // Bundled CommonJS dependencies (ws) call require() for Node built-ins.
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __cwCreateRequire } from 'node:module';\nconst require = __cwCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
