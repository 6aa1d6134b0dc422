// Lint rules, including the layering rules of DEVELOPERS.md: lower layers never import upper ones,
// the codec and the sensor core do no I/O, and there are no import cycles.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

const noIo = [
  { group: ['node:net', 'net', 'node:tls', 'tls', 'node:dgram', 'dgram', 'node:fs', 'fs', 'node:fs/*', 'node:timers', 'timers', 'node:timers/*', 'node:child_process'], message: 'this layer does no I/O and keeps no timers' },
];
const layer = (dirs) => dirs.map((d) => ({ group: [`**/${d}/*`, `**/${d}.js`], message: `this layer may not import ${d} (layers import downwards only)` }));
// Inside the library, modules import each other by relative path, never through the package's
// own name (that would resolve to the published build).
const selfReference = [{ group: ['katcp', 'katcp/*'], message: 'import library modules by relative path, not by the package name' }];

// What each layer may import, besides errors.ts; every other folder in this table (and cli,
// monitor) is forbidden to it. A new folder gets a row here: from then on only the layers that
// list it may import it. telstate stands alone (codec and util only); the recorder sits above
// both the resource client and the store.
const LAYERS = {
  util: [],
  codec: ['util'],
  sensor: ['codec', 'util'],
  connection: ['codec', 'util'],
  client: ['connection', 'codec', 'sensor', 'util'],
  server: ['connection', 'codec', 'sensor', 'util'],
  inspecting: ['client', 'connection', 'codec', 'sensor', 'util'],
  resource: ['inspecting', 'client', 'connection', 'codec', 'sensor', 'util'],
  telstate: ['codec', 'util'],
  recorder: ['telstate', 'resource', 'inspecting', 'client', 'connection', 'codec', 'sensor', 'util'],
  demo: ['server', 'connection', 'codec', 'sensor', 'util'],
};
const ALL = [...Object.keys(LAYERS), 'cli', 'monitor'];
const PURE = new Set(['codec', 'sensor']);
const layerRules = Object.entries(LAYERS).map(([name, allowed]) => {
  const forbidden = ALL.filter((d) => d !== name && !allowed.includes(d));
  const files = name === 'connection' ? ['lib/connection.ts', 'lib/connection/**/*.ts'] : [`lib/${name}/**/*.ts`];
  if (name === 'util') files.push('lib/errors.ts');
  const patterns = [...(PURE.has(name) ? noIo : []), ...selfReference, ...layer(forbidden)];
  const rules = { 'no-restricted-imports': ['error', { patterns }] };
  if (PURE.has(name)) rules['no-restricted-globals'] = ['error', 'setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval'];
  return { files, rules };
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'scripts/**', 'bench/**/*.mjs', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    settings: {
      // import-x must parse the TypeScript files it follows, or no-cycle silently sees nothing.
      ...importX.flatConfigs.typescript.settings,
      'import-x/resolver': { typescript: { project: './tsconfig.json' } },
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': ['error',
        { object: 'describe', property: 'only', message: 'focused tests hide the rest' },
        { object: 'it', property: 'only', message: 'focused tests hide the rest' },
        { object: 'test', property: 'only', message: 'focused tests hide the rest' }],
    },
  },
  ...layerRules,
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['it', 'test', 'describe', 'suite'] }] }],
    },
  },
);
