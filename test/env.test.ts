import { describe, expect, it } from "vitest";
import { ConfigError, loadEnv, maskUrl } from "../src/env.ts";

describe("configuration", () => {
  it("applies the documented defaults to an empty environment", () => {
    const env = loadEnv({});
    expect(env).toMatchObject({
      APP_ENV: "development",
      DATABASE_DRIVER: "auto",
      PORT: 8787,
      SESSION_TTL_HOURS: 720,
      PBKDF2_ITERATIONS: 100_000,
      MAX_BODY_BYTES: 1_048_576,
      DB_READY_TIMEOUT_MS: 2_000,
    });
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it("treats empty strings as unset", () => {
    expect(loadEnv({ DATABASE_URL: "", PORT: "" }).PORT).toBe(8787);
  });

  it.each([
    [{ DATABASE_URL: "mysql://x" }, "DATABASE_URL"],
    [{ DIRECT_URL: "prisma://accelerate.prisma-data.net/?api_key=k" }, "DIRECT_URL"],
    [{ PORT: "eighty" }, "PORT"],
    [{ APP_ENV: "prod" }, "APP_ENV"],
    [{ PBKDF2_ITERATIONS: "200000" }, "PBKDF2_ITERATIONS"],
    [{ DATABASE_DRIVER: "mysql" }, "DATABASE_DRIVER"],
    [{ NEON_WS_PROXY: "ws://x" }, "NEON_WS_PROXY"],
  ])("refuses %j, naming %s", (raw, name) => {
    expect(() => loadEnv(raw)).toThrow(ConfigError);
    expect(() => loadEnv(raw)).toThrow(new RegExp(`${name}:`));
  });

  it("never echoes a rejected value that might be a secret", () => {
    try {
      loadEnv({ DATABASE_URL: "mysql://user:hunter2@host/db" });
      expect.unreachable();
    } catch (error) {
      expect(String(error)).not.toContain("hunter2");
    }
  });

  describe("DIRECT_URL is always direct", () => {
    it.each([
      ["postgresql://u:s3cret@ep-cool-darkness-123456-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require", "use the direct URL: ep-cool-darkness-123456.us-east-2.aws.neon.tech, the same host without -pooler"],
      ["postgresql://postgres.abcdefghijklmnop:s3cret@aws-0-us-east-1.pooler.supabase.com:6543/postgres?pgbouncer=true", "use the direct URL: db.abcdefghijklmnop.supabase.co:5432"],
      ["postgresql://u:s3cret@pooler.host:6543/dbname?pgbouncer=true", "use the direct URL: the database's own host and port"],
      ["postgres://u:s3cret@pooled.db.prisma.io:5432/?sslmode=require", "use the direct URL: db.prisma.io"],
      ["prisma+postgres://localhost:51213/?api_key=s3cret", "use the direct URL: the postgres:// TCP URL `prisma dev` prints"],
    ])("refuses the pooled %s, naming the direct one", (url, direct) => {
      expect(() => loadEnv({ DIRECT_URL: url })).toThrow(ConfigError);
      expect(() => loadEnv({ DIRECT_URL: url })).toThrow(/^Invalid configuration: DIRECT_URL: points at /);
      expect(() => loadEnv({ DIRECT_URL: url })).toThrow(direct);
      expect(() => loadEnv({ DIRECT_URL: url })).not.toThrow(/s3cret/);
    });

    it.each([
      "postgresql://u:s3cret@ep-cool-darkness-123456.us-east-2.aws.neon.tech/neondb?sslmode=require",
      // The guide's Supabase DIRECT_URL: the shared pooler in session mode, where the session is the client's own.
      "postgresql://postgres.abcdefghijklmnop:s3cret@aws-0-us-east-1.pooler.supabase.com:5432/postgres",
      "postgres://u:s3cret@db.prisma.io:5432/?sslmode=require",
    ])("takes the direct %s", (url) => {
      expect(loadEnv({ DIRECT_URL: url }).DIRECT_URL).toBe(url);
    });

    it("a pooled DATABASE_URL is what the app is meant to have", () => {
      const pooled = "postgresql://u:s3cret@ep-cool-darkness-123456-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require";
      expect(loadEnv({ DATABASE_URL: pooled }).DATABASE_URL).toBe(pooled);
    });
  });

  // What every entry sees: npm start prints it and exits 1, the Worker answers 500 MISCONFIGURED
  // with it (fetch) or throws it (scheduled), dbctl prints it; all through loadEnv's ConfigError.
  describe("a hosted Accelerate DATABASE_URL fails at start", () => {
    it.each(["prisma://accelerate.prisma-data.net/?api_key=s3cret", "prisma+postgres://accelerate.prisma-data.net/?api_key=s3cret"])("%s", (url) => {
      let message = "";
      try {
        loadEnv({ DATABASE_URL: url });
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        message = (error as Error).message;
      }
      expect(message).toMatch(/^Invalid configuration: DATABASE_URL: is a hosted Prisma Accelerate URL \(accelerate\.prisma-data\.net\), which was retired on 2026-12-01: /);
      expect(message).toContain("use Neon's pooled URL with the serverless driver, Hyperdrive on Workers");
      expect(message).not.toContain("s3cret");
      expect(message).not.toContain("\n");
    });

    it("an Accelerate-protocol endpoint of your own (`prisma dev`) keeps working", () => {
      const local = "prisma+postgres://localhost:51213/?api_key=k";
      expect(loadEnv({ DATABASE_URL: local }).DATABASE_URL).toBe(local);
    });
  });

  it.each([
    ["postgresql://user:s3cret@host:5432/db", "postgresql://user:****@host:5432/db"],
    ["prisma://accelerate.prisma-data.net/?api_key=abc123", "prisma://accelerate.prisma-data.net/?api_key=****"],
    ["postgresql://host/db", "postgresql://host/db"],
  ])("masks %s", (url, masked) => {
    expect(maskUrl(url)).toBe(masked);
    expect(maskUrl(url)).not.toMatch(/s3cret|abc123/);
  });
});
