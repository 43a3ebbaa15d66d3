/** JSON-RPC error codes we answer with (docs/protocol.md#order-of-checks). */
export const ErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  Overloaded: -32001,
} as const;

export interface JsonRpcErrorBody {
  code: number;
  message: string;
  data?: unknown;
}

/** Errors are values with a code (docs/architecture.md#errors-are-values); both APIs map them in one place. */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
    /** What went wrong, for transports with richer codes than JSON-RPC (tRPC's NOT_FOUND). */
    readonly kind: 'notFound' | null = null,
  ) {
    super(message);
  }

  toBody(): JsonRpcErrorBody {
    return this.data === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, data: this.data };
  }
}

export const invalidRequest = (message: string) => new RpcError(ErrorCode.InvalidRequest, message);
export const overloaded = () => new RpcError(ErrorCode.Overloaded, 'Server overloaded; retry later.');
export const threadNotFound = (threadId: string) => new RpcError(ErrorCode.InvalidRequest, `thread ${threadId} not found`, undefined, 'notFound');

/** Largest inbound message (one stdio line or one WebSocket text frame). */
export const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
