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

  it.each([
    ["postgresql://user:s3cret@host:5432/db", "postgresql://user:****@host:5432/db"],
    ["prisma://accelerate.prisma-data.net/?api_key=abc123", "prisma://accelerate.prisma-data.net/?api_key=****"],
    ["postgresql://host/db", "postgresql://host/db"],
  ])("masks %s", (url, masked) => {
    expect(maskUrl(url)).toBe(masked);
    expect(maskUrl(url)).not.toMatch(/s3cret|abc123/);
  });
});
