// Events at the edges of what JSON allows, each found by inserting it into the real table (see
// src/ingest/exact-path/storage-rules.ts): the ones ClickHouse would refuse or misread (ingest must refuse
// them, with the error quoted here) and the odd ones it stores as sent (ingest must accept them).

const nest = (levels: number) => `{"x":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`
/** A key of `n` dotted segments: ClickHouse nests its value n - 1 levels below the key's object. */
const dotted = (n: number) => Array.from({ length: n }, () => 'a').join('.')

/** Event text and a phrase of the error ingest answers for it. */
export const POISON_EVENTS: readonly { name: string; text: string; error: string }[] = [
  { name: '4,000 nested arrays (hung the embedded ClickHouse)', text: nest(4000), error: 'levels deep' },
  { name: '3,000 nested arrays (Stack size too large)', text: nest(3000), error: 'levels deep' },
  { name: '65 nested objects', text: `{"a":${'{"b":'.repeat(64)}1${'}'.repeat(64)}}`, error: 'levels deep' },
  { name: 'lone high surrogate', text: '{"message":"bad \\ud800 text"}', error: 'unpaired surrogate' },
  { name: 'lone low surrogate', text: '{"a":{"b":["\\udc00"]}}', error: 'unpaired surrogate' },
  { name: 'lone surrogate in a key', text: '{"\\udbff":1}', error: 'unpaired surrogate' },
  { name: '1e400', text: '{"a":1e400}', error: 'ClickHouse cannot store' },
  { name: '-1e400 in an array', text: '{"a":[1,-1e400]}', error: 'ClickHouse cannot store' },
  { name: '1.7976931348623158e308 (JavaScript reads the largest float, ClickHouse refuses)', text: '{"a":1.7976931348623158e308}', error: 'ClickHouse cannot store' },
  { name: 'a 400-digit integer', text: `{"a":${'9'.repeat(400)}}`, error: 'ClickHouse cannot store' },
  { name: 'duration twice, the first not a number', text: '{"duration":"x","duration":5}', error: 'appears more than once' },
  { name: 'duration twice, spelled with an escape', text: '{"dur\\u0061tion":[1],"duration":5}', error: 'appears more than once' },
  { name: 'service twice (`_service` would hold the last, `data.service` the first)', text: '{"service":"first","service":"second"}', error: 'appears more than once' },
  { name: 'message twice', text: '{"message":"one","message":"two"}', error: 'appears more than once' },
  { name: 'timestamp twice, spelled with an escape', text: '{"\\u0074imestamp":"2020-01-01T00:00:00Z","timestamp":1}', error: 'appears more than once' },
  { name: 'an empty line between tokens (ClickHouse reads `_raw` up to it)', text: '{"a":1,\n\n"b":2}', error: 'empty line' },
  { name: 'an empty line in a nested array', text: '{"a":[\n\n]}', error: 'empty line' },
  { name: 'a lone surrogate hidden behind a repeated key', text: '{"a":"\\ud800","a":"x"}', error: 'unpaired surrogate' },
  { name: '1e400 hidden behind a repeated key', text: '{"a":1e400,"a":1}', error: 'ClickHouse cannot store' },
  { name: 'deep nesting hidden behind a repeated key', text: `{"a":${'['.repeat(3000)}${']'.repeat(3000)},"a":1}`, error: 'levels deep' },
  { name: 'a key of 20,000 dotted segments (SELECT * on its dataset answered 413 for everyone)', text: `{"${dotted(20_000)}":1}`, error: 'split at their dots' },
  { name: '66 levels from dotted keys and nesting', text: `{"a.b":${'{"c.d":'.repeat(32)}1${'}'.repeat(32)}}`, error: 'split at their dots' },
  { name: 'a dotted key 65 levels down, inside an array', text: `{"x":[[{"${dotted(62)}":1}]]}`, error: 'split at their dots' },
  { name: 'a typed field given an object', text: '{"message":{"a":1}}', error: 'Field "message" must be a string' },
  { name: 'duration given an empty string', text: '{"duration":""}', error: 'Field "duration" must be a number' },
]

/** Odd but storable: each lands with `_raw` exactly as sent. */
export const ODD_STORED_EVENTS: readonly string[] = [
  '{}',
  '{"":1,"e":{"":{"":2}}}',
  '{"a":1,"a.b":2}',
  '{"a.b":2,"a":1}',
  '{"message":"x","message.y":1}',
  '{"duration":1,"duration.x":{"y":2}}',
  '{"a.b":1,"a":{"b":"x"}}',
  '{"a..b":1,".c":2,"d.":3,".":4}',
  '{"note":"one","note":"two"}',
  '{"a":1,"a":"x","a":{"b":2}}',
  '{"x":{"service":"first","service":"second"}}',
  `{"${'k'.repeat(100_000)}":1}`,
  `{${Array.from({ length: 2000 }, (_, i) => `"k${i}":${i}`).join(',')}}`,
  '{"nul":"a\\u0000b","k\\u0000":1}',
  '{"big":123456789012345678901234567890,"u64":18446744073709551615,"i64":-9223372036854775809}',
  '{"z":-0,"tiny":1e-400,"neg_tiny":-1e-400,"sub":4.9e-324,"edge":1e308,"nedge":-1e308,"e":1E+2}',
  '{"duration":-0,"d2":1.0}',
  '{"mixed":[1,"x",null,true,{"b":1},[2,[3]],[]],"empty":[],"obj":{},"deep":[[[[{}]]]]}',
  '{"arr":[{"b":1},{"b":"x"},{"b":[1]}]}',
  '{"pair":"\\ud83d\\ude00","raw":"😀 é 東京","esc":"\\\\ud800 \\" \\/ \\b\\f\\n\\r\\t"}',
  ' \t\n{ "spaced" : [ 1 , 2 ] ,\r\n "k" : null }\n',
  '{\r\n\r\n"crlf":\n \n1,\r\r"t":\t\t2\n}',
  `{"x":${'['.repeat(63)}${']'.repeat(63)}}`,
  `{"${dotted(64)}":1}`,
  `{"a.b":${'{"c.d":'.repeat(31)}1${'}'.repeat(31)}}`,
  `{"x":[[{"${dotted(61)}":1}]],"y":"${dotted(1000)}"}`,
  '{"_raw":1,"_id":"mine","data":5,"_timestamp":"no"}',
  `{"long":"${'x'.repeat(200_000)}"}`,
]
