/**
 * A backup operation that cannot go on; the message is the one sentence the user reads, the code
 * is what `--json` readers branch on.
 */
export class BackupError extends Error {
  override name = "BackupError";
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
