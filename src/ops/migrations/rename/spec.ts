import { z } from "zod";

/** What `dbctl migrate new --rename-column` and `--rename-table` are asked to rename. */

export interface ColumnRename {
  /** A table name, or a Prisma model name (mapped to its table with schema.prisma's @@map). */
  table: string;
  column: string;
  to: string;
}

export interface TableRename {
  table: string;
  to: string;
}

const IDENT = "[A-Za-z_][A-Za-z0-9_]*";
const tooLong = (names: string[]) => names.find((n) => Buffer.byteLength(n, "utf8") > 63);

export const columnRenameSchema = z
  .string()
  .trim()
  .regex(new RegExp(`^${IDENT}\\.${IDENT}:${IDENT}$`), "must be <Model|Table>.<column>:<new_column>, e.g. Note.title:heading (letters, digits, underscores)")
  .transform((value, ctx): ColumnRename => {
    const [target = "", to = ""] = value.split(":");
    const [table = "", column = ""] = target.split(".");
    const long = tooLong([table, column, to]);
    if (long) ctx.addIssue({ code: "custom", message: `"${long}" is longer than PostgreSQL's 63-byte names` });
    if (column === to) ctx.addIssue({ code: "custom", message: `the new name is the column's own name, "${column}"` });
    return { table, column, to };
  });

export const tableRenameSchema = z
  .string()
  .trim()
  .regex(new RegExp(`^${IDENT}:${IDENT}$`), "must be <Model|Table>:<NewTable>, e.g. Note:Memo (letters, digits, underscores)")
  .transform((value, ctx): TableRename => {
    const [table = "", to = ""] = value.split(":");
    const long = tooLong([table, to]);
    if (long) ctx.addIssue({ code: "custom", message: `"${long}" is longer than PostgreSQL's 63-byte names` });
    if (table === to) ctx.addIssue({ code: "custom", message: `the new name is the table's own name, "${table}"` });
    return { table, to };
  });
