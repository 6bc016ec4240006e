// A graphql-ws server for the tests: prints its port, then serves until stdin closes.
// `countdown(from: Int!)` streams from..1 and completes; `forever` ticks until stopped;
// `hello` is a query.
const { WebSocketServer } = require("ws");
const { useServer } = require("graphql-ws/use/ws");
const { buildSchema } = require("graphql");

const schema = buildSchema(`
  type Query { hello: String }
  type Subscription { countdown(from: Int!): Int, forever: Int }
`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const roots = {
  query: { hello: () => "world" },
  subscription: {
    countdown: async function* ({ from }) {
      for (let i = from; i > 0; i--) {
        yield { countdown: i };
        await sleep(5);
      }
    },
    forever: async function* () {
      for (let i = 0; ; i++) {
        yield { forever: i };
        await sleep(20);
      }
    },
  },
};
const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
useServer(
  {
    schema,
    roots,
    onConnect: (ctx) => ctx.connectionParams?.token !== "refused",
  },
  wss,
);
wss.on("listening", () => process.stdout.write(`${wss.address().port}\n`));
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
