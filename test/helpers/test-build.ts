import { fileURLToPath } from 'node:url';

/** Root of the compiled library that `test/global-setup.ts` builds before the tests run. */
export const TEST_BUILD_DIR = fileURLToPath(new URL('../../.test-dist/', import.meta.url));

/** Absolute path of a compiled module, e.g. `testBuildPath('src/index.js')`. */
export function testBuildPath(relativePath: string): string {
  return `${TEST_BUILD_DIR}${relativePath}`;
}

/** The compiled CLI entry. */
export const CLI_PATH = testBuildPath('src/cli/bin.js');
