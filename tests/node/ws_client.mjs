// A client nobody here wrote: Node's `ws`. Connects to argv[2] (offering the subprotocol
// argv[3] if given), prints what happens as JSON lines, sends each line read on stdin.
import WebSocket from "ws";
import readline from "node:readline";

const [url, protocol] = process.argv.slice(2);
const ws = new WebSocket(url, protocol ? [protocol] : []);
const out = (event) => process.stdout.write(JSON.stringify(event) + "\n");
ws.on("open", () => out({ event: "open", protocol: ws.protocol }));
ws.on("message", (data, isBinary) =>
  out({ event: "message", data: data.toString(), binary: isBinary }),
);
ws.on("ping", () => out({ event: "ping" }));
ws.on("close", (code, reason) => {
  out({ event: "close", code, reason: reason.toString() });
  process.exit(0);
});
ws.on("unexpected-response", (_request, response) => {
  out({ event: "rejected", status: response.statusCode });
  process.exit(0);
});
ws.on("error", (error) => out({ event: "error", message: String(error.message) }));
readline.createInterface({ input: process.stdin }).on("line", (line) => ws.send(line));
