// A Socket.IO v2 server (Engine.IO v3: the client pings, the server pongs) for the tests:
// prints its port, then serves until stdin closes. The same events as socketio_server.js:
// `welcome` on connect (with the handshake's query, v2's way of authenticating), `echo`
// acknowledges with its arguments or emits `echoed`, `blob` answers with Buffers. The ping
// interval is short (300 ms) so that a client that does not ping is dropped within a second.
const io = require("socket.io-v2");
const http = require("http");

const server = http.createServer();
const sio = io(server, { pingInterval: 300, pingTimeout: 300 });
sio.of("/admin").on("connection", (socket) => {
  socket.emit("welcome", { namespace: "/admin" });
});
sio.on("connection", (socket) => {
  socket.emit("welcome", { hello: "world", token: socket.handshake.query.token || null });
  socket.on("echo", (...args) => {
    const ack = typeof args[args.length - 1] === "function" ? args.pop() : null;
    if (ack) ack({ echoed: args });
    else socket.emit("echoed", ...args);
  });
  socket.on("blob", (count) => {
    const bytes = Buffer.from(Array.from({ length: count }, (_, i) => i % 256));
    socket.emit("blob", { size: count, bytes }, Buffer.from("end"));
  });
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${server.address().port}\n`);
});
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
