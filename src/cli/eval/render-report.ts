import { formatCount, formatUsd } from '../format-number.js';
import type { EvalReport } from './build-eval-report.js';
import { escapeHtml } from './escape-html.js';

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2328;margin:2rem auto;max-width:72rem;padding:0 1rem}
h1{font-size:1.4rem;margin:0 0 .25rem}h2{font-size:1.1rem;margin:2rem 0 .5rem}
.muted{color:#59636e}.headline{display:flex;gap:1rem;flex-wrap:wrap;margin:1rem 0}
.stat{border:1px solid #d1d9e0;border-radius:6px;padding:.5rem .9rem;min-width:8rem}
.stat b{display:block;font-size:1.3rem}
table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px solid #d1d9e0;padding:.3rem .6rem;text-align:right}
th{background:#f6f8fa}td.text,th.text{text-align:left}
table.matrix td{min-width:3.5rem;text-align:center}table.matrix td.hit{font-weight:700;outline:2px solid #1f2328;outline-offset:-2px}
td.wrap{text-align:left;max-width:32rem;white-space:pre-wrap;word-break:break-word}
`;

/**
 * A self-contained HTML page for an evaluation (inline CSS, no scripts, no external assets): the headline numbers,
 * the per-label table, and the confusion matrix as a heat map whose cell colour deepens with the share of its row
 * (row-normalised, so each expected label reads as where its items went), then the first wrong items. Every value
 * taken from the data or the model is HTML-escaped.
 * @internal
 */
export function renderReport(report: EvalReport, generatedAt: Date = new Date()): string {
  const sections = [headline(report), labelTable(report), matrixTable(report), mismatchTable(report)].filter(Boolean);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`Evaluation of ${report.task}`)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Evaluation of ${escapeHtml(report.task)}</h1>
<p class="muted">${escapeHtml(report.data)} · ${formatCount(report.total)} items · format ${escapeHtml(report.format)}${report.multi ? ', multi-label' : ''} · ${escapeHtml(generatedAt.toISOString())}</p>
${sections.join('\n')}
</body>
</html>
`;
}

function headline(report: EvalReport): string {
  const stats: [string, string][] = [
    ['accuracy', `${percent(report.accuracy)}`],
    ...(report.macroF1 === undefined ? [] : ([['macro-F1', report.macroF1.toFixed(3)]] as [string, string][])),
    ['correct', `${formatCount(report.correct)} / ${formatCount(report.total)}`],
    ['failed', formatCount(report.failed)],
    ['tokens', formatCount(report.usage.totalTokens)],
    ['cost', formatUsd(report.costUsd)],
    ['latency p50 / p90 / p99', [report.latencyMs.p50, report.latencyMs.p90, report.latencyMs.p99].map(ms).join(' / ')],
  ];
  const cells = stats.map(
    ([name, value]) =>
      `<div class="stat"><span class="muted">${escapeHtml(name)}</span><b>${escapeHtml(value)}</b></div>`,
  );
  return `<div class="headline">${cells.join('')}</div>`;
}

function labelTable(report: EvalReport): string {
  if (report.labels === undefined || report.labels.length === 0) return '';
  const rows = report.labels.map(
    (label) =>
      `<tr><td class="text">${escapeHtml(label.label)}</td><td>${label.precision.toFixed(3)}</td><td>${label.recall.toFixed(3)}</td><td>${label.f1.toFixed(3)}</td><td>${formatCount(label.support)}</td></tr>`,
  );
  return `<h2>Per label</h2>
<table class="labels"><thead><tr><th class="text">label</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table>`;
}

function matrixTable(report: EvalReport): string {
  const matrix = report.matrix;
  if (matrix === undefined || matrix.rows.length === 0) return '';
  const header = matrix.columns.map((column) => `<th>${escapeHtml(column)}</th>`).join('');
  const rows = matrix.rows.map((row, rowIndex) => {
    const counts = matrix.counts[rowIndex] ?? [];
    const total = counts.reduce((sum, count) => sum + count, 0);
    const cells = counts.map((count, columnIndex) => {
      const share = total === 0 ? 0 : count / total;
      const title = `expected ${row}, predicted ${matrix.columns[columnIndex] ?? ''}: ${count} (${percent(share)} of the row)`;
      const hit = matrix.columns[columnIndex] === row ? ' class="hit"' : '';
      return `<td${hit} style="${heat(share)}" title="${escapeHtml(title)}">${count}</td>`;
    });
    return `<tr><th class="text">${escapeHtml(row)}</th>${cells.join('')}</tr>`;
  });
  const title = report.multi ? 'Label co-occurrence' : 'Confusion matrix';
  return `<h2>${title}</h2>
<p class="muted">Rows: expected label; columns: predicted label. Colour: share of the row; outlined: correct.</p>
<table class="matrix"><thead><tr><th class="text">expected \\ predicted</th>${header}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table>`;
}

function mismatchTable(report: EvalReport): string {
  if (report.mismatches.length === 0) return '';
  const rows = report.mismatches.map((item) => {
    const predicted = item.error === undefined ? show(item.predicted) : `${item.error.name}: ${item.error.message}`;
    return `<tr><td>${item.line}</td><td class="wrap">${escapeHtml(show(item.expected))}</td><td class="wrap">${escapeHtml(predicted)}</td><td class="wrap">${escapeHtml(item.text)}</td></tr>`;
  });
  return `<h2>Wrong items (first ${report.mismatches.length})</h2>
<table class="mismatches"><thead><tr><th>line</th><th class="text">expected</th><th class="text">predicted</th><th class="text">text</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table>`;
}

/** Background by share (0–1): white to deep blue; white text once the cell is dark. */
function heat(share: number): string {
  const alpha = Math.round(share * 100) / 100;
  return `background:rgba(9,105,218,${alpha});color:${alpha > 0.55 ? '#fff' : '#1f2328'}`;
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

function ms(value: number): string {
  return `${formatCount(Math.round(value))} ms`;
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value, null, 1) ?? 'undefined');
}
