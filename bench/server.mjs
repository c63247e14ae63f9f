/**
 * The loopback OpenAI-compatible server every peer talks to: the project's own `startMockQwen`, with a `reply`
 * function that answers CORRECTLY in whatever shape the client asked for:
 * - classify: the true label of the review (from data.mjs) as a tool call `{ <prop>: label }` matching the tool's
 *   schema, a JSON object matching `response_format`'s schema (`{ "label": … }` for plain `json_object`), or the
 *   bare label; a packed request (`A text` lines, one letter code each) gets one `A: label` line per item;
 * - corpus: see corpus.mjs.
 * Run by run.mjs with `fork`; controlled over IPC: `configure` (mode, latencyMs), `reset`, `stats` (requests per API key and the body of
 * the request that carried the first review, for token counts; the server's CPU time since the reset), `close`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { startMockQwen } from '../dist/src/testing/index.js';
import { caseMessage, loadCorpusCases } from './corpus.mjs';
import { generateReviews } from './data.mjs';

const reviewCount = Number(process.argv[2] ?? 100_000);
const truth = new Map(generateReviews(reviewCount).map((review) => [review.text, review.label]));
const corpus = new Map(loadCorpusCases().map((entry) => [caseMessage(entry), entry]));
const PACKED_LINE = /^([A-Z]{1,2}) (.*)$/;
/** The first review: every phase starts with it, so the request that carries it is kept for token counts. */
const PROBE_TEXT = generateReviews(1)[0].text;
/** The mock remembers every request; forget them now and then so a 100k run stays small. */
const FORGET_EVERY = 2_000;

let mode = 'classify';
let latencyMs = 0;
let sinceForget = 0;
/** Per API key: `{ requests, probeBody, probeTexts }` (the request that carried the probe text). */
let perKey = new Map();
/** Calls seen per `key case-id` in corpus mode. */
let corpusCalls = new Map();
/** CPU time of this process since the last reset. */
let cpuSince = process.cpuUsage();

const server = await startMockQwen({ reply: answer });

async function answer(request) {
  sinceForget += 1;
  if (sinceForget >= FORGET_EVERY) {
    sinceForget = 0;
    server.reset();
  }
  const key = request.keyPresented ?? '';
  let stats = perKey.get(key);
  if (stats === undefined) {
    stats = { requests: 0, probeBody: '', probeTexts: [] };
    perKey.set(key, stats);
  }
  stats.requests += 1;
  if (latencyMs > 0) await sleep(latencyMs);
  const reply = mode === 'corpus' ? answerCorpus(request, key) : answerClassify(request, stats);
  return reply;
}

function answerClassify(request, stats) {
  const user = request.messages.find((message) => message.role === 'user')?.content ?? '';
  const label = truth.get(user.trim());
  if (label !== undefined) {
    keepProbe(stats, request, [user.trim()]);
    return shaped(request.body, (schema) => JSON.stringify(labelObject(schema, label)), label);
  }
  const lines = user.split('\n').map((line) => PACKED_LINE.exec(line));
  const answers = lines.map((match) => (match ? truth.get(match[2].trim()) : undefined));
  if (lines.length > 1 && answers.every((item) => item !== undefined)) {
    keepProbe(
      stats,
      request,
      lines.map((match) => match[2].trim()),
    );
    return answers.map((item, index) => `${lines[index][1]}: ${item}`).join('\n');
  }
  return {
    status: 400,
    body: { error: { code: 'bench_unknown_text', message: `unknown review: ${user.slice(0, 80)}` } },
  };
}

function keepProbe(stats, request, texts) {
  if (stats.probeBody === '' && texts.includes(PROBE_TEXT)) {
    stats.probeBody = request.rawBody;
    stats.probeTexts = texts;
  }
}

function answerCorpus(request, key) {
  const entry = request.messages
    .filter((message) => message.role === 'user')
    .map((message) => corpus.get(message.content.trim()))
    .find((item) => item !== undefined);
  if (entry === undefined) {
    return { status: 400, body: { error: { code: 'bench_unknown_case', message: 'no corpus case in the request' } } };
  }
  const callKey = `${key} ${entry.id}`;
  const calls = (corpusCalls.get(callKey) ?? 0) + 1;
  corpusCalls.set(callKey, calls);
  const text = calls === 1 ? entry.input : JSON.stringify(entry.expected);
  return shaped(request.body, () => text, text);
}

/**
 * The reply in the shape the client asked for: a call of the (named or only) tool, JSON for `response_format`,
 * plain content otherwise. `structured(schema)` gives the JSON text for a schema (`undefined`: none given).
 */
function shaped(body, structured, plain) {
  const tools = Array.isArray(body?.tools) ? body.tools : [];
  if (tools.length > 0) {
    const chosen = body.tool_choice?.function?.name;
    const tool = tools.find((item) => item?.function?.name === chosen) ?? tools[0];
    return { toolCalls: [{ name: tool.function.name, arguments: structured(tool.function.parameters) }] };
  }
  const format = body?.response_format;
  if (format?.type === 'json_schema') return structured(format.json_schema?.schema);
  if (format?.type === 'json_object') return structured(undefined);
  return plain;
}

/** `{ <the property whose enum holds the label, else the only string property, else "label">: label }`. */
function labelObject(schema, label) {
  const properties = schema?.properties ?? {};
  const names = Object.keys(properties);
  const name =
    names.find((item) => properties[item]?.enum?.includes(label)) ??
    names.find((item) => properties[item]?.type === 'string') ??
    'label';
  return { [name]: label };
}

process.on('message', async (message) => {
  if (message.type === 'configure') {
    mode = message.mode ?? mode;
    latencyMs = message.latencyMs ?? latencyMs;
    process.send({ id: message.id });
  } else if (message.type === 'reset') {
    perKey = new Map();
    corpusCalls = new Map();
    server.reset();
    cpuSince = process.cpuUsage();
    process.send({ id: message.id });
  } else if (message.type === 'stats') {
    const stats = perKey.get(message.key) ?? { requests: 0, probeBody: '', probeTexts: [] };
    const cpu = process.cpuUsage(cpuSince);
    process.send({ id: message.id, ...stats, cpuUs: cpu.user + cpu.system });
  } else if (message.type === 'close') {
    await server.close();
    process.send({ id: message.id });
    process.disconnect();
  }
});
process.send({ type: 'ready', baseURL: server.baseURL });
