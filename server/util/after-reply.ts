/**
 * The ordering rule, stated once: a method's reply goes out before the events it causes (a client sees the
 * `thread/start` result before `thread/started`, the `turn/start` result before `turn/started`). Handlers
 * return their result synchronously to the transport, which writes it in this tick; `afterReply` runs `fn`
 * on the next turn of the event loop, after that write.
 */
export function afterReply(fn: () => void): void {
  setImmediate(fn);
}
