export type TurnStatus = 'inProgress' | 'completed' | 'interrupted' | 'failed';

export interface TurnError {
  message: string;
  codexErrorInfo: string | Record<string, unknown> | null;
  additionalDetails: string | null;
}

export type UserInput = { type: 'text'; text: string } | { type: 'image'; url: string } | { type: 'localImage'; path: string };

/** ThreadItem, tagged by `type` (docs/protocol.md#core-objects). Other item kinds arrive with the turns work. */
export type ThreadItem =
  | { type: 'userMessage'; id: string; content: UserInput[] }
  | { type: 'agentMessage'; id: string; text: string }
  | { type: 'reasoning'; id: string; summary: string[]; content: string[] }
  | { type: 'plan'; id: string; text: string }
  | { type: 'contextCompaction'; id: string }
  | { type: string; id: string; [key: string]: unknown };

export interface Turn {
  id: string;
  items: ThreadItem[];
  status: TurnStatus;
  error: TurnError | null;
  startedAt: number | null;
  completedAt: number | null;
  durationMs: number | null;
}
