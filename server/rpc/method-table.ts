import type { z } from 'zod';
import type { Services } from '../services/services';
import type { Subscriber } from '../services/event-hub';

/** What a handler knows of the connection that called it; transports stay out of services. */
export interface CallContext {
  subscriber: Subscriber;
  experimentalApi: boolean;
  services: Services;
}

export interface MethodDef<S extends z.ZodType = z.ZodType, R = unknown> {
  params: S;
  /** The whole method needs the experimentalApi capability. */
  experimental?: boolean;
  /** Names the first experimental field (`method.field`) or enum variant (`type.variant`) in use, if any. */
  experimentalUse?: (params: z.output<S>) => string | null;
  handler: (params: z.output<S>, ctx: CallContext) => Promise<R> | R;
}

/** Identity helper that keeps each entry's params and handler types tied together. */
export function method<S extends z.ZodType, R>(def: MethodDef<S, R>): MethodDef<S, R> {
  return def;
}

export type MethodTable = Record<string, MethodDef<z.ZodType, unknown>>;
