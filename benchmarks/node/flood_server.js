// The flood benchmark's Node `ws` server, run in its own process by benchmarks/flood.py
// (`--server node`); the same URL API as flood_server.py:
//
//     node benchmarks/node/flood_server.js [--deflate]
//
//     /flood?n=N&size=S   N text messages of S bytes, as fast as possible, then a 1000 close;
//                         n=0 floods until the client closes
//     /big?size=S         one text message of S bytes, then a 1000 close
//
// It listens on 127.0.0.1 on a free port, prints `PORT <n>` and serves until its stdin is
// closed. With --deflate it negotiates permessage-deflate and compresses every message
// (threshold 0: ws would leave messages under 1 KiB uncompressed by default).
"use strict";

const { WebSocketServer } = require("ws");

const deflate = process.argv.includes("--deflate");
// Messages handed to ws in one turn of Node's loop, and what ws may hold unsent before the
// flood waits: ws.send() never blocks, so without a bound a flood of 16 KiB messages would
// queue gigabytes.
const BATCH = 256;
const HIGH_WATER = 256 * 1024;

function textPayload(size) {
  const head = '{"type":"tick","pad":"';
  const tail = '"}';
  if (size < head.length + tail.length) return "x".repeat(size);
  return head + "x".repeat(size - head.length - tail.length) + tail;
}

function bigPayload(size) {
  const parts = ["["];
  let total = 1;
  for (let i = 0; ; i++) {
    const item = `{"id":${i},"name":"item-${i}","value":${i}.5,"tags":["a","b"]}`;
    if (total + item.length + 2 > size) break;
    if (i) {
      parts.push(",");
      total += 1;
    }
    parts.push(item);
    total += item.length;
  }
  parts.push("]");
  let data = parts.join("");
  if (data.length < size) data = data.slice(0, -1) + " ".repeat(size - data.length) + "]";
  return data.slice(0, size);
}

function flood(ws, n, payload) {
  let sent = 0;
  let closed = false;
  ws.on("close", () => {
    closed = true;
  });
  // One batch a turn, then back to the loop with setImmediate, whether the writes completed
  // or not. Chaining the next batch on write callbacks instead (as this server did) kept Node
  // writing for a second and more without polling its socket when the client kept up: the
  // client's Close frame sat unread in the kernel (`ss`: Recv-Q 8) for 0.4-0.7 s, and "Close
  // -> closed" measured this server, not the client.
  const pump = () => {
    if (closed) return;
    const count = n === 0 ? BATCH : Math.min(BATCH, n - sent);
    for (let i = 0; i < count && ws.bufferedAmount < HIGH_WATER; i++) {
      ws.send(payload);
      sent += 1;
    }
    if (n !== 0 && sent >= n) {
      closed = true;
      ws.close(1000); // queued behind the last message
      return;
    }
    setImmediate(pump);
  };
  pump();
}

const server = new WebSocketServer({
  host: "127.0.0.1",
  port: 0,
  maxPayload: 0,
  perMessageDeflate: deflate ? { threshold: 0 } : false,
});

server.on("connection", (ws, request) => {
  const url = new URL(request.url, "http://127.0.0.1");
  const size = parseInt(url.searchParams.get("size") || "100", 10);
  ws.on("error", () => {});
  if (url.pathname.replace(/\/+$/, "") === "/big") {
    ws.send(bigPayload(size), () => ws.close(1000));
    return;
  }
  flood(ws, parseInt(url.searchParams.get("n") || "200000", 10), textPayload(size));
});

server.on("listening", () => {
  process.stdout.write(`PORT ${server.address().port}\n`);
});

// EOF on stdin: the benchmark went away.
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
process.stdin.resume();
