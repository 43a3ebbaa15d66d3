// Types of ensure-reference.mjs for the TypeScript that imports it (tests, benchmarks).
export declare const REFERENCE_VERSION: string;
export declare function referencePaths(version?: string): { dir: string; codex: string; schema: string };
export declare function ensureReference(opts?: { version?: string; log?: (line: string) => void }): { dir: string; codex: string; schema: string };
