// Baseline server, run as its own process: reads the whole body and answers 202, nothing else.
// What HTTP on Bun costs by itself; prints {"port": n} once listening.
const server = Bun.serve({
  port: 0,
  hostname: '127.0.0.1',
  maxRequestBodySize: 64 * 1024 * 1024,
  async fetch(request) {
    await request.arrayBuffer()
    return new Response('{"message":"Request Accepted"}', { status: 202, headers: { 'content-type': 'application/json' } })
  },
})
console.log(JSON.stringify({ port: server.port }))
