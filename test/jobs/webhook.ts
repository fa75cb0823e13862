import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A real HTTP endpoint standing in for Slack's incoming webhook: it keeps what it is sent. */
export interface Webhook {
  url: string;
  received: Record<string, any>[];
  close(): Promise<void>;
}

export async function startWebhook(status = 200): Promise<Webhook> {
  const received: Record<string, any>[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      received.push(JSON.parse(body));
      res.writeHead(status, { "content-type": "text/plain" }).end(status === 200 ? "ok" : "no");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks/alerts`, received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** An address nothing listens on: a webhook that is down. */
export async function deadUrl(): Promise<string> {
  const hook = await startWebhook();
  const url = hook.url;
  await hook.close();
  return url;
}
