/** What a person reads when a voice call fails or ends (docs/realtime.md#the-browsers-call). */

export const HIGH_DEMAND = "We're currently experiencing high demand";

/** What a person reads for a server-side error or close reason. */
export function describeRealtimeError(message: string): string {
  if (message.startsWith(HIGH_DEMAND)) return 'The voice service is busy right now. Try again in a minute.';
  if (message.includes('maximum duration')) return 'The call reached its time limit and was ended by the server.';
  if (message.includes('no activity for')) return 'The call was quiet for too long and was ended by the server.';
  if (message.startsWith('failed to join the realtime sideband')) return `The server could not join the call (${message}).`;
  return message;
}

export const CLOSE_MESSAGES: Record<string, string | null> = {
  requested: null,
  transport_closed: 'The voice service ended the call.',
  error: null,
  max_duration: 'The call reached its time limit and was ended by the server.',
  idle_timeout: 'The call was quiet for too long and was ended by the server.',
};
