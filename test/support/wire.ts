/** The slice of the app-server v2 wire shapes the tests look at (defined here, not imported from server/). */
export type RequestId = number | string;

export interface RpcErrorBody {
  code: number;
  message: string;
  data?: unknown;
}

export interface RpcMessage {
  id?: RequestId | null;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: RpcErrorBody;
}

export interface RpcResponse<T> {
  id: RequestId;
  result: T;
}

export interface RpcErrorMessage {
  id: RequestId | null;
  error: RpcErrorBody;
}

export interface RpcNotification<P> {
  method: string;
  params: P;
}

export interface WireTurn {
  id: string;
  status: string;
  items: unknown[];
}

export interface WireThread {
  id: string;
  name: string | null;
  preview: string;
  createdAt: number;
  updatedAt: number;
  status: { type: string };
  source: string;
  turns: WireTurn[];
  [key: string]: unknown;
}

export interface ThreadListResult {
  data: WireThread[];
  nextCursor: string | null;
}

export interface ThreadSessionResult {
  thread: WireThread;
  model: string;
  modelProvider: string;
}

/** The title search matches: the name when set, else the preview (docs/protocol.md#threads). */
export const titleOf = (t: WireThread): string => t.name ?? t.preview;
