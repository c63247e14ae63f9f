/**
 * The `qwen-tasks` command line. For now it only explains itself; the commands arrive with the CLI issue.
 * @internal
 */
export const HELP = `qwen-tasks — dependable structured tasks on qwen-flash

Usage:
  qwen-tasks <command> [options]

Commands (coming soon): classify, extract, summarize, run, preview, eval, check

Options:
  -h, --help     show this help
  -v, --version  show the version

Example:
  qwen-tasks classify "Great battery, awful screen" --labels positive,negative,neutral
`;

/** Runs the CLI with the given arguments and resolves to the exit code. @internal */
export async function main(args: readonly string[]): Promise<number> {
  const [first] = args;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  if (first === '-v' || first === '--version') {
    const { readFile } = await import('node:fs/promises');
    const packageJson = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    process.stdout.write(`${packageJson.version}\n`);
    return 0;
  }
  process.stderr.write(`qwen-tasks: unknown command "${first}" (the CLI commands are not built yet)\n\n${HELP}`);
  return 2;
}
