/**
 * The script a command item runs, for display: the server sends `command` as the shell-joined argv
 * (`bash -c '<script>'`, as the reference does) and the script itself as the one `unknown` command action.
 */
export function displayCommand(command: unknown, commandActions: unknown): string {
  if (Array.isArray(commandActions) && commandActions.length === 1) {
    const action: unknown = commandActions[0];
    if (typeof action === 'object' && action !== null && typeof (action as { command?: unknown }).command === 'string') {
      return (action as { command: string }).command;
    }
  }
  return typeof command === 'string' ? command : '';
}
