// Counts the names a module exports (values and types), with the TypeScript compiler.
// Usage: node scripts/count-exports.mjs [src/index.ts] [--list]
import { resolve } from 'node:path';
import ts from 'typescript';

const file = resolve(process.argv.slice(2).find((arg) => !arg.startsWith('--')) ?? 'src/index.ts');
const program = ts.createProgram([file], {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  strict: true,
  skipLibCheck: true,
  noEmit: true,
});
const checker = program.getTypeChecker();
const source = program.getSourceFile(file);
if (source === undefined) throw new Error(`cannot read ${file}`);
const symbol = checker.getSymbolAtLocation(source);
const names = symbol === undefined ? [] : checker.getExportsOfModule(symbol).map((entry) => entry.getName());
if (process.argv.includes('--list')) console.log(names.sort().join('\n'));
console.log(`${names.length} names exported by ${process.argv[2] ?? 'src/index.ts'}`);
