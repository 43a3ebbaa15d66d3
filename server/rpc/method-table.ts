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

export type MethodTable = Readonly<Record<string, MethodDef<z.ZodType, unknown>>>;

/**
 * The entry for a wire method name, or undefined. Only the table's own keys count: a name such as
 * `constructor` or `__proto__` must never reach Object.prototype (it used to crash the dispatcher).
 */
export function lookupMethod(table: MethodTable, name: string): MethodDef<z.ZodType, unknown> | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined;
}

/** A frozen, null-prototype copy of the entries: nothing inherited can be looked up by mistake. */
export function methodTable(entries: Record<string, MethodDef<z.ZodType, unknown>>): MethodTable {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, MethodDef<z.ZodType, unknown>>, entries));
}
