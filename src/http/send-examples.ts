// "Send from your language": copy-ready programs that send the spec's example events to one sluice,
// gzip-compressed and with an Idempotency-Key, retrying a 503 / 429 after Retry-After with the same
// key (so a retry lands each event once). One generator for docs/send.md, the console and examples/;
// test/integration/examples.test.ts runs each against a live sluice.
import type { SendExamples } from '../query/console-answers'
import { EXAMPLE_EVENTS } from './model'

export type { SendExamples }

export interface SendExampleTarget {
  /** Where sluice answers, e.g. http://localhost:3000: the programs' default when SLUICE_URL is unset. */
  baseUrl: string
  dataset: string
  /**
   * An ingest key (public, so it may be written into programs): the programs' default when
   * SLUICE_API_KEY is unset. Empty: they read ./data/api-key instead (the key a local sluice
   * generates), and stop with a sentence saying what to set when there is none.
   */
  apiKey: string
  /** The x-service header. */
  service?: string
  /** The folder the run line of each program's header names, e.g. `examples/` (default: none). */
  folder?: string
}

/** What each program says when it has no key: SLUICE_API_KEY unset and no ./data/api-key. */
const NO_KEY = 'no ingest key: set SLUICE_API_KEY, or run this from the folder that holds data/api-key (where npm start runs)'


/** Attempts before giving up on 503 / 429 (each after the server's Retry-After). */
const ATTEMPTS = 5

export function sendExamples(target: SendExampleTarget, events: readonly unknown[] = EXAMPLE_EVENTS): SendExamples {
  const t: Program = {
    baseUrl: target.baseUrl.replace(/\/+$/, ''),
    path: `/v1/${target.dataset}`,
    apiKey: target.apiKey,
    service: target.service ?? 'my-service',
    folder: target.folder ?? '',
  }
  const json = JSON.stringify(events, null, 2)
  return {
    curl: curl(t, JSON.stringify(events)),
    javascript: javascript(t, json),
    python: python(t, events),
    go: go(t, json),
  }
}

interface Program {
  baseUrl: string
  /** /v1/<dataset>: a dataset name needs no quoting or escaping in a URL or a string. */
  path: string
  apiKey: string
  service: string
  folder: string
}

/** The header line saying how to run a program and what it reads from the environment. */
function runLine(comment: string, command: string, t: Program): string {
  const key = t.apiKey === '' ? 'default: the key in ./data/api-key' : 'default: the key written below'
  return `${comment} Run: ${command}\n${comment} It reads SLUICE_URL (default: ${t.baseUrl}) and SLUICE_API_KEY (an ingest key; ${key}).`
}

/** A shell single-quoted word ('...' with each ' written '\''). */
const shellQuote = (text: string): string => `'${text.replaceAll("'", `'\\''`)}'`

function curl(t: Program, events: string): string {
  const key =
    t.apiKey === ''
      ? `key=\${SLUICE_API_KEY:-}
if [ -z "$key" ] && [ -r data/api-key ]; then key=$(cat data/api-key); fi
if [ -z "$key" ]; then echo ${shellQuote(NO_KEY)} >&2; exit 1; fi`
      : `key=\${SLUICE_API_KEY:-${shellQuote(t.apiKey)}}`
  return `# Send events with curl: gzip the batch, give it a key of its own, and let curl retry a 503
# after Retry-After with the same key and body (each event still lands once).
${runLine('#', `sh ${t.folder}send.sh`, t)}
url=\${SLUICE_URL:-${shellQuote(t.baseUrl)}}
${key}
printf '%s' ${shellQuote(events)} | gzip > events.json.gz
curl --fail-with-body --retry ${ATTEMPTS - 1} -X POST "\${url%/}${t.path}" \\
  -H "x-api-key: $key" \\
  -H 'content-type: application/json' \\
  -H 'content-encoding: gzip' \\
  -H ${shellQuote(`x-service: ${t.service}`)} \\
  -H "idempotency-key: $(od -An -N16 -tx1 /dev/urandom | tr -d ' \\n')" \\
  --data-binary @events.json.gz
`
}

function javascript(t: Program, events: string): string {
  const key =
    t.apiKey === ''
      ? `let apiKey = env.SLUICE_API_KEY
if (!apiKey) {
  try {
    const { readFileSync } = await import("node:fs")
    apiKey = readFileSync("data/api-key", "utf8").trim()
  } catch {}
}
if (!apiKey) throw new Error(${JSON.stringify(NO_KEY)})`
      : `const apiKey = env.SLUICE_API_KEY || ${JSON.stringify(t.apiKey)}`
  return `// Send events with fetch (Node.js 18+, Bun, Deno, or a browser page: sluice answers CORS on /v1).
${runLine('//', `node ${t.folder}send.mjs`, t)}
const env = globalThis.process?.env ?? {}
const url = (env.SLUICE_URL || ${JSON.stringify(t.baseUrl)}).replace(/\\/+$/, "") + ${JSON.stringify(t.path)}
${key}

const events = ${events}

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
      "x-service": ${JSON.stringify(t.service)},
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

function python(t: Program, events: readonly unknown[]): string {
  const key =
    t.apiKey === ''
      ? `api_key = os.environ.get("SLUICE_API_KEY") or ""
if not api_key and os.path.exists("data/api-key"):
    with open("data/api-key") as key_file:
        api_key = key_file.read().strip()
if not api_key:
    raise SystemExit(${JSON.stringify(NO_KEY)})`
      : `api_key = os.environ.get("SLUICE_API_KEY") or ${JSON.stringify(t.apiKey)}`
  return `# Send events with Python's standard library (3.8+): urllib and gzip.
${runLine('#', `python3 ${t.folder}send.py`, t)}
import gzip
import json
import os
import time
import urllib.error
import urllib.request
import uuid

url = (os.environ.get("SLUICE_URL") or ${JSON.stringify(t.baseUrl)}).rstrip("/") + ${JSON.stringify(t.path)}
${key}

events = ${pythonLiteral(events, '')}

# One key per batch: a retry with the same key and body stores each event once.
idempotency_key = str(uuid.uuid4())
body = gzip.compress(json.dumps(events).encode("utf-8"))

for attempt in range(1, ${ATTEMPTS + 1}):
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "x-api-key": api_key,
            "content-type": "application/json",
            "content-encoding": "gzip",
            "x-service": ${JSON.stringify(t.service)},
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

function go(t: Program, events: string): string {
  if (events.includes('`')) throw new Error('the Go example keeps the events in a raw string literal, which cannot hold a backquote')
  const key =
    t.apiKey === ''
      ? `	if apiKey == "" {
		if kept, err := os.ReadFile("data/api-key"); err == nil {
			apiKey = strings.TrimSpace(string(kept))
		}
	}
	if apiKey == "" {
		fmt.Fprintln(os.Stderr, ${JSON.stringify(NO_KEY)})
		os.Exit(1)
	}`
      : `	if apiKey == "" {
		apiKey = ${JSON.stringify(t.apiKey)}
	}`
  return `// Send events with Go's standard library.
${runLine('//', `go run ${t.folder}send.go`, t)}
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
	"strings"
	"time"
)

const events = \`${events}\`

func main() {
	baseURL := os.Getenv("SLUICE_URL")
	if baseURL == "" {
		baseURL = ${JSON.stringify(t.baseUrl)}
	}
	url := strings.TrimRight(baseURL, "/") + ${JSON.stringify(t.path)}
	apiKey := os.Getenv("SLUICE_API_KEY")
${key}

	var body bytes.Buffer
	zw := gzip.NewWriter(&body)
	zw.Write([]byte(events))
	zw.Close()

	// One key per batch: a retry with the same key and body stores each event once.
	key := make([]byte, 16)
	rand.Read(key)
	idempotencyKey := hex.EncodeToString(key)

	for attempt := 1; ; attempt++ {
		req, _ := http.NewRequest("POST", url, bytes.NewReader(body.Bytes()))
		req.Header.Set("x-api-key", apiKey)
		req.Header.Set("content-type", "application/json")
		req.Header.Set("content-encoding", "gzip")
		req.Header.Set("x-service", ${JSON.stringify(t.service)})
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
