import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import { context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  createConsoleLogger,
  parseDuration,
  parseSize,
  Server,
  version as executorVersion,
  withActiveLogger,
  type ConsoleLogLevel,
} from "@prisma/query-plan-executor";

/**
 * A local Accelerate-protocol endpoint: Prisma's own query-plan executor (the HTTP server
 * `prisma dev` runs behind its `prisma+postgres://` URL) over a test's real PostgreSQL, behind a
 * wrapper that does what the executor leaves to its host: the API key and the client version.
 *
 * Why not `prisma dev` itself: @prisma/dev 0.24.17 (what prisma 7.10.0 pins) needs `node:sqlite`
 * (Node 22) at start, serves its own PGlite, and bundles executor 7.2.0, which it refuses to pair
 * with any other client version. So the executor is pinned here at the client's 7.10.0.
 *
 * The Prisma Client 7.10 side (runtime/client.js, its RemoteExecutor): `prisma+postgres://` with
 * a localhost host becomes http://; it sends `Authorization: Bearer <api_key>` and
 * `Prisma-Engine-Hash: <client version>`, and calls GET /connection-info, POST /query,
 * /transaction/start and /transaction/{id}/query|commit|rollback, the executor's own routes.
 * An error answer's text becomes the PrismaClientKnownRequestError's message (code P6000).
 */
export interface AccelerateEndpoint {
  /** `prisma+postgres://localhost:<port>/?api_key=<key>`: what DATABASE_URL holds. */
  url: string;
  /** The endpoint's URL with another API key (a client it must refuse). */
  urlWithKey(apiKey: string): string;
  /** Requests the endpoint answered (refusals included). */
  requests(): number;
  stop(): Promise<void>;
}

/**
 * The executor's limits. Its response-size limit is the hosted one (P6009 past 5 MB, Prisma
 * Postgres' error reference). It cuts a transaction's timeout down to its maximum without a word
 * (App.startTransaction), so the maximum sits above the app's TRANSACTION_OPTIONS (timeout 10 s).
 */
const LIMITS = {
  queryTimeout: parseDuration("PT10S"),
  maxTransactionTimeout: parseDuration("PT15S"),
  maxTransactionWaitTime: parseDuration("PT10S"),
  maxResponseSize: parseSize("5 MiB"),
};

const digest = (value: string) => createHash("sha256").update(value).digest();

/**
 * The executor finds its logger in the OpenTelemetry context, so its host must register a context
 * manager first, as Prisma's own example host does (packages/query-plan-executor/examples/server.ts);
 * without one every request fails with "No active logger found". The executor bundles
 * @opentelemetry/api 1.9.0, which shares the process-wide registration with ours (same major).
 * A second registration is refused, and the first one serves.
 */
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

export interface EndpointOptions {
  /** The executor's own log on the console: "debug" shows each request and query. Default: off. */
  logLevel?: ConsoleLogLevel;
}

export async function startAccelerateEndpoint(databaseUrl: string, options: EndpointOptions = {}): Promise<AccelerateEndpoint> {
  const apiKey = randomBytes(24).toString("base64url");
  const expected = digest(`Bearer ${apiKey}`);
  const logLevel = options.logLevel ?? "off";
  const logger = createConsoleLogger("text", logLevel);
  const executor = await withActiveLogger(logger, () =>
    Server.create({ databaseUrl, ...LIMITS, perRequestLogContext: { logFormat: "text", logLevel } }),
  );
  let answered = 0;

  const handle = async (request: Request): Promise<Response> => {
    answered++;
    // Digests have one length, so the comparison takes the same time whatever was sent.
    if (!timingSafeEqual(digest(request.headers.get("authorization") ?? ""), expected)) {
      return new Response("Missing or wrong API key", { status: 401 });
    }
    // `prisma dev` refuses a client whose version is not its executor's: query plans are versioned with both.
    const clientVersion = request.headers.get("prisma-engine-hash");
    if (clientVersion !== executorVersion) {
      return new Response(`This endpoint's query-plan executor is ${executorVersion}; Prisma Client ${clientVersion ?? "<missing>"} cannot use it`, { status: 400 });
    }
    return executor.fetch(request);
  };

  // overrideGlobalObjects false: the test's own Request and Response stay Node's.
  const server = createServer(getRequestListener(handle, { overrideGlobalObjects: false }));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      // Loopback only. The URL names it localhost: the client speaks plain http:// to no other host.
      server.listen(0, "127.0.0.1", () => resolve());
    });
  } catch (error) {
    await withActiveLogger(logger, () => executor.shutdown());
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const urlWithKey = (key: string) => `prisma+postgres://localhost:${port}/?api_key=${encodeURIComponent(key)}`;

  return {
    url: urlWithKey(apiKey),
    urlWithKey,
    requests: () => answered,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // The client keeps its connections alive; close() alone would wait for them.
        server.closeAllConnections();
      });
      // Rolls back open transactions and closes the executor's pool to PostgreSQL.
      await withActiveLogger(logger, () => executor.shutdown());
    },
  };
}
