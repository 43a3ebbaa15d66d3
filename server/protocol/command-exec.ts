// Wire types for `command/exec` and its follow-ups (reference: v2 CommandExec*.ts; field names match exactly).
import { z } from 'zod';
import { opt, sandboxPolicy } from './common';

export const commandExecTerminalSize = z.object({
  rows: z.number().int().min(1).max(1000),
  cols: z.number().int().min(1).max(1000),
});
export type CommandExecTerminalSize = z.infer<typeof commandExecTerminalSize>;

const processId = z.string().max(1024);

export const commandExecParams = z.object({
  command: z.array(z.string()),
  processId: opt(processId),
  tty: z.boolean().optional(),
  streamStdin: z.boolean().optional(),
  streamStdoutStderr: z.boolean().optional(),
  outputBytesCap: opt(z.number().int().min(0)),
  disableOutputCap: z.boolean().optional(),
  disableTimeout: z.boolean().optional(),
  timeoutMs: opt(z.number().int().min(0)),
  cwd: opt(z.string()),
  env: opt(z.record(z.string(), z.string().nullable())),
  size: opt(commandExecTerminalSize),
  sandboxPolicy: opt(sandboxPolicy),
  permissionProfile: opt(z.string()),
});
export type CommandExecParams = z.infer<typeof commandExecParams>;

export interface CommandExecResponse {
  exitCode: number;
  /** Empty when stdout was streamed via `command/exec/outputDelta`. */
  stdout: string;
  stderr: string;
}

export const commandExecWriteParams = z.object({
  processId,
  deltaBase64: opt(z.string()),
  closeStdin: z.boolean().optional(),
});
export type CommandExecWriteParams = z.infer<typeof commandExecWriteParams>;

export const commandExecResizeParams = z.object({ processId, size: commandExecTerminalSize });
export type CommandExecResizeParams = z.infer<typeof commandExecResizeParams>;

export const commandExecTerminateParams = z.object({ processId });
export type CommandExecTerminateParams = z.infer<typeof commandExecTerminateParams>;

export type CommandExecOutputStream = 'stdout' | 'stderr';

export interface CommandExecOutputDeltaNotification {
  processId: string;
  stream: CommandExecOutputStream;
  deltaBase64: string;
  /** True on the final streamed chunk of a stream whose later output `outputBytesCap` cut off. */
  capReached: boolean;
}
