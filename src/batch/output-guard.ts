/**
 * What guards a results file against being mixed up: the lock that keeps a second run off it, and the run file
 * beside it that records which task and which input wrote it, so that a resume with another one is refused.
 * See `docs/running-at-scale.md` (Results and the results file).
 * @module
 */
import { createHash, randomUUID } from 'node:crypto';
import { link, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { InputError } from '../errors.js';
import { isRecord } from '../json.js';

/** The lock of a results file: `results.jsonl` → `results.jsonl.lock`. */
function outputLockPath(output: string): string {
  return `${output}.lock`;
}

/** A lock held by this process; `release` removes the lock file if it is still this process's. */
export interface OutputLock {
  release(): Promise<void>;
}

/** What a lock file holds. */
interface LockHolder {
  pid: number;
  host: string;
  token: string;
  startedAt: string;
}

/**
 * Takes the exclusive lock of a results file: a lock file next to it, created in one step (a full temporary file
 * hard-linked to the lock's name, so nobody ever reads half a lock) with the holder's pid and host. A lock left by a
 * process that is gone (same host, pid not alive) is stale and taken over; a live one is an {@link InputError}
 * naming the holder and the lock file.
 */
export async function lockOutput(output: string): Promise<OutputLock> {
  const path = outputLockPath(output);
  const holder: LockHolder = {
    pid: process.pid,
    host: hostname(),
    token: randomUUID(),
    startedAt: new Date().toISOString(),
  };
  const temporary = `${path}.${holder.token}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(holder)}\n`, { flag: 'wx' });
  } catch (error) {
    throw new InputError(`Cannot create the lock file of ${output}: ${(error as Error).message}`, {
      path: 'output',
      cause: error,
    });
  }
  try {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await link(temporary, path);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw lockError(output, path, error);
      }
      const current = await readHolder(path);
      if (current === undefined) continue; // released meanwhile
      if (!isStale(current) || attempt > 0) throw busyError(output, path, current);
      // Stale: the holder is gone. Remove its lock unless someone replaced it meanwhile, then try once more.
      const again = await readHolder(path);
      if (again !== undefined && again.token !== current.token) throw busyError(output, path, again);
      await rm(path, { force: true });
    }
  } finally {
    await rm(temporary, { force: true });
  }
  return {
    async release() {
      const current = await readHolder(path).catch(() => undefined);
      if (current?.token === holder.token) await rm(path, { force: true });
    },
  };
}

async function readHolder(path: string): Promise<LockHolder | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (!isRecord(value) || typeof value.pid !== 'number' || typeof value.host !== 'string') {
    // Not a lock this library wrote (it writes whole files only): nobody can hold it.
    return { pid: 0, host: hostname(), token: '', startedAt: '' };
  }
  return {
    pid: value.pid,
    host: value.host,
    token: typeof value.token === 'string' ? value.token : '',
    startedAt: typeof value.startedAt === 'string' ? value.startedAt : '',
  };
}

/** A lock is stale when it was taken on this host by a process that no longer exists. */
function isStale(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return false;
  if (!Number.isInteger(holder.pid) || holder.pid <= 0) return true;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function busyError(output: string, path: string, holder: LockHolder): InputError {
  const who = holder.pid === process.pid ? 'another run in this process' : `process ${holder.pid} on ${holder.host}`;
  return new InputError(
    `The results file ${output} is in use by ${who} (lock file ${path}${holder.startedAt === '' ? '' : `, since ${holder.startedAt}`}): wait for that run to end, or remove the lock file if no run is using the file`,
    { path: 'output' },
  );
}

function lockError(output: string, path: string, error: unknown): InputError {
  return new InputError(`Cannot take the lock ${path} of ${output}: ${(error as Error).message}`, {
    path: 'output',
    cause: error,
  });
}

/** The run file of a results file: `results.jsonl` → `results.jsonl.run.json`. */
function runFilePath(output: string): string {
  return `${output}.run.json`;
}

/** Bytes of the input's head that identify it: appending records keeps the identity, editing the head does not. */
const INPUT_HEAD_BYTES = 64 * 1024;

/** Which task and which input wrote a results file. */
export interface RunIdentity {
  task: { name: string; hash: string };
  /** Set when the input is a file: its path, and a hash of its first `headBytes` bytes. */
  input?: { path: string; headBytes: number; headSha256: string };
}

/** The identity of a run: the task's hash, and the head of its input file when there is one. */
export async function runIdentity(
  task: { name: string; hash: string },
  inputPath: string | undefined,
): Promise<RunIdentity> {
  const identity: RunIdentity = { task: { name: task.name, hash: task.hash } };
  if (inputPath !== undefined) {
    const head = await readHead(inputPath, INPUT_HEAD_BYTES);
    if (head !== undefined) {
      identity.input = { path: resolve(inputPath), headBytes: head.byteLength, headSha256: sha256(head) };
    }
  }
  return identity;
}

/**
 * Compares this run's identity with the run file of a results file that is resumed, and (when they agree, or the
 * caller allowed a mismatch) records this run's identity there. A results file without a run file (written before
 * run files existed) is taken as it is. A mismatch is an {@link InputError} saying what differs and what to do.
 */
export async function checkRunIdentity(
  output: string,
  identity: RunIdentity,
  options: { resuming: boolean; allowMismatch: boolean },
): Promise<void> {
  const path = runFilePath(output);
  const recorded = options.resuming ? await readRunFile(path) : undefined;
  if (recorded !== undefined && !options.allowMismatch) {
    const problem = await mismatch(recorded, identity);
    if (problem !== undefined) {
      throw new InputError(
        `Cannot resume ${output}: ${problem}. Resuming would mix results of different runs in one file: use another output file, or pass resumeMismatch: 'allow' to continue it anyway`,
        { path: 'output' },
      );
    }
  }
  const kept: RunIdentity = { ...identity };
  if (kept.input === undefined && recorded?.input !== undefined && !options.allowMismatch) kept.input = recorded.input;
  const temporary = `${path}.tmp`;
  await writeFile(temporary, `${JSON.stringify({ version: 1, ...kept })}\n`, 'utf8');
  await rename(temporary, path);
}

async function mismatch(recorded: RunIdentity, identity: RunIdentity): Promise<string | undefined> {
  if (recorded.task.hash !== identity.task.hash) {
    const same = recorded.task.name === identity.task.name;
    return `it was written by ${same ? 'another version of ' : ''}task "${recorded.task.name}"${same ? '' : `, not "${identity.task.name}"`}`;
  }
  if (recorded.input === undefined || identity.input === undefined) return undefined;
  const head = await readHead(identity.input.path, recorded.input.headBytes);
  if (head === undefined || head.byteLength < recorded.input.headBytes || sha256(head) !== recorded.input.headSha256) {
    return `it was written for the input ${recorded.input.path}, and ${identity.input.path} does not begin with the same ${recorded.input.headBytes} bytes`;
  }
  return undefined;
}

async function readRunFile(path: string): Promise<RunIdentity | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InputError(`Cannot read the run file ${path}: ${(error as Error).message}`, {
      path: 'output',
      cause: error,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const task = isRecord(value) ? value.task : undefined;
  if (!isRecord(value) || !isRecord(task) || typeof task.hash !== 'string' || typeof task.name !== 'string') {
    throw new InputError(`The run file ${path} is not one this library wrote: remove it to resume without the check`, {
      path: 'output',
    });
  }
  const identity: RunIdentity = { task: { name: task.name, hash: task.hash } };
  const input = value.input;
  if (
    isRecord(input) &&
    typeof input.path === 'string' &&
    typeof input.headBytes === 'number' &&
    typeof input.headSha256 === 'string'
  ) {
    identity.input = { path: input.path, headBytes: input.headBytes, headSha256: input.headSha256 };
  }
  return identity;
}

/** Up to `bytes` first bytes of a file; `undefined` when it cannot be read (a pipe, a missing file). */
async function readHead(path: string, bytes: number): Promise<Buffer | undefined> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, 'r');
    if (!(await handle.stat()).isFile()) return undefined;
    const buffer = Buffer.alloc(bytes);
    let read = 0;
    while (read < bytes) {
      const { bytesRead } = await handle.read(buffer, read, bytes - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return buffer.subarray(0, read);
  } catch {
    return undefined;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
