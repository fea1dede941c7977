// "Send from your language": copy-ready programs that send the spec's example events to one sluice,
// gzip-compressed and with an Idempotency-Key, retrying a 503 / 429 after Retry-After with the same
// key (so a retry lands each event once). One generator for the README, the console and examples/;
// test/integration/examples.test.ts runs each against a live sluice.
import type { SendExamples } from '../query/console-answers'
import { EXAMPLE_EVENTS } from './model'

export type { SendExamples }

export interface SendExampleTarget {
  /** Where sluice answers, e.g. http://localhost:3000 (no trailing slash needed). */
  baseUrl: string
  dataset: string
  /** An ingest key: public, so it may be written into programs. */
  apiKey: string
  /** The x-service header. */
  service?: string
}


/** Attempts before giving up on 503 / 429 (each after the server's Retry-After). */
const ATTEMPTS = 5

export function sendExamples(target: SendExampleTarget, events: readonly unknown[] = EXAMPLE_EVENTS): SendExamples {
  const url = `${target.baseUrl.replace(/\/+$/, '')}/v1/${target.dataset}`
  const service = target.service ?? 'my-service'
  const json = JSON.stringify(events, null, 2)
  return {
    curl: curl(url, target.apiKey, service, JSON.stringify(events)),
    javascript: javascript(url, target.apiKey, service, json),
    python: python(url, target.apiKey, service, events),
    go: go(url, target.apiKey, service, json),
  }
}

/** A shell single-quoted word ('...' with each ' written '\''). */
const shellQuote = (text: string): string => `'${text.replaceAll("'", `'\\''`)}'`

function curl(url: string, apiKey: string, service: string, events: string): string {
  return `# Send events with curl: gzip the batch, give it a key of its own, and let curl retry a 503
# after Retry-After with the same key and body (each event still lands once).
printf '%s' ${shellQuote(events)} | gzip > events.json.gz
curl --fail-with-body --retry ${ATTEMPTS - 1} -X POST ${shellQuote(url)} \\
  -H ${shellQuote(`x-api-key: ${apiKey}`)} \\
  -H 'content-type: application/json' \\
  -H 'content-encoding: gzip' \\
  -H ${shellQuote(`x-service: ${service}`)} \\
  -H "idempotency-key: $(od -An -N16 -tx1 /dev/urandom | tr -d ' \\n')" \\
  --data-binary @events.json.gz
`
}

function javascript(url: string, apiKey: string, service: string, events: string): string {
  return `// Send events with fetch (Node.js 18+, Bun, Deno, or a browser page: sluice answers CORS on /v1).
const events = ${events}

// One key per batch: a retry with the same key and body stores each event once.
const idempotencyKey = crypto.randomUUID()
const gzipped = await new Response(new Blob([JSON.stringify(events)]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer()

for (let attempt = 1; ; attempt++) {
  const response = await fetch(${JSON.stringify(url)}, {
    method: "POST",
    headers: {
      "x-api-key": ${JSON.stringify(apiKey)},
      "content-type": "application/json",
      "content-encoding": "gzip",
      "x-service": ${JSON.stringify(service)},
      "idempotency-key": idempotencyKey,
    },
    body: gzipped,
  })
  const answer = await response.text()
  if ((response.status === 503 || response.status === 429) && attempt < ${ATTEMPTS}) {
    await new Promise((resolve) => setTimeout(resolve, Number(response.headers.get("retry-after") ?? 1) * 1000))
    continue
  }
  console.log(response.status, answer)
  if (response.status !== 202) throw new Error(\`sluice answered \${response.status}: \${answer}\`)
  break
}
`
}

function python(url: string, apiKey: string, service: string, events: readonly unknown[]): string {
  return `# Send events with Python's standard library (3.8+): urllib and gzip.
import gzip
import json
import time
import urllib.error
import urllib.request
import uuid

events = ${pythonLiteral(events, '')}

# One key per batch: a retry with the same key and body stores each event once.
idempotency_key = str(uuid.uuid4())
body = gzip.compress(json.dumps(events).encode("utf-8"))

for attempt in range(1, ${ATTEMPTS + 1}):
    request = urllib.request.Request(
        ${JSON.stringify(url)},
        data=body,
        method="POST",
        headers={
            "x-api-key": ${JSON.stringify(apiKey)},
            "content-type": "application/json",
            "content-encoding": "gzip",
            "x-service": ${JSON.stringify(service)},
            "idempotency-key": idempotency_key,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            print(response.status, response.read().decode("utf-8"))
        break
    except urllib.error.HTTPError as error:
        answer = error.read().decode("utf-8")
        if error.code in (429, 503) and attempt < ${ATTEMPTS}:
            time.sleep(int(error.headers.get("Retry-After", "1")))
            continue
        print(error.code, answer)
        raise SystemExit(1)
`
}

function go(url: string, apiKey: string, service: string, events: string): string {
  if (events.includes('`')) throw new Error('the Go example keeps the events in a raw string literal, which cannot hold a backquote')
  return `// Send events with Go's standard library: go run send.go
package main

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"
)

const events = \`${events}\`

func main() {
	var body bytes.Buffer
	zw := gzip.NewWriter(&body)
	zw.Write([]byte(events))
	zw.Close()

	// One key per batch: a retry with the same key and body stores each event once.
	key := make([]byte, 16)
	rand.Read(key)
	idempotencyKey := hex.EncodeToString(key)

	for attempt := 1; ; attempt++ {
		req, _ := http.NewRequest("POST", ${JSON.stringify(url)}, bytes.NewReader(body.Bytes()))
		req.Header.Set("x-api-key", ${JSON.stringify(apiKey)})
		req.Header.Set("content-type", "application/json")
		req.Header.Set("content-encoding", "gzip")
		req.Header.Set("x-service", ${JSON.stringify(service)})
		req.Header.Set("idempotency-key", idempotencyKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		answer, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if (resp.StatusCode == 503 || resp.StatusCode == 429) && attempt < ${ATTEMPTS} {
			seconds, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
			time.Sleep(time.Duration(max(seconds, 1)) * time.Second)
			continue
		}
		fmt.Println(resp.StatusCode, string(answer))
		if resp.StatusCode != http.StatusAccepted {
			os.Exit(1)
		}
		return
	}
}

func max(a, b int) int {
	if a > b {
		return a
	}
	return b
}
`
}

/** A Python literal of a JSON value (None, True, False; strings in JSON's escapes, which Python reads alike). */
function pythonLiteral(value: unknown, indent: string): string {
  if (value === null || value === undefined) return 'None'
  if (value === true) return 'True'
  if (value === false) return 'False'
  if (typeof value === 'number' || typeof value === 'string') return JSON.stringify(value)
  const inner = `${indent}    `
  if (Array.isArray(value)) return value.length === 0 ? '[]' : `[\n${value.map((v) => inner + pythonLiteral(v, inner)).join(',\n')},\n${indent}]`
  const entries = Object.entries(value as Record<string, unknown>)
  return entries.length === 0 ? '{}' : `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${pythonLiteral(v, inner)}`).join(',\n')},\n${indent}}`
}
