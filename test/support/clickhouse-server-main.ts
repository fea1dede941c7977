// A ClickHouse server's process, for tests: the engine the chdb package ships (libchdb.so) run through
// its command-line entry point, which serves ClickHouse's HTTP and native TCP protocols while its last
// query blocks reading a FIFO. Started by clickhouse-server.ts, never imported: the embedded engine
// binds one data path per process, so a server needs a process of its own.
//
//   bun clickhouse-server-main.ts <path> <http port> <tcp port> <stop fifo> [config file]
//
// A line written to the FIFO (or its writer closing) ends the query, and with it the server.
import { CString, dlopen, FFIType, ptr } from 'bun:ffi'
import { libchdbPath } from 'chdb/libchdb'

const [path, httpPort, tcpPort, stopFifo, configFile] = process.argv.slice(2)
if (!path || !httpPort || !tcpPort || !stopFifo) {
  console.error('usage: clickhouse-server-main.ts <path> <http port> <tcp port> <stop fifo> [config file]')
  process.exit(2)
}

// Die with the test process even when it is SIGKILLed and runs no exit hook: the kernel sends
// SIGKILL here when the parent goes (PR_SET_PDEATHSIG = 1). A parent already gone is caught after.
const libc = dlopen('libc.so.6', {
  prctl: { args: [FFIType.i32, FFIType.u64, FFIType.u64, FFIType.u64, FFIType.u64], returns: FFIType.i32 },
  getppid: { args: [], returns: FFIType.i32 },
})
libc.symbols.prctl(1, 9, 0, 0, 0)
if (libc.symbols.getppid() === 1) process.exit(1)

const chdb = dlopen(libchdbPath(), {
  chdb_query_cmdline: { args: [FFIType.i32, FFIType.ptr], returns: FFIType.ptr },
  chdb_result_error: { args: [FFIType.ptr], returns: FFIType.ptr },
})

const args = [
  'clickhouse',
  `--path=${path}`,
  `--http_port=${httpPort}`,
  `--tcp_port=${tcpPort}`,
  '--listen_host=127.0.0.1',
  ...(configFile ? [`--config-file=${configFile}`] : []),
  '--multiquery',
  `--query=SYSTEM START LISTEN HTTP; SYSTEM START LISTEN TCP; SELECT count() FROM file('${stopFifo.replaceAll("'", "\\'")}', 'LineAsString') FORMAT Null`,
]
// argv as C strings; the buffers stay referenced until the call returns.
const strings = args.map((a) => Buffer.from(`${a}\0`))
const argv = new BigUint64Array(strings.map((s) => BigInt(ptr(s))))
const result = chdb.symbols.chdb_query_cmdline(args.length, ptr(argv))
// A failed statement (a port in use) is printed to stderr by the engine and ends the call early; the
// parent, which sees this process exit before it answered, reports that text.
const error = result ? chdb.symbols.chdb_result_error(result) : null
if (error) console.error(new CString(error).toString())
process.exit(result && !error ? 0 : 1)
