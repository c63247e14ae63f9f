import { type ChildProcess, spawn } from 'node:child_process';
import { CLI_PATH } from './helpers/test-build.js';

/** What a finished CLI process left behind. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Options of {@link startCli}. */
export interface CliOptions {
  /** Variables added to the cleaned environment. */
  env?: Record<string, string>;
  /** Written to the child's stdin, which is then closed. */
  stdin?: string;
  cwd?: string;
}

/**
 * The test process's environment without any provider key, base URL or proxy setting, plus `extra`: the child sees
 * exactly the configuration a test gives it.
 */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(DASHSCOPE_|SEGMIND_|QWEN_TASKS_)/.test(name) || /^(https?|no|all)_proxy$/i.test(name)) continue;
    env[name] = value;
  }
  return { ...env, ...extra };
}

/** Starts the compiled CLI as a real child process (`node .test-dist/src/cli/bin.js …`). */
export function startCli(
  args: readonly string[],
  options: CliOptions = {},
): { child: ChildProcess; result: Promise<CliResult> } {
  const child = spawn(process.execPath, [CLI_PATH, ...args], {
    env: cliEnv(options.env),
    cwd: options.cwd ?? process.cwd(),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  child.stdin?.end(options.stdin ?? '');
  const result = new Promise<CliResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, result };
}

/** Runs the CLI to the end. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).result;
}

/** The text of the first user message of a recorded request: the input text of a task call. */
export function userText(request: { messages: readonly { role: string; content: string }[] }): string {
  return request.messages.find((message) => message.role === 'user')?.content ?? '';
}

/**
 * Runs a bash command line (a real shell pipeline) with the cleaned environment plus `env`; `$CLI` in the line is the
 * compiled CLI (`node .test-dist/src/cli/bin.js`).
 */
export function runShell(line: string, env: Record<string, string> = {}): Promise<CliResult> {
  const cli = `"${process.execPath}" "${CLI_PATH}"`;
  const child = spawn('bash', ['-c', line.replaceAll('$CLI', cli)], {
    env: cliEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
