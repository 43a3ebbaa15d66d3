// A child on a pseudo-terminal (`command/exec` with tty: true). forkpty makes it a session leader, so a group
// kill (kill.ts) reaches everything it started.
import { createRequire } from 'node:module';
import type { IPty } from '@lydell/node-pty';
import { groupKiller } from './kill';
import type { ExecExit, ExecProcess, SpawnSpec, TerminalSize } from './process';

/** The pty package is external to the server bundle and loaded on first tty use (keeps app-server startup lean). */
const PTY_PACKAGE = '@lydell/node-pty';

type PtyModule = typeof import('@lydell/node-pty');
let ptyModule: PtyModule | null | undefined;

/** The PTY implementation, or null when the package (or its prebuilt binary for this platform) is missing. */
export function loadPty(): PtyModule | null {
  if (ptyModule === undefined) {
    try {
      ptyModule = createRequire(import.meta.url)(PTY_PACKAGE) as PtyModule;
    } catch {
      ptyModule = null;
    }
  }
  return ptyModule;
}

/** Spawns on a new PTY; its output (stdout and stderr multiplexed by the terminal) is reported as stdout. */
export function spawnPty(pty: PtyModule, spec: SpawnSpec & { size: TerminalSize }): ExecProcess {
  const term: IPty = pty.spawn(spec.file, spec.args, {
    cwd: spec.cwd,
    env: spec.env as Record<string, string>,
    cols: spec.size.cols,
    rows: spec.size.rows,
    // Raw bytes: a UTF-8 sequence split across reads must not be mangled before it is base64-encoded.
    encoding: null,
  });
  const killer = groupKiller(term.pid);
  let stdinOpen = true;
  let midLine = false;
  term.onData((d: string | Buffer) => spec.onOutput(typeof d === 'string' ? Buffer.from(d, 'utf8') : d, 'stdout'));
  // node-pty reports exit only after the terminal's output was read to the end.
  const done = new Promise<ExecExit>((resolve) =>
    term.onExit(({ exitCode, signal }) => {
      stdinOpen = false;
      killer.reap();
      resolve(signal ? { code: null, signal } : { code: exitCode, signal: 0 });
    }),
  );
  return {
    pid: term.pid,
    done,
    write(bytes) {
      if (!stdinOpen || bytes.length === 0) return;
      (term.write as (data: string | Buffer) => void)(bytes);
      const last = bytes[bytes.length - 1];
      midLine = last !== 0x0a && last !== 0x0d;
    },
    // node-pty queues writes internally and does not expose the backlog.
    stdinBacklog: () => 0,
    closeStdin() {
      // A terminal has no stdin to close: end-of-file is the EOF character (^D) at the start of a line (a first
      // ^D only flushes a partial line).
      if (stdinOpen) term.write(midLine ? '\x04\x04' : '\x04');
      stdinOpen = false;
    },
    resize(size) {
      term.resize(size.cols, size.rows);
    },
    kill: (hard) => killer.kill(hard),
  };
}
