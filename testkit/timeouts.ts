/** Every wait for a message gives up after this long (tests must never hang on a missing message). */
export const READ_TIMEOUT_MS = 8_000;
