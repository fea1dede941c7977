# Send events with Python's standard library (3.8+): urllib and gzip.
# Run: python3 examples/send.py
# It reads SLUICE_URL (default: http://localhost:3000) and SLUICE_API_KEY (an ingest key; default: the key in ./data/api-key).
import gzip
import json
import os
import time
import urllib.error
import urllib.request
import uuid

url = (os.environ.get("SLUICE_URL") or "http://localhost:3000").rstrip("/") + "/v1/logs"
api_key = os.environ.get("SLUICE_API_KEY") or ""
if not api_key and os.path.exists("data/api-key"):
    with open("data/api-key") as key_file:
        api_key = key_file.read().strip()
if not api_key:
    raise SystemExit("no ingest key: set SLUICE_API_KEY, or run this from the folder that holds data/api-key (where npm start runs)")

events = [
    {
        "message": "This is an example log event",
        "error": "TypeError: Cannot read property 'something' of undefined",
        "requestId": "6092d6f0-3bfa-4d62-9d0b-5bc7ae6518a1",
        "namespace": "https://api.domain.com/resource/{id}",
    },
    {
        "message": "This is another example log event",
        "requestId": "6092d6f0-3bfa-4d62-9d0b-5bc7ae6518a1",
        "data": {
            "userId": "01HBRCB38K2K4V5SDR7YC1D0ZB",
        },
        "duration": 127,
    },
]

# One key per batch: a retry with the same key and body stores each event once.
idempotency_key = str(uuid.uuid4())
body = gzip.compress(json.dumps(events).encode("utf-8"))

for attempt in range(1, 6):
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "x-api-key": api_key,
            "content-type": "application/json",
            "content-encoding": "gzip",
            "x-service": "my-service",
            "idempotency-key": idempotency_key,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            print(response.status, response.read().decode("utf-8"))
        break
    except urllib.error.HTTPError as error:
        answer = error.read().decode("utf-8")
        if error.code in (429, 503) and attempt < 5:
            time.sleep(int(error.headers.get("Retry-After", "1")))
            continue
        print(error.code, answer)
        raise SystemExit(1)
