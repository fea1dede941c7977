# A second OTLP client, in Python: builds export requests with the official OpenTelemetry Python
# protobuf bindings (opentelemetry-proto, the classes the Python SDK's OTLP exporter serialises
# with, run by Google's protobuf runtime) and sends them as the OTLP/HTTP exporter does (gzip,
# application/x-protobuf, retrying 429/503 after Retry-After with the same body). Prints, as one
# JSON object, the events sluice must store for them, written from the README's mapping.
#   python3 test/support/otel-python-client.py <sluice url> <ingest key> <dataset prefix> <records>
import base64
import gzip
import json
import sys
import time
import urllib.error
import urllib.request

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest, ExportLogsServiceResponse
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest, ExportTraceServiceResponse
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

url, key, prefix, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
now_ns = time.time_ns()


def kv(key, value):
    return KeyValue(key=key, value=value)


def iso(ns):
    ms, sub = divmod(ns, 1_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + ".%03d%06dZ" % (ms % 1000, sub)


def post(path, message, response_type):
    body = gzip.compress(message.SerializeToString())
    for attempt in range(1, 6):
        request = urllib.request.Request(url + path, data=body, method="POST", headers={
            "content-type": "application/x-protobuf", "content-encoding": "gzip", "x-api-key": key,
            "x-dataset": prefix + ("-logs" if "logs" in path else "-traces"),
        })
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                parsed = response_type()
                parsed.ParseFromString(answer.read())
                return parsed
        except urllib.error.HTTPError as error:
            if error.code in (429, 503) and attempt < 5:
                time.sleep(int(error.headers.get("Retry-After", "1")))
                continue
            raise SystemExit("%s answered %d: %s" % (path, error.code, error.read()))


resource_attributes = [kv("service.name", AnyValue(string_value="otel-python")), kv("service.namespace", AnyValue(string_value="shop")), kv("host.cores", AnyValue(int_value=2))]
resource_json = {"service.name": "otel-python", "service.namespace": "shop", "host.cores": 2}
scope_json = {"name": "py.checkout", "version": "0.9"}

logs = ExportLogsServiceRequest()
resource_logs = logs.resource_logs.add()
resource_logs.resource.attributes.extend(resource_attributes)
scope_logs = resource_logs.scope_logs.add()
scope_logs.scope.name, scope_logs.scope.version = "py.checkout", "0.9"
expected_logs = []
for i in range(count):
    t = now_ns - i * 1_000_003
    trace_id, span_id = bytes([i % 256] * 15 + [0xAB]), bytes([0xCD] * 7 + [i % 256])
    record = LogRecord(time_unix_nano=t, observed_time_unix_nano=t + 5, severity_number=17 if i % 2 else 9, trace_id=trace_id, span_id=span_id, flags=1, event_name="checkout.step" if i % 3 == 0 else "")
    attributes = {"i": i, "big": "4611686018427387904", "neg": -7, "pi": 3.25, "ok": i % 2 == 0, "raw": "AAH/", "list": [1, "two", False], "map": {"nested": {"deep": "yes"}}}
    record.attributes.extend([
        kv("i", AnyValue(int_value=i)), kv("big", AnyValue(int_value=2**62)), kv("neg", AnyValue(int_value=-7)), kv("pi", AnyValue(double_value=3.25)),
        kv("ok", AnyValue(bool_value=i % 2 == 0)), kv("raw", AnyValue(bytes_value=b"\x00\x01\xff")),
        kv("list", AnyValue(array_value={"values": [AnyValue(int_value=1), AnyValue(string_value="two"), AnyValue(bool_value=False)]})),
        kv("map", AnyValue(kvlist_value={"values": [kv("nested", AnyValue(kvlist_value={"values": [kv("deep", AnyValue(string_value="yes"))]}))]})),
    ])
    if i % 4 == 0:
        record.body.kvlist_value.values.extend([kv("user", AnyValue(string_value="ü-%d" % i)), kv("n", AnyValue(int_value=i))])
        message = json.dumps({"user": "ü-%d" % i, "n": i}, separators=(",", ":"), ensure_ascii=False)
    else:
        record.body.string_value = "python line %d ✓" % i
        message = "python line %d ✓" % i
    if i % 5 == 0:
        record.severity_text = "Notice"
    scope_logs.log_records.append(record)
    event = {"timestamp": iso(t), "observedTimestamp": iso(t + 5), "level": "Notice" if i % 5 == 0 else ("ERROR" if i % 2 else "INFO"), "severityNumber": 17 if i % 2 else 9,
             "message": message, "traceId": trace_id.hex(), "spanId": span_id.hex(), "flags": 1, "attributes": attributes,
             "resource": resource_json, "scope": scope_json, "service": "otel-python", "namespace": "shop"}
    if i % 3 == 0:
        event["eventName"] = "checkout.step"
    expected_logs.append(event)
# One record outside the event time window (40 days old): refused, and said so in partial_success.
scope_logs.log_records.append(LogRecord(time_unix_nano=now_ns - 40 * 86400 * 10**9, body=AnyValue(string_value="too old")))
logs_answer = post("/otlp/v1/logs", logs, ExportLogsServiceResponse)

traces = ExportTraceServiceRequest()
resource_spans = traces.resource_spans.add()
resource_spans.resource.attributes.extend(resource_attributes)
scope_spans = resource_spans.scope_spans.add()
scope_spans.scope.name, scope_spans.scope.version = "py.checkout", "0.9"
expected_spans = []
for i in range(count):
    start = now_ns - 10**9 - i * 7_000_011
    end = start + 3_250_000
    trace_id, span_id, parent = bytes([0x11] * 15 + [i % 256]), bytes([0x22] * 7 + [i % 256]), bytes([0x33] * 8)
    span = Span(trace_id=trace_id, span_id=span_id, parent_span_id=parent, trace_state="vendor=1", name="SELECT orders", kind=Span.SPAN_KIND_CLIENT,
                start_time_unix_nano=start, end_time_unix_nano=end, flags=0x301, status=Status(code=Status.STATUS_CODE_OK))
    span.attributes.append(kv("db.rows", AnyValue(int_value=i)))
    span.events.add(time_unix_nano=start + 1000, name="fetched", attributes=[kv("rows", AnyValue(int_value=i))])
    span.links.add(trace_id=bytes([0x44] * 16), span_id=bytes([0x55] * 8), trace_state="k=v", attributes=[kv("why", AnyValue(string_value="batch"))], flags=1)
    span.dropped_attributes_count = 2
    scope_spans.spans.append(span)
    expected_spans.append({"timestamp": iso(start), "endTimestamp": iso(end), "message": "SELECT orders", "duration": 3.25, "traceId": trace_id.hex(), "spanId": span_id.hex(),
                           "parentSpanId": parent.hex(), "traceState": "vendor=1", "flags": 0x301, "kind": "CLIENT", "status": {"code": "OK"},
                           "attributes": {"db.rows": i}, "droppedAttributesCount": 2, "events": [{"timestamp": iso(start + 1000), "name": "fetched", "attributes": {"rows": i}}],
                           "links": [{"traceId": "44" * 16, "spanId": "55" * 8, "traceState": "k=v", "flags": 1, "attributes": {"why": "batch"}}],
                           "resource": resource_json, "scope": scope_json, "service": "otel-python", "namespace": "shop"})
traces_answer = post("/otlp/v1/traces", traces, ExportTraceServiceResponse)

print(json.dumps({
    "logs": expected_logs, "spans": expected_spans,
    "logsRejected": logs_answer.partial_success.rejected_log_records, "logsError": logs_answer.partial_success.error_message,
    "spansRejected": traces_answer.partial_success.rejected_spans, "spansAnswered": traces_answer.HasField("partial_success"),
}, ensure_ascii=False))
