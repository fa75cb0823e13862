import { countRows, qualifiedName, userTables } from "../backup/tables.ts";
import { connect, type SqlClient } from "../sql.ts";

/**
 * The disaster recovery plan's "verify recovery": connect to a restored branch, compare its
 * tables' row counts with the live database, check its migration history has no failed row, and
 * run the app's readiness query there. Differences in counts are reported, not judged: a branch
 * of an earlier moment is expected to differ; the report is what a person decides on.
 */
export interface TableComparison {
  table: string;
  live: number | null;
  branch: number | null;
}

export interface BranchVerification {
  /** Connected, no failed migration, readiness query answered. */
  healthy: boolean;
  tables: TableComparison[];
  /** Tables whose counts differ, or that exist on one side only. */
  differences: TableComparison[];
  failedMigrations: string[];
  appliedMigrations: string[];
  ready: boolean;
  problems: string[];
}

/** Every user table's exact row count, by schema-qualified name, in one snapshot (one statement). */
async function tableCounts(db: SqlClient): Promise<Map<string, number>> {
  const tables = await userTables(db);
  const counts = await countRows(db, tables);
  return new Map(tables.map((table, i) => [table.schema === "public" ? table.name : qualifiedName(table), counts[i] ?? 0]));
}

export async function verifyBranch(branchUrl: string, liveUrl: string): Promise<BranchVerification> {
  const problems: string[] = [];
  let branch;
  try {
    branch = await connect(branchUrl, { applicationName: "dbctl recovery verify" });
  } catch (error) {
    return { healthy: false, tables: [], differences: [], failedMigrations: [], appliedMigrations: [], ready: false, problems: [`cannot connect to the branch: ${(error as Error).message}`] };
  }
  try {
    const branchCounts = await tableCounts(branch);
    const live = await connect(liveUrl, { applicationName: "dbctl recovery verify" }).catch((error: Error) => {
      problems.push(`cannot connect to the live database to compare: ${error.message}`);
      return undefined;
    });
    const liveCounts = live ? await tableCounts(live).finally(() => live.close()) : new Map<string, number>();

    const names = [...new Set([...branchCounts.keys(), ...liveCounts.keys()])].sort();
    const tables = names.map((table) => ({ table, live: live ? (liveCounts.get(table) ?? null) : null, branch: branchCounts.get(table) ?? null }));
    const differences = live ? tables.filter((t) => t.live !== t.branch) : [];

    let failedMigrations: string[] = [];
    let appliedMigrations: string[] = [];
    if (branchCounts.has("_prisma_migrations")) {
      const history = await branch.query<{ migration_name: string; failed: boolean }>(
        `SELECT migration_name, (finished_at IS NULL AND rolled_back_at IS NULL) AS failed FROM "_prisma_migrations" WHERE rolled_back_at IS NULL ORDER BY migration_name`,
      );
      failedMigrations = history.rows.filter((r) => r.failed).map((r) => r.migration_name);
      appliedMigrations = history.rows.filter((r) => !r.failed).map((r) => r.migration_name);
      if (failedMigrations.length) problems.push(`failed migrations in the branch: ${failedMigrations.join(", ")}`);
    } else {
      problems.push("the branch has no _prisma_migrations table: it predates the schema");
    }

    // The same round trip GET /health/ready makes.
    let ready = false;
    try {
      await branch.query(`SELECT m.enabled FROM (SELECT 1) AS one LEFT JOIN "MaintenanceMode" m ON m.id = 1`);
      ready = true;
    } catch (error) {
      problems.push(`the app's readiness query fails on the branch: ${(error as Error).message}`);
    }
    return { healthy: ready && failedMigrations.length === 0 && appliedMigrations.length > 0, tables, differences, failedMigrations, appliedMigrations, ready, problems };
  } finally {
    await branch.close();
  }
}
