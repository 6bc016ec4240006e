// A Socket.IO v4 server that floods, for the flood benchmark's decoded-protocol rows
// (benchmarks/flood_socketio.py), started as the tests start theirs (tests/helpers/node.py):
// prints its port, then serves until stdin closes.
//
// A client connecting to /socket.io/?n=N&size=S (the default namespace) gets N `tick`
// events of about S bytes each on the wire (`42["tick",{"seq":i,"pad":"xx…"}]`), as fast
// as the connection takes them, then a disconnect. Engine.IO pings every 500 ms and gives a
// client 5 s to answer, so a client that does not answer pings is dropped mid-flood but a
// slow reader is not.
"use strict";

const { Server } = require("socket.io");
const http = require("http");

// Events handed to Socket.IO in one turn of Node's loop, at most, and what Engine.IO and ws may
// hold unsent before the flood waits: emit() never blocks, so without a bound a flood would
// queue every event in memory at once.
const BATCH = 256;
const HIGH_WATER = 1024;
const HIGH_WATER_BYTES = 256 * 1024;

function pad(size, seq) {
  // 42["tick",{"seq":N,"pad":""}] is 28 bytes and the digits of N.
  const overhead = 28 + String(seq).length;
  return "x".repeat(Math.max(0, size - overhead));
}

function flood(socket, n, size) {
  const conn = socket.conn;
  let sent = 0;
  // The ws under Engine.IO's websocket transport (its bufferedAmount: bytes not yet written).
  const wire = () => (conn.transport && conn.transport.socket) || { bufferedAmount: 0 };
  const pump = () => {
    if (!socket.connected) return;
    for (
      let i = 0;
      i < BATCH && sent < n && conn.writeBuffer.length < HIGH_WATER &&
      wire().bufferedAmount < HIGH_WATER_BYTES;
      i++
    ) {
      socket.emit("tick", { seq: sent, pad: pad(size, sent) });
      sent += 1;
    }
    if (sent >= n) {
      // close() waits for the write buffer to drain before the transport closes.
      socket.disconnect(true);
      return;
    }
    // Back to the loop every turn, written or not (as benchmarks/node/flood_server.js): a
    // flood chained on the transport's drain kept Node writing without reading its socket,
    // so pongs and a Close waited behind it.
    setImmediate(pump);
  };
  pump();
}

const server = http.createServer();
const io = new Server(server, { pingInterval: 500, pingTimeout: 5000, maxHttpBufferSize: 1e8 });
io.on("connection", (socket) => {
  const query = socket.handshake.query;
  flood(socket, parseInt(query.n || "100000", 10), parseInt(query.size || "100", 10));
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${server.address().port}\n`);
});
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
