# Send events with curl: gzip the batch, give it a key of its own, and let curl retry a 503
# after Retry-After with the same key and body (each event still lands once).
printf '%s' '[{"message":"This is an example log event","error":"TypeError: Cannot read property '\''something'\'' of undefined","requestId":"6092d6f0-3bfa-4d62-9d0b-5bc7ae6518a1","namespace":"https://api.domain.com/resource/{id}"},{"message":"This is another example log event","requestId":"6092d6f0-3bfa-4d62-9d0b-5bc7ae6518a1","data":{"userId":"01HBRCB38K2K4V5SDR7YC1D0ZB"},"duration":127}]' | gzip > events.json.gz
curl --fail-with-body --retry 4 -X POST 'http://localhost:3000/v1/logs' \
  -H 'x-api-key: YOUR_INGEST_KEY' \
  -H 'content-type: application/json' \
  -H 'content-encoding: gzip' \
  -H 'x-service: my-service' \
  -H "idempotency-key: $(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')" \
  --data-binary @events.json.gz
