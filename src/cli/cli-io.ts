/** Where the CLI writes: a stream's `write`, and whether it is a terminal. @internal */
export interface CliOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean | undefined;
  /** Terminal width, when it is one. */
  readonly columns?: number | undefined;
}

/** The process streams and environment a command works with (injectable for in-process tests). @internal */
export interface CliIo {
  stdout: CliOutput;
  stderr: CliOutput;
  stdin: NodeJS.ReadableStream;
  env: Record<string, string | undefined>;
}

/** The real process streams and environment. @internal */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
}
