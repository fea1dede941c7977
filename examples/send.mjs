// Send events with fetch (Node.js 18+, Bun, Deno, or a browser page: sluice answers CORS on /v1).
// Run: node examples/send.mjs
// It reads SLUICE_URL (default: http://localhost:3000) and SLUICE_API_KEY (an ingest key; default: the key in ./data/api-key).
const env = globalThis.process?.env ?? {}
const url = (env.SLUICE_URL || "http://localhost:3000").replace(/\/+$/, "") + "/v1/logs"
let apiKey = env.SLUICE_API_KEY
if (!apiKey) {
  try {
    const { readFileSync } = await import("node:fs")
    apiKey = readFileSync("data/api-key", "utf8").trim()
  } catch {}
}
if (!apiKey) throw new Error("no ingest key: set SLUICE_API_KEY, or run this from the folder that holds data/api-key (where npm start runs)")

const events = [
  {
    "message": "This is an example log event",
    "error": "TypeError: Cannot read property 'something' of undefined",
    "requestId": "6092d6f0-3bfa-4d62-9d0b-5bc7ae6518a1",
    "namespace": "https://api.domain.com/resource/{id}"
  },
  {
    "message": "This is another example log event",
    "requestId": "6092d6f0-3bfa-4d62-9d0b-5bc7ae6518a1",
    "data": {
      "userId": "01HBRCB38K2K4V5SDR7YC1D0ZB"
    },
    "duration": 127
  }
]

// One key per batch: a retry with the same key and body stores each event once.
const idempotencyKey = crypto.randomUUID()
const gzipped = await new Response(new Blob([JSON.stringify(events)]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer()

for (let attempt = 1; ; attempt++) {
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "x-api-key": apiKey,
      "content-type": "application/json",
      "content-encoding": "gzip",
      "x-service": "my-service",
      "idempotency-key": idempotencyKey,
    },
    body: gzipped,
  })
  const answer = await response.text()
  if ((response.status === 503 || response.status === 429) && attempt < 5) {
    await new Promise((resolve) => setTimeout(resolve, Number(response.headers.get("retry-after") ?? 1) * 1000))
    continue
  }
  console.log(response.status, answer)
  if (response.status !== 202) throw new Error(`sluice answered ${response.status}: ${answer}`)
  break
}
