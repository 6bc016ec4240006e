// A `ws` server behind Node's `https` that demands a client certificate signed by the CA it
// is given (requestCert, rejectUnauthorized). Usage: node mtls_server.mjs CERT KEY CA.
// Prints its port, then one line per accepted connection: SUBJECT {the peer certificate's
// subject as JSON}. Ends when its stdin closes.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { WebSocketServer } from 'ws';

const [cert, key, ca] = process.argv.slice(2).map((path) => readFileSync(path));
const server = createServer({ cert, key, ca, requestCert: true, rejectUnauthorized: true });
const wss = new WebSocketServer({ server });

wss.on('connection', (ws, request) => {
  const subject = request.socket.getPeerCertificate().subject;
  console.log(`SUBJECT ${JSON.stringify(subject)}`);
  ws.on('error', console.error);
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});

server.listen(0, '127.0.0.1', () => console.log(server.address().port));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
