// Structured JSON logs, one line per event worth logging (pino writes them without blocking).
import pino from 'pino'

export type Logger = pino.Logger

export function createLogger(level: string = 'info'): Logger {
  return pino({ level, base: { service: 'sluice' }, timestamp: pino.stdTimeFunctions.isoTime })
}

/** A logger for tests and tools that should stay quiet unless something is wrong. */
export const quietLogger: Logger = pino({ level: 'error' })
