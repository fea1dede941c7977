# Send events with curl: gzip the batch, give it a key of its own, and let curl retry a 503
# after Retry-After with the same key and body (each event still lands once).
# Run: sh examples/send.sh
# It reads SLUICE_URL (default: http://localhost:3000) and SLUICE_API_KEY (an ingest key; default: the key in ./data/api-key).
url=${SLUICE_URL:-'http://localhost:3000'}
key=${SLUICE_API_KEY:-}
if [ -z "$key" ] && [ -r data/api-key ]; then key=$(cat data/api-key); fi
if [ -z "$key" ]; then echo 'no ingest key: set SLUICE_API_KEY, or run this from the folder that holds data/api-key (where npm start runs)' >&2; exit 1; fi
printf '%s' '[{"message":"This is an example log event","error":"TypeError: Cannot read property '\''something'\'' of undefined","requestId":"6092d6f0-3bfa-4d62-9d0b-5bc7ae6518a1","namespace":"https://api.domain.com/resource/{id}"},{"message":"This is another example log event","requestId":"6092d6f0-3bfa-4d62-9d0b-5bc7ae6518a1","data":{"userId":"01HBRCB38K2K4V5SDR7YC1D0ZB"},"duration":127}]' | gzip > events.json.gz
curl --fail-with-body --retry 4 -X POST "${url%/}/v1/logs" \
  -H "x-api-key: $key" \
  -H 'content-type: application/json' \
  -H 'content-encoding: gzip' \
  -H 'x-service: my-service' \
  -H "idempotency-key: $(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')" \
  --data-binary @events.json.gz
