export { MAX_INPUT_TOKENS } from './check-text.js';
export { compileTask } from './compile-task.js';
export { defineTask, MAX_OUTPUT_TOKENS } from './define-task.js';
export { type PreviewTaskOptions, previewTask, type TaskPreview } from './preview-task.js';
export { MAX_REPAIRS, type RunTaskOptions, runTask } from './run-task.js';
export type { AttemptInfo, TaskResult } from './task-result.js';
export type * from './types.js';
