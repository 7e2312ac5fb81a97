import { AsyncLocalStorage } from 'node:async_hooks';
import { Logger, type LogItem, LogLevelThreshold } from '@aws-lambda-powertools/logger';
import type { ConstructorOptions } from '@aws-lambda-powertools/logger/types';

/**
 * The one logger (Powertools: structured JSON, level from POWERTOOLS_LOG_LEVEL). Nothing logs a
 * request's headers or body, so a token's value never reaches a log.
 *
 * Keys appended to a Powertools logger belong to that instance. On AWS a Lambda instance runs one
 * invocation at a time and the handlers reset the keys as each begins, so the root logger is right
 * there. Locally many invocations run at once in one process; the local stack runs each in
 * {@link withLogContext}, and `logger` then resolves to that invocation's own child logger, so
 * one request's keys never show on another's lines.
 */
/**
 * Where log lines go instead of stdout and stderr: one JSON line each, and whether it is a warning
 * or worse. Unset (on AWS, and in tests), Powertools prints them as it always does.
 */
export type LogSink = (line: string, severe: boolean) => void;

let sink: LogSink | undefined;

/**
 * Sends every log line to `destination` from now on (undefined: back to stdout and stderr). The
 * local stack's `npm start` keeps the functions' request logs off the terminal with it.
 */
export function sendLogsTo(destination: LogSink | undefined): void {
  sink = destination;
}

/**
 * Powertools prints through a console of its own on stdout and stderr; its documented extension
 * points for subclasses (`printLog`, and `createLogger` so that children are of this class too)
 * let a sink take the lines instead, formatted as Powertools formats them.
 */
class RoutableLogger extends Logger {
  protected override createLogger(options?: ConstructorOptions): Logger {
    return new RoutableLogger(options);
  }

  protected override printLog(logLevel: number, log: LogItem): void {
    if (sink === undefined) {
      super.printLog(logLevel, log);
      return;
    }
    log.prepareForPrint();
    sink(JSON.stringify(log.getAttributes(), this.getJsonReplacer()), logLevel >= LogLevelThreshold.WARN);
  }
}

const root: Logger = new RoutableLogger({ serviceName: 'access-tokens' });

/** The child is made on first use: an invocation that never logs costs nothing. */
interface LogContext {
  child?: Logger;
}

const contexts = new AsyncLocalStorage<LogContext>();

function current(): Logger {
  const context = contexts.getStore();
  if (context === undefined) return root;
  context.child ??= root.createChild();
  return context.child;
}

export const logger: Logger = new Proxy(root, {
  get(_target, property) {
    const target = current();
    const value = Reflect.get(target, property, target);
    // Powertools keeps its state in private fields: methods must run on the real instance.
    return typeof value === 'function' ? value.bind(target) : value;
  },
  set(_target, property, value) {
    return Reflect.set(current(), property, value);
  },
});

/** Runs one invocation with its own log keys (a child of the root logger, made on first use). */
export function withLogContext<T>(invocation: () => T): T {
  return contexts.run({}, invocation);
}
