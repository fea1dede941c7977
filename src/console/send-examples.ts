// Copy-ready ways to send events, for the console's "Send events" page. The project's shared
// generator (src/http/send-examples.ts, `sendExamples`) replaces the body of this one function
// when both are merged; until then it writes the same four examples here.

export interface SendExampleInput {
  /** Where the person's browser reached sluice, e.g. http://localhost:3000 */
  baseUrl: string
  dataset: string
  /** An ingest key (public), or a placeholder when none can be shown. */
  apiKey: string
}

export interface SendExamples {
  curl: string
  javascript: string
  python: string
  go: string
}

export function consoleSendExamples({ baseUrl, dataset, apiKey }: SendExampleInput): SendExamples {
  const url = `${baseUrl}/v1/${dataset}`
  const events = '[{"message":"hello from sluice","level":"info","requestId":"r-1"}]'
  return {
    curl: [
      `echo '${events}' | gzip | curl -X POST '${url}' \\`,
      `  -H 'x-api-key: ${apiKey}' -H 'content-type: application/json' -H 'content-encoding: gzip' \\`,
      `  -H "Idempotency-Key: batch-$(date +%s)-$RANDOM" -H 'x-service: my-service' --data-binary @-`,
    ].join('\n'),
    javascript: [
      `// Node.js 18+, Bun, Deno or a browser: the same Idempotency-Key on every retry of one batch`,
      `const events = [{ message: 'hello from sluice', level: 'info', requestId: 'r-1' }]`,
      `const gzip = new Blob([JSON.stringify(events)]).stream().pipeThrough(new CompressionStream('gzip'))`,
      `const body = await new Response(gzip).arrayBuffer()`,
      `const res = await fetch('${url}', {`,
      `  method: 'POST',`,
      `  headers: {`,
      `    'x-api-key': '${apiKey}', 'content-type': 'application/json', 'content-encoding': 'gzip',`,
      `    'idempotency-key': crypto.randomUUID(), 'x-service': 'my-service',`,
      `  },`,
      `  body,`,
      `})`,
      `console.log(res.status, await res.json())`,
    ].join('\n'),
    python: [
      `import gzip, json, urllib.request, uuid`,
      ``,
      `events = [{"message": "hello from sluice", "level": "info", "requestId": "r-1"}]`,
      `req = urllib.request.Request("${url}", data=gzip.compress(json.dumps(events).encode()), method="POST", headers={`,
      `    "x-api-key": "${apiKey}", "content-type": "application/json", "content-encoding": "gzip",`,
      `    "idempotency-key": str(uuid.uuid4()), "x-service": "my-service"})`,
      `with urllib.request.urlopen(req) as res:`,
      `    print(res.status, res.read().decode())`,
    ].join('\n'),
    go: [
      `package main`,
      ``,
      `import (`,
      `\t"bytes"`,
      `\t"compress/gzip"`,
      `\t"crypto/rand"`,
      `\t"fmt"`,
      `\t"io"`,
      `\t"net/http"`,
      `)`,
      ``,
      `func main() {`,
      `\tvar body bytes.Buffer`,
      `\tzw := gzip.NewWriter(&body)`,
      `\tzw.Write([]byte(\`${events}\`))`,
      `\tzw.Close()`,
      `\tid := make([]byte, 16)`,
      `\trand.Read(id)`,
      `\treq, _ := http.NewRequest("POST", "${url}", &body)`,
      `\treq.Header.Set("x-api-key", "${apiKey}")`,
      `\treq.Header.Set("content-type", "application/json")`,
      `\treq.Header.Set("content-encoding", "gzip")`,
      `\treq.Header.Set("idempotency-key", fmt.Sprintf("%x", id))`,
      `\treq.Header.Set("x-service", "my-service")`,
      `\tres, err := http.DefaultClient.Do(req)`,
      `\tif err != nil {`,
      `\t\tpanic(err)`,
      `\t}`,
      `\tdefer res.Body.Close()`,
      `\tout, _ := io.ReadAll(res.Body)`,
      `\tfmt.Println(res.Status, string(out))`,
      `}`,
    ].join('\n'),
  }
}
