import { OpsError } from "../errors.ts";

/**
 * A backup operation that cannot go on; the message is the one sentence the user reads, the code
 * is what `--json` readers branch on.
 */
export class BackupError extends OpsError {
  override name = "BackupError";
}
