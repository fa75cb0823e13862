import { oneLine } from "../../../text.ts";
import { locked } from "./http-error.ts";
import type { EmulatorModel } from "./model.ts";
import { type EmulatedAction, type OperationRecord, newOperationId, operationStatus } from "./records.ts";
import { type NeonOperation, renderOperation } from "./render.ts";

/**
 * Neon's operations: a change answers at once with operations that report `running` (for at
 * least the configured delay, so clients really poll) and end `finished` or `failed` with the
 * backend's error. While one runs, another change is refused with 423 Locked, as Neon does.
 * The backend work runs in the background, one change after another.
 */
export class OperationRunner {
  private readonly operations = new Map<string, OperationRecord>();
  private work: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly model: EmulatorModel,
    private readonly delayMs: number,
  ) {}

  create(action: EmulatedAction, branchId: string, endpointId?: string): OperationRecord {
    const now = new Date();
    const op: OperationRecord = {
      id: newOperationId(),
      branchId,
      ...(endpointId && { endpointId }),
      action,
      createdAt: now,
      updatedAt: now,
      runningUntil: now.getTime() + this.delayMs,
    };
    this.operations.set(op.id, op);
    return op;
  }

  get(id: string): OperationRecord | undefined {
    return this.operations.get(id);
  }

  /** Newest first, as Neon lists them. */
  list(): OperationRecord[] {
    return [...this.operations.values()].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  }

  render(op: OperationRecord): NeonOperation {
    return renderOperation(op, this.model.projectId);
  }

  assertNoneRunning(): void {
    const now = Date.now();
    if ([...this.operations.values()].some((op) => operationStatus(op, now) === "running")) {
      throw locked("project already has running conflicting operations, scheduling of new ones is prohibited");
    }
  }

  /** Runs a change in the background; its operations end finished or failed with its error. */
  run(operations: OperationRecord[], work: () => Promise<unknown>, settle: (ok: boolean) => void): void {
    const task = this.work.then(async () => {
      let error: unknown;
      try {
        await work();
      } catch (e) {
        error = e;
      }
      await this.model.exclusively(() => {
        const now = new Date();
        settle(error === undefined);
        const reason = error === undefined ? undefined : oneLine(error instanceof Error ? error.message : String(error));
        for (const op of operations) {
          op.updatedAt = now;
          op.result = reason === undefined ? { ok: true } : { ok: false, error: reason };
        }
        if (reason !== undefined) this.model.log(`operation failed: ${reason}`);
        this.model.save();
      });
    });
    this.work = task.catch(() => undefined);
  }

  /** Waits for the operations in flight. */
  async idle(): Promise<void> {
    await this.work;
  }
}
