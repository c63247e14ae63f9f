import { execFileSync } from 'node:child_process';
import { renameSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TEST_BUILD_DIR } from './helpers/test-build.js';

/**
 * Compiles the library once per test run into `.test-dist/` (a sibling of `dist/`, so paths like `../../../schema`
 * resolve as in the package) for the tests that run real child processes (CLI, kill and resume). Type errors do not
 * stop the build here: `npm run typecheck` reports them.
 *
 * The build goes to a folder of its own first and then takes `.test-dist/`'s place in two renames, so a second
 * test run started meanwhile in the same checkout never finds the folder missing or half written.
 */
export default function setup(): void {
  const building = TEST_BUILD_DIR.replace(/\/?$/, `-${process.pid}-new`);
  const retired = TEST_BUILD_DIR.replace(/\/?$/, `-${process.pid}-old`);
  rmSync(building, { recursive: true, force: true });
  compile(building);
  try {
    renameSync(TEST_BUILD_DIR, retired);
  } catch {
    // no earlier build to retire
  }
  try {
    renameSync(building, TEST_BUILD_DIR);
  } catch {
    // another run put its build (of the same sources) in place between the two renames: use that one
    rmSync(building, { recursive: true, force: true });
  }
  rmSync(retired, { recursive: true, force: true });
}

function compile(outDir: string): void {
  const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
  const args = [tsc, '-p', 'tsconfig.build.json', '--outDir', outDir, '--sourceMap', 'false', '--declaration', 'false'];
  try {
    execFileSync(process.execPath, args, { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: 'pipe' });
  } catch {
    // tsc exits non-zero on type errors but still emits; the typecheck step is where they fail the run.
  }
}
