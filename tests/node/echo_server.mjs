// The `ws` package's README example "Simple server", echoing each message back, on a port
// the system picks; prints the port for the test that started it.
import { WebSocketServer } from 'ws';

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });

wss.on('connection', function connection(ws) {
  ws.on('error', console.error);
  ws.on('message', function message(data, isBinary) {
    ws.send(data, { binary: isBinary });
  });
});

wss.on('listening', () => console.log(`PORT ${wss.address().port}`));
