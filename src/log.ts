// Logs: one structured line per event worth logging (pino writes them without blocking). A person
// watching a terminal gets coloured, readable lines (pino-pretty); anything else (a file, a pipe, a
// log collector) gets JSON lines, as does LOG_FORMAT=json.
import pino from 'pino'
import pretty from 'pino-pretty'

export type Logger = pino.Logger
export type LogFormat = 'auto' | 'json' | 'pretty'

/** Where lines go instead of stdout (tests); pretty lines are then not coloured unless asked. */
export type LogDestination = NodeJS.WritableStream

/** Whether `format` means pretty lines for this process (auto: stdout is a terminal). */
export function isPretty(format: LogFormat, stdoutIsTerminal = process.stdout.isTTY === true): boolean {
  return format === 'pretty' || (format === 'auto' && stdoutIsTerminal)
}

export function createLogger(level: string = 'info', format: LogFormat = 'auto', destination?: LogDestination, colorize?: boolean): Logger {
  const options: pino.LoggerOptions = { level, base: { service: 'sluice' }, timestamp: pino.stdTimeFunctions.isoTime }
  if (!isPretty(format)) return destination ? pino(options, destination) : pino(options)
  const stream = pretty({
    // On a terminal: colours unless NO_COLOR and the like say otherwise (pino-pretty asks colorette).
    colorize: colorize ?? (destination === undefined ? undefined : false),
    translateTime: 'SYS:HH:MM:ss.l',
    // One line per event, its fields after the message: an access log stays one line per request.
    singleLine: true,
    ignore: 'service',
    // Written at once, so the last lines before an exit are not lost.
    sync: true,
    ...(destination ? { destination: destination as never } : {}),
  })
  return pino(options, stream)
}

/** A logger for tests and tools that should stay quiet unless something is wrong. */
export const quietLogger: Logger = pino({ level: 'error' })
