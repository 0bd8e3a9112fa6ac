import { printable } from "#shared/domain/printable";

/** Output and failure for commands, so tests can run them without a process. */
export interface CliIo {
  /** One line to stdout, made terminal-safe (see `terminalSafe`). */
  out(line: string): void;
  /** One line to stderr, made terminal-safe. */
  err(line: string): void;
  /** Rewrites the current stderr line (progress on a terminal); a no-op elsewhere. */
  progress?(line: string): void;
}

/**
 * Report content (titles, keys, failure reasons) can carry terminal escapes and forged newlines;
 * every line the CLI prints goes through `printable` whole (never cut): controls are shown as
 * visible `\uXXXX` escapes, never interpreted, so one call is always one line on screen.
 */
export function terminalSafe(text: string): string {
  return printable(text, Number.POSITIVE_INFINITY);
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${terminalSafe(line)}\n`),
  err: (line) => process.stderr.write(`${terminalSafe(line)}\n`),
  progress: process.stderr.isTTY
    ? (line) => process.stderr.write(`\r\u001b[2K${terminalSafe(line)}`)
    : undefined,
};

/** A failure with a message for the user and the exit code it maps to (1 failure, 2 usage or bad input, 3 gate). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

function drained(stream: NodeJS.WriteStream): Promise<void> {
  // the callback of an empty write runs once everything written before it is flushed
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) resolve();
    else stream.write("", () => resolve());
  });
}

/**
 * A reader that stops early (`aspm parse … --json | head`) closes the pipe: the rest of the output
 * has nowhere to go, which is the reader's choice, not a failure. Exit quietly instead of crashing
 * on the EPIPE with a stack trace.
 */
export function stopQuietlyWhenReaderLeaves(): void {
  for (const stream of [process.stdout, process.stderr])
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE") process.exit(0);
      throw error;
    });
}

/**
 * Exits once stdout and stderr are flushed: `process.exit` right after a write drops what is still
 * queued for a pipe (output cut at 64 KiB).
 */
export async function exitWhenDrained(code: number): Promise<never> {
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  process.exit(code);
}
