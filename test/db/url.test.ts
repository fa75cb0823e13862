import { describe, expect, it } from "vitest";
import { directUrlAdvice, isHostedAccelerateUrl, isPooledUrl, pooledUrlRefusal } from "../../src/db/url.ts";

/**
 * The URL shapes of the database guide's "Connection Setup" and "Connection Pooling", and the
 * providers' own pages: which are pooled, which direct URL each stands for, which is hosted
 * Accelerate (retired on 2026-12-01) and which Accelerate-protocol endpoints keep working.
 */
const NEON_POOLED = "postgresql://neondb_owner:s3cret@ep-cool-darkness-123456-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require";
const NEON_DIRECT = "postgresql://neondb_owner:s3cret@ep-cool-darkness-123456.us-east-2.aws.neon.tech/neondb?sslmode=require";
const SUPABASE_TRANSACTION = "postgresql://postgres.abcdefghijklmnop:s3cret@aws-0-us-east-1.pooler.supabase.com:6543/postgres?pgbouncer=true";
const SUPABASE_SESSION = "postgresql://postgres.abcdefghijklmnop:s3cret@aws-0-us-east-1.pooler.supabase.com:5432/postgres";
const SUPABASE_DIRECT = "postgresql://postgres:s3cret@db.abcdefghijklmnop.supabase.co:5432/postgres";

describe("pooled or direct", () => {
  it.each([
    [NEON_POOLED, true],
    [SUPABASE_TRANSACTION, true],
    ["postgresql://u:s3cret@db.abcdefghijklmnop.supabase.co:6543/postgres", true],
    ["postgresql://u:s3cret@pooler.host:6543/dbname?pgbouncer=true", true],
    ["postgresql://u:s3cret@bouncer.internal:6432/app?pgbouncer=true", true],
    ["postgres://u:s3cret@pooled.db.prisma.io:5432/?sslmode=require", true],
    [NEON_DIRECT, false],
    [SUPABASE_SESSION, false],
    [SUPABASE_DIRECT, false],
    ["postgres://u:s3cret@db.prisma.io:5432/?sslmode=require", false],
    ["postgresql://user:password@direct.host:5432/dbname", false],
  ])("%s pooled: %s", (url, pooled) => {
    expect(isPooledUrl(url)).toBe(pooled);
    expect(directUrlAdvice(url) !== undefined).toBe(pooled);
    expect(pooledUrlRefusal(url) !== undefined).toBe(pooled);
  });
});

describe("the direct URL a pooled one stands for", () => {
  it("Neon: the same host without -pooler", () => {
    const advice = directUrlAdvice(NEON_POOLED);
    expect(advice?.pooler).toContain("Neon's connection pooler");
    expect(advice?.direct).toContain(`${new URL(NEON_DIRECT).hostname}, the same host without -pooler`);
  });

  it("Supabase's transaction pooler: db.<ref>.supabase.co:5432 from the user's project ref, or the session pooler", () => {
    const advice = directUrlAdvice(SUPABASE_TRANSACTION);
    expect(advice?.pooler).toContain("Supabase's transaction pooler (aws-0-us-east-1.pooler.supabase.com:6543)");
    expect(advice?.direct).toContain(`${new URL(SUPABASE_DIRECT).host} (the direct connection)`);
    expect(advice?.direct).toContain("session pooler on port 5432 of aws-0-us-east-1.pooler.supabase.com");
  });

  it("Supabase's dedicated pooler: the same host on 5432", () => {
    expect(directUrlAdvice("postgresql://postgres:s3cret@db.abcdefghijklmnop.supabase.co:6543/postgres")?.direct).toContain("db.abcdefghijklmnop.supabase.co:5432");
  });

  it("Prisma Postgres: db.prisma.io", () => {
    expect(directUrlAdvice("postgres://u:s3cret@pooled.db.prisma.io:5432/?sslmode=require")?.direct).toContain("db.prisma.io, with the same credentials");
  });

  it("a PgBouncer of your own: the database's own host and port", () => {
    const advice = directUrlAdvice("postgresql://u:s3cret@bouncer.internal:6432/app?pgbouncer=true");
    expect(advice?.pooler).toContain("bouncer.internal:6432, pgbouncer=true");
    expect(advice?.direct).toBe("the database's own host and port, not the pooler's");
  });

  it("the Accelerate protocol: the database's direct postgresql:// URL (prisma dev prints one)", () => {
    expect(directUrlAdvice("prisma+postgres://accelerate.prisma-data.net/?api_key=k")?.direct).toContain("the database's direct postgresql:// URL from the Prisma console");
    expect(directUrlAdvice("prisma+postgres://localhost:51213/?api_key=k")?.direct).toContain("`prisma dev` prints");
  });

  it("the refusal names the pooler and the direct host, never a credential", () => {
    for (const url of [NEON_POOLED, SUPABASE_TRANSACTION, "prisma+postgres://accelerate.prisma-data.net/?api_key=s3cret"]) {
      const refusal = pooledUrlRefusal(url) as string;
      expect(refusal).toMatch(/^points at .+; use the direct URL: .+/);
      expect(refusal).not.toContain("s3cret");
      expect(refusal).not.toContain("\n");
    }
  });
});

describe("hosted Accelerate", () => {
  it.each([
    ["prisma://accelerate.prisma-data.net/?api_key=k", true],
    ["prisma+postgres://accelerate.prisma-data.net/?api_key=k", true],
    ["  PRISMA://Accelerate.Prisma-Data.net/?api_key=k", true],
    ["prisma://aws-us-east-1.prisma-data.net/?api_key=k", true],
    // Local Prisma Postgres (`prisma dev`) and self-hosted Accelerate-protocol endpoints keep working.
    ["prisma+postgres://localhost:51213/?api_key=k", false],
    ["prisma://127.0.0.1:4466/?api_key=k", false],
    ["prisma://accelerate.example.com/?api_key=k", false],
    ["prisma://prisma-data.net.example.com/?api_key=k", false],
    // The host alone does not make a Postgres URL Accelerate.
    ["postgresql://u:p@accelerate.prisma-data.net:5432/db", false],
    ["not a url", false],
  ])("%s: %s", (url, hosted) => {
    expect(isHostedAccelerateUrl(url)).toBe(hosted);
  });
});
