/**
 * The minimal server the per-call benchmarks run against: plain `node:http`, in a process of its
 * own, answering every request at once with the fixed body its path asks for (a workspace, a page
 * of 100 members, a bulk add of 100). It prints one JSON line, `{ baseUrl }`, then answers
 * `{ type: "cpu" }` messages with its CPU time in µs so far.
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { bodies, scenarioOf } from "./fixtures.js"

const encoded = Object.fromEntries(Object.entries(bodies).map(([name, body]) => [name, Buffer.from(body)])) as Record<
  keyof typeof bodies,
  Buffer
>

const server = createServer((request, response) => {
  const body = encoded[scenarioOf(request.method ?? "GET", request.url ?? "/")]
  request.resume()
  request.on("end", () => {
    response.writeHead(200, {
      "content-type": "application/json",
      "content-length": body.length,
      "x-request-id": "req_fixed"
    })
    response.end(body)
  })
})
server.keepAliveTimeout = 60_000

server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo
  process.stdout.write(JSON.stringify({ baseUrl: `http://127.0.0.1:${port}/api/v1` }) + "\n")
})

process.on("message", (message: { readonly type: string; readonly id: number }) => {
  if (message.type === "cpu") {
    const { system, user } = process.cpuUsage()
    process.send!({ id: message.id, cpu: user + system })
  }
})
process.on("disconnect", () => process.exit(0))
