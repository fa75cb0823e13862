/**
 * The one error base of the operations library. Every failure a user can act on is an OpsError:
 * a stable UPPER_SNAKE `code` for machines, one `message` sentence for people, and optional
 * `details` (plain JSON) for `--json` readers. The CLI renders any of them the same way
 * (src/cli/render-error.ts), so no caller translates one error class into another.
 */
export class OpsError extends Error {
  override name = "OpsError";
  constructor(
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}
