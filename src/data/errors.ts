/**
 * One error type for everything that can be wrong with a dataset (missing folder or file, bad
 * format, failed download), so the CLI and the app can show the message as-is instead of a stack.
 * Messages always name the file or folder and say what was expected versus what was found.
 */
export class DataError extends Error {
  override readonly name = 'DataError';
  /** The file, folder or URL the problem is about, when there is one. */
  readonly path: string | undefined;

  constructor(message: string, options: { path?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.path = options.path;
  }
}
