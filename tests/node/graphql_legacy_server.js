// A legacy subscriptions-transport-ws server (subprotocol `graphql-ws`) for the tests: prints
// its port, then serves until stdin closes. The same schema as graphql_server.js, plus
// `token`, which answers the connection_init payload's token (what onConnect made the
// operations' context), and a `ka` keep-alive every KEEPALIVE_MS (the first argument).
const http = require("http");
const { SubscriptionServer } = require("subscriptions-transport-ws");
const { buildSchema, execute, subscribe } = require("graphql");

const schema = buildSchema(`
  type Query { hello: String, token: String }
  type Subscription { countdown(from: Int!): Int, forever: Int }
`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const rootValue = {
  hello: () => "world",
  token: (_args, context) => context.token,
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
};
const server = http.createServer();
SubscriptionServer.create(
  {
    schema,
    execute,
    subscribe,
    rootValue,
    keepAlive: Number(process.argv[2] || 0) || undefined,
    onConnect: (params) => {
      if (params?.token === "refused") throw new Error("refused by onConnect");
      return { token: params?.token ?? null };
    },
  },
  { server, path: "/graphql" },
);
server.listen(0, "127.0.0.1", () => process.stdout.write(`${server.address().port}\n`));
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
