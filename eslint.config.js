// Lint rules, including the layering rules of DEVELOPERS.md: lower layers never import upper ones,
// the codec and the sensor core do no I/O, and there are no import cycles.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

const noIo = [
  { group: ['node:net', 'net', 'node:tls', 'tls', 'node:dgram', 'dgram', 'node:fs', 'fs', 'node:fs/*', 'node:timers', 'timers', 'node:timers/*', 'node:child_process'], message: 'this layer does no I/O and keeps no timers' },
];
const layer = (dirs) => dirs.map((d) => ({ group: [`**/${d}/*`, `**/${d}.js`], message: `this layer may not import ${d} (layers import downwards only)` }));

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'scripts/**', 'eslint.config.js'] },
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
  {
    files: ['lib/codec/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [...noIo, ...layer(['connection', 'client', 'server', 'sensor', 'inspecting', 'resource', 'telstate', 'cli'])] }],
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval'],
    },
  },
  {
    files: ['lib/sensor/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [...noIo, ...layer(['connection', 'client', 'server', 'inspecting', 'resource', 'telstate', 'cli'])] }],
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval'],
    },
  },
  {
    files: ['lib/connection.ts', 'lib/connection/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: layer(['client', 'server', 'sensor', 'inspecting', 'resource', 'cli']) }] },
  },
  {
    files: ['lib/client/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: layer(['server', 'inspecting', 'resource', 'cli']) }] },
  },
  {
    files: ['lib/server/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: layer(['client', 'inspecting', 'resource', 'cli']) }] },
  },
  {
    files: ['lib/inspecting/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: layer(['server', 'resource', 'cli']) }] },
  },
  {
    files: ['lib/resource/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: layer(['server', 'cli']) }] },
  },
  {
    files: ['lib/util/**/*.ts', 'lib/errors.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: layer(['codec', 'connection', 'client', 'server', 'sensor', 'inspecting', 'resource', 'telstate', 'cli']) }] },
  },
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
