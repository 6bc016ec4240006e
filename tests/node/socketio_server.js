// A Socket.IO v4 server for the tests: prints its port, then serves until stdin closes.
// On connect it emits `welcome` with the auth it got; `echo` acknowledges with its
// arguments (binary ones come back as binary); `blob` answers with a `blob` event carrying
// N bytes 0, 1, 2 … as a Buffer and a second Buffer "end"; `flood` sends N `tick` events as
// fast as it can. The ping interval is short (300 ms) so that a client that does not answer
// pings is dropped within a second.
const { Server } = require("socket.io");
const http = require("http");

const server = http.createServer();
const io = new Server(server, { pingInterval: 300, pingTimeout: 300 });
const admin = io.of("/admin");
admin.on("connection", (socket) => {
  socket.emit("welcome", { namespace: "/admin", auth: socket.handshake.auth });
});
io.on("connection", (socket) => {
  socket.emit("welcome", { hello: "world", auth: socket.handshake.auth });
  socket.on("echo", (...args) => {
    const ack = typeof args[args.length - 1] === "function" ? args.pop() : null;
    if (ack) ack({ echoed: args });
    else socket.emit("echoed", ...args);
  });
  socket.on("blob", (count) => {
    const bytes = Buffer.from(Array.from({ length: count }, (_, i) => i % 256));
    socket.emit("blob", { size: count, bytes }, Buffer.from("end"));
  });
  socket.on("flood", (count) => {
    for (let i = 0; i < count; i++) socket.emit("tick", i);
    socket.emit("flooded", count);
  });
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${server.address().port}\n`);
});
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
