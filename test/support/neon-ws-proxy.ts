import { connect as tcpConnect } from "node:net";
import { WebSocketServer } from "ws";

/**
 * A WebSocket-to-TCP tunnel that speaks like Neon's wsproxy (`ws://host:port/v2?address=db:5432`):
 * Neon's serverless driver sends the Postgres wire protocol over a WebSocket, the proxy relays it
 * to the server. With it, the Neon driver path runs against the test's real PostgreSQL.
 */
export async function startNeonWsProxy(): Promise<{ address: string; connections: () => number; close: () => Promise<void> }> {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => server.once("listening", resolve));
  let opened = 0;
  server.on("connection", (ws, request) => {
    const target = new URL(request.url ?? "/", "ws://proxy").searchParams.get("address") ?? "";
    const [host, port] = target.split(":");
    if (!host || !port) return ws.close(1008, "address=host:port required");
    opened++;
    const socket = tcpConnect(Number(port), host);
    socket.on("data", (chunk) => ws.readyState === ws.OPEN && ws.send(chunk));
    socket.on("close", () => ws.close());
    socket.on("error", () => ws.close());
    ws.on("message", (data) => socket.write(data as Buffer));
    ws.on("close", () => socket.end());
  });
  const { port } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${port}/v2`,
    connections: () => opened,
    close: () =>
      new Promise((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}
