// Send events with Go's standard library.
// Run: go run examples/send.go
// It reads SLUICE_URL (default: http://localhost:3000) and SLUICE_API_KEY (an ingest key; default: the key in ./data/api-key).
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

const events = `[
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
]`

func main() {
	baseURL := os.Getenv("SLUICE_URL")
	if baseURL == "" {
		baseURL = "http://localhost:3000"
	}
	url := strings.TrimRight(baseURL, "/") + "/v1/logs"
	apiKey := os.Getenv("SLUICE_API_KEY")
	if apiKey == "" {
		if kept, err := os.ReadFile("data/api-key"); err == nil {
			apiKey = strings.TrimSpace(string(kept))
		}
	}
	if apiKey == "" {
		fmt.Fprintln(os.Stderr, "no ingest key: set SLUICE_API_KEY, or run this from the folder that holds data/api-key (where npm start runs)")
		os.Exit(1)
	}

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
		req.Header.Set("x-service", "my-service")
		req.Header.Set("idempotency-key", idempotencyKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		answer, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if (resp.StatusCode == 503 || resp.StatusCode == 429) && attempt < 5 {
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
