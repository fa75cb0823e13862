import { connect, createServer, type Socket } from "node:net";

/**
 * A TCP relay in front of PostgreSQL that reads the client's side of the wire protocol as it
 * passes, to count what a request costs: connections, round trips (a client flight, sent after
 * the server last spoke, is one), the part of them spent opening the connection (startup and
 * authentication, before the first statement), statements (Parse or Query messages) and the
 * transactions among them (a BEGIN).
 */
export interface WireCount {
  connections: number;
  roundTrips: number;
  setupRoundTrips: number;
  statements: number;
  transactions: number;
}

export interface WireTap {
  /** `url` with its host and port replaced by the tap's. */
  url(url: string): string;
  /** What passed since the last take, once every connection opened since has closed. */
  take(): Promise<WireCount>;
  close(): Promise<void>;
}

const zero = (): WireCount => ({ connections: 0, roundTrips: 0, setupRoundTrips: 0, statements: 0, transactions: 0 });

/** Startup-phase request codes that carry no message type byte. */
const UNTYPED = new Set([80877103 /* SSLRequest */, 80877104 /* GSSENCRequest */, 196608 /* protocol 3.0 StartupMessage */]);

/**
 * The client's messages, one call each as they complete: "startup" for the untyped ones of the
 * startup phase, else the message's type byte, with a statement's text.
 */
function frontendReader(onMessage: (type: string, text?: string) => void) {
  let buffer = Buffer.alloc(0);
  let started = false;
  return (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      if (!started) {
        if (buffer.length < 8) return;
        const length = buffer.readInt32BE(0);
        if (buffer.length < length) return;
        const code = buffer.readInt32BE(4);
        if (code === 196608 || !UNTYPED.has(code)) started = true;
        buffer = buffer.subarray(length);
        onMessage("startup");
        continue;
      }
      if (buffer.length < 5) return;
      const length = buffer.readInt32BE(1) + 1;
      if (buffer.length < length) return;
      const type = String.fromCharCode(buffer[0] as number);
      // Parse: statement name, NUL, query text, NUL...; Query: the text, NUL.
      const body = buffer.subarray(5, length);
      const text = type === "P" || type === "Q" ? (type === "P" ? body.subarray(body.indexOf(0) + 1) : body).toString("utf8").replace(/\0[\s\S]*$/, "") : undefined;
      buffer = buffer.subarray(length);
      onMessage(type, text);
    }
  };
}

export async function startWireTap(target: { host: string; port: number }): Promise<WireTap> {
  let count = zero();
  let open = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    count.connections++;
    open++;
    const upstream = connect(target.port, target.host);
    sockets.add(client).add(upstream);
    // A flight starts with the first message the client sends after the server last spoke. A
    // Terminate alone waits for nothing, so it is no round trip.
    let serverSpoke = true;
    let flights = 0;
    let queried = false;
    const read = frontendReader((type, text) => {
      if (type === "X") return;
      if (serverSpoke) {
        serverSpoke = false;
        flights++;
        count.roundTrips++;
      }
      if (text === undefined) return;
      count.statements++;
      if (/^\s*BEGIN\b/i.test(text)) count.transactions++;
      if (!queried) {
        queried = true;
        count.setupRoundTrips += flights - 1;
      }
    });
    client.on("data", (chunk: Buffer) => {
      read(chunk);
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      serverSpoke = true;
      client.write(chunk);
    });
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      open--;
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const socket of [client, upstream]) {
      socket.on("close", close);
      socket.on("error", close);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url(url) {
      const parsed = new URL(url);
      parsed.hostname = "127.0.0.1";
      parsed.port = String(port);
      return parsed.toString();
    },
    async take() {
      const deadline = Date.now() + 10_000;
      while (open > 0) {
        if (Date.now() > deadline) throw new Error(`${open} connection(s) through the wire tap stayed open`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const taken = count;
      count = zero();
      return taken;
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
