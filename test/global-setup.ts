import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TEST_BUILD_DIR } from './helpers/test-build.js';

/**
 * Compiles the library once per test run into `.test-dist/` (a sibling of `dist/`, so paths like `../../../schema`
 * resolve as in the package) for the tests that run real child processes (CLI, kill and resume). Type errors do not
 * stop the build here: `npm run typecheck` reports them.
 */
export default function setup(): void {
  rmSync(TEST_BUILD_DIR, { recursive: true, force: true });
  const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
  const args = [
    tsc,
    '-p',
    'tsconfig.build.json',
    '--outDir',
    TEST_BUILD_DIR,
    '--sourceMap',
    'false',
    '--declaration',
    'false',
  ];
  try {
    execFileSync(process.execPath, args, { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: 'pipe' });
  } catch {
    // tsc exits non-zero on type errors but still emits; the typecheck step is where they fail the run.
  }
}
