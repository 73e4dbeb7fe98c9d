/**
 * A slower link to MariaDB for the bench (`--db-latency <ms>`, issue 56: the MariaDB ladder with
 * 1 ms added to each database round trip). A TCP proxy in a process of its own that holds each
 * chunk on its way to MariaDB for `ms` before sending it on, in order; answers come back at once.
 * Loopback has no `tc netem` in this environment, so the delay is added here.
 *
 *   node --import tsx server/bench/db-latency.ts <target host:port> <ms>   (prints its port)
 */
import net from "node:net";

const [target = "127.0.0.1:3306", msArg = "1"] = process.argv.slice(2);
const [host, port] = [target.slice(0, target.lastIndexOf(":")), Number(target.slice(target.lastIndexOf(":") + 1))];
const ms = Number(msArg);

const server = net.createServer((client) => {
  const upstream = net.connect(port, host);
  client.setNoDelay(true);
  upstream.setNoDelay(true);
  const onTheWay: { at: number; data: Buffer }[] = [];
  const sendDue = (): void => {
    while (onTheWay.length > 0 && onTheWay[0]!.at <= performance.now()) upstream.write(onTheWay.shift()!.data);
    if (onTheWay.length > 0) setTimeout(sendDue, onTheWay[0]!.at - performance.now());
  };
  client.on("data", (data: Buffer) => {
    onTheWay.push({ at: performance.now() + ms, data });
    if (onTheWay.length === 1) setTimeout(sendDue, ms);
  });
  upstream.on("data", (data: Buffer) => client.write(data));
  for (const s of [client, upstream]) s.on("error", () => undefined);
  client.on("close", () => upstream.destroy());
  upstream.on("close", () => client.destroy());
});
server.listen(0, "127.0.0.1", () => process.stdout.write(`${(server.address() as net.AddressInfo).port}\n`));
