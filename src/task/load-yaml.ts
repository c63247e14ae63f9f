import { createRequire } from 'node:module';

type YamlModule = typeof import('yaml');

const require = createRequire(import.meta.url);
let yaml: YamlModule | undefined;

/** The `yaml` package, loaded on first use: only YAML task and schema files need it (about 9 MB once loaded). @internal */
export function loadYaml(): YamlModule {
  yaml ??= require('yaml') as YamlModule;
  return yaml;
}
