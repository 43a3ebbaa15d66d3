import { z } from 'zod';

export const requestId = z.union([z.string(), z.number().int()]);
export type RequestId = z.infer<typeof requestId>;

const params = z.unknown().optional();

export const inboundRequest = z.object({ id: requestId, method: z.string(), params, jsonrpc: z.literal('2.0').optional() });
export const inboundNotification = z.object({ method: z.string(), params, jsonrpc: z.literal('2.0').optional() });
export const inboundResponse = z.object({ id: requestId, result: z.unknown(), jsonrpc: z.literal('2.0').optional() });
export const inboundError = z.object({
  id: requestId.nullable(),
  error: z.object({ code: z.number(), message: z.string(), data: z.unknown().optional() }),
  jsonrpc: z.literal('2.0').optional(),
});

export type InboundMessage =
  | { kind: 'request'; msg: z.infer<typeof inboundRequest> }
  | { kind: 'notification'; msg: z.infer<typeof inboundNotification> }
  | { kind: 'response'; msg: z.infer<typeof inboundResponse> }
  | { kind: 'error'; msg: z.infer<typeof inboundError> };

/** Classifies a parsed JSON value; null when it is no JSON-RPC message at all. */
export function classifyMessage(value: unknown): InboundMessage | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  if ('method' in v) {
    if ('id' in v && v.id !== undefined && v.id !== null) {
      const r = inboundRequest.safeParse(v);
      return r.success ? { kind: 'request', msg: r.data } : null;
    }
    const n = inboundNotification.safeParse(v);
    return n.success ? { kind: 'notification', msg: n.data } : null;
  }
  if ('error' in v) {
    const e = inboundError.safeParse(v);
    return e.success ? { kind: 'error', msg: e.data } : null;
  }
  if ('result' in v) {
    const r = inboundResponse.safeParse(v);
    return r.success ? { kind: 'response', msg: r.data } : null;
  }
  return null;
}
