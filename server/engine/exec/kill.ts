// Process-group kills. Every child we spawn leads its own process group (pipes: detached spawn; PTY: forkpty
// makes a session leader), so a signal to -pid reaches the command and everything it started. Under bwrap the
// group leader is bwrap itself; its --die-with-parent and PID namespace take the sandboxed tree down with it.

/** SIGTERM first; SIGKILL this long after, for whatever ignored it. */
export const DEFAULT_KILL_GRACE_MS = 50;
/** After the process exits, how long to wait for pipes held open by leftover background children. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 2000;

export function killGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    // ESRCH: the group is already gone.
  }
}

export interface GroupKiller {
  /** SIGTERM to the group, SIGKILL after the grace (once: later calls are no-ops); `hard` sends SIGKILL at once. */
  kill(hard?: boolean): void;
  /** Leftover group members (background children) do not outlive the command: SIGKILL now. */
  reap(): void;
  /** Disarms a pending SIGKILL (the process never really started). */
  cancel(): void;
}

export function groupKiller(pid: number, graceMs = DEFAULT_KILL_GRACE_MS): GroupKiller {
  let timer: NodeJS.Timeout | undefined;
  return {
    kill(hard = false) {
      if (hard) {
        clearTimeout(timer);
        killGroup(pid, 'SIGKILL');
        return;
      }
      if (timer) return;
      killGroup(pid, 'SIGTERM');
      timer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
    },
    reap() {
      clearTimeout(timer);
      killGroup(pid, 'SIGKILL');
    },
    cancel() {
      clearTimeout(timer);
    },
  };
}
