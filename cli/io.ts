/** Output and failure for commands, so tests can run them without a process. */
export interface CliIo {
  /** One line to stdout, made terminal-safe (see `terminalSafe`). */
  out(line: string): void;
  /** One line to stderr, made terminal-safe. */
  err(line: string): void;
  /** Rewrites the current stderr line (progress on a terminal); a no-op elsewhere. */
  progress?(line: string): void;
}

// C0 and C1 controls, DEL, and the bidi overrides/isolates that reorder what a terminal shows
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Report content (titles, keys, failure reasons) can carry terminal escapes and forged newlines;
 * every line the CLI prints goes through this: controls are shown as visible escapes (`\n`,
 * `\x1b`), never interpreted, so one call is always one line on screen.
 */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (c) => {
    if (c === "\n") return "\\n";
    if (c === "\r") return "\\r";
    if (c === "\t") return " ";
    const code = c.charCodeAt(0);
    return code > 0xff
      ? `\\u${code.toString(16).padStart(4, "0")}`
      : `\\x${code.toString(16).padStart(2, "0")}`;
  });
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
 * Exits once stdout and stderr are flushed: `process.exit` right after a write drops what is still
 * queued for a pipe (output cut at 64 KiB).
 */
export async function exitWhenDrained(code: number): Promise<never> {
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  process.exit(code);
}
