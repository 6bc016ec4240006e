// A plain Node `ws` client for the tests: connects to argv[2], sends each further argument as a
// text message, one at a time, each after the answer to the one before, then closes with 1000.
// Prints one JSON line per event: {"open": subprotocol}, {"message": text}, {"close": code}.
"use strict";
const WebSocket = require("ws");

const [url, ...messages] = process.argv.slice(2);
const ws = new WebSocket(url);
const say = (record) => process.stdout.write(JSON.stringify(record) + "\n");
let next = 0;

function sendNext() {
  if (next < messages.length) {
    ws.send(messages[next++]);
  } else {
    ws.close(1000, "done");
  }
}

ws.on("open", () => {
  say({ open: ws.protocol });
  sendNext();
});
ws.on("message", (data) => {
  say({ message: data.toString() });
  sendNext();
});
ws.on("close", (code, reason) => {
  say({ close: code, reason: reason.toString() });
  process.exit(0);
});
ws.on("error", (error) => {
  say({ error: String(error) });
  process.exit(1);
});
