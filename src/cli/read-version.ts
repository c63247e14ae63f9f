import { readFile } from 'node:fs/promises';

/**
 * The package version, read from `package.json` (three levels up from the compiled `dist/src/cli/`).
 * @internal
 */
export async function readVersion(): Promise<string> {
  const packageJson = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return packageJson.version;
}
