/** What goes wrong with a run folder, said so the user can act on it (the message names the file). */
export class RunError extends Error {
  override readonly name: string = 'RunError';
}
