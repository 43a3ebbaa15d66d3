import path from 'node:path';
import type { ThreadRow } from '../../../db/schema';
import { sessionSourceOf, type GitInfo, type Thread, type ThreadStatus } from '../../protocol/thread';
import type { Turn } from '../../protocol/turn';

const toSeconds = (ms: number) => Math.floor(ms / 1000);

/** The wire Thread for a metadata row (timestamps in unix seconds; docs/protocol.md#core-objects). */
export function threadToWire(opts: {
  row: ThreadRow;
  status: ThreadStatus;
  ephemeral: boolean;
  dbFile: string;
  turns?: Turn[];
}): Thread {
  const { row } = opts;
  return {
    id: row.id,
    sessionId: row.id,
    forkedFromId: row.forkedFromId,
    parentThreadId: null,
    preview: row.preview,
    ephemeral: opts.ephemeral,
    projectId: null,
    modelProvider: row.modelProvider,
    model: row.model,
    reasoningEffort: null,
    createdAt: toSeconds(row.createdAt),
    updatedAt: toSeconds(row.updatedAt),
    status: opts.status,
    // A stable locator into our SQLite store; ephemeral threads are never stored.
    path: opts.ephemeral ? null : `${path.resolve(opts.dbFile)}#thread=${row.id}`,
    cwd: row.cwd,
    cliVersion: row.cliVersion,
    source: sessionSourceOf(row.source),
    agentNickname: null,
    agentRole: null,
    gitInfo: (row.gitInfo as GitInfo | null) ?? null,
    name: row.name,
    turns: opts.turns ?? [],
  };
}
