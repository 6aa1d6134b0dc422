#!/usr/bin/env node
// The API report: for every entry point in package.json `exports`, api-extractor writes what it
// exports (names and signatures, from the built declarations) to api/<entry>.api.md. `npm test`
// runs this in check mode and fails when the public surface differs from the committed reports,
// so the surface changes only on purpose; `npm run api:update` rewrites the reports after a
// deliberate change (review and commit the diff).
//
//   node scripts/api-report.mjs            check (exit 1 when a report differs)
//   node scripts/api-report.mjs --update   rewrite api/*.api.md
//
// Declarations are built first into a clean dist/ (`tsc --noCheck`: `npm test` type-checks separately).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CompilerState, Extractor, ExtractorConfig, ExtractorLogLevel } from '@microsoft/api-extractor';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const REPORT_FOLDER = join(ROOT, 'api');
const TEMP_FOLDER = join(ROOT, 'api-temp');
const update = process.argv.includes('--update');

// A fresh build, so that no stale declaration of a deleted module reaches the report.
rmSync(join(ROOT, 'dist'), { recursive: true, force: true });
const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--noCheck'], { cwd: ROOT, stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const entries = Object.entries(pkg.exports)
  .filter(([, target]) => typeof target === 'object' && target.types !== undefined)
  .map(([subpath, target]) => ({
    subpath,
    name: subpath === '.' ? pkg.name : `${pkg.name}-${subpath.slice(2).replaceAll('/', '-')}`,
    dts: join(ROOT, target.types),
  }));

// Messages that concern documentation style or release tags, which this project does not use;
// everything about the surface itself goes into the report.
const messages = {
  compilerMessageReporting: { default: { logLevel: 'warning' } },
  extractorMessageReporting: {
    default: { logLevel: 'warning', addToApiReportFile: true },
    'ae-missing-release-tag': { logLevel: 'none' },
    'ae-unresolved-link': { logLevel: 'none' },
    'ae-internal-missing-underscore': { logLevel: 'none' },
    // Undocumented members are listed by source line, so any edit above them would fail the
    // check without a change of surface. JSDoc coverage is a review matter, not a surface one.
    'ae-undocumented': { logLevel: 'none' },
  },
  tsdocMessageReporting: { default: { logLevel: 'none' } },
};

function configFor(entry) {
  return ExtractorConfig.prepare({
    configObject: {
      projectFolder: ROOT,
      mainEntryPointFilePath: entry.dts,
      compiler: {
        overrideTsconfig: {
          compilerOptions: { target: 'ES2022', lib: ['ES2023'], module: 'NodeNext', moduleResolution: 'NodeNext', types: ['node'], strict: true, skipLibCheck: true },
          include: ['dist/**/*.d.ts'],
        },
      },
      apiReport: { enabled: true, reportFileName: entry.name, reportFolder: REPORT_FOLDER, reportTempFolder: TEMP_FOLDER },
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      newlineKind: 'lf',
      messages,
    },
    configObjectFullPath: join(ROOT, 'api-extractor.json'),
    packageJsonFullPath: join(ROOT, 'package.json'),
  });
}

if (update) mkdirSync(REPORT_FOLDER, { recursive: true });
const configs = entries.map(configFor);
// One compiler for every entry point instead of one per entry point.
const compilerState = CompilerState.create(configs[0], { additionalEntryPoints: entries.map((e) => e.dts) });
const changed = [];
let failed = false;
for (const [i, config] of configs.entries()) {
  const result = Extractor.invoke(config, {
    localBuild: update,
    compilerState,
    messageCallback: (message) => {
      // The report lists surface warnings (e.g. a type used but not exported); keep the console quiet.
      if (message.logLevel === ExtractorLogLevel.Warning && message.category === 'Extractor') message.handled = true;
      if (typeof message.messageId === 'string' && message.messageId.startsWith('console-api-report-')) message.handled = true;
      if (message.logLevel === ExtractorLogLevel.Info || message.logLevel === ExtractorLogLevel.Verbose) message.handled = true;
    },
  });
  if (result.apiReportChanged) changed.push(`api/${entries[i].name}.api.md (${entries[i].subpath === '.' ? pkg.name : pkg.name + entries[i].subpath.slice(1)})`);
  if (result.errorCount > 0) failed = true;
}
if (!update) {
  // Show what changed, so a CI log says it without a rerun.
  for (const e of entries) {
    const file = `${e.name}.api.md`;
    if (!changed.some((c) => c.startsWith(`api/${file} `))) continue;
    const diff = spawnSync('git', ['diff', '--no-index', '--no-color', join('api', file), join('api-temp', file)], { cwd: ROOT, encoding: 'utf8' });
    if (typeof diff.stdout === 'string') console.error(diff.stdout.split('\n').slice(0, 200).join('\n'));
  }
}
rmSync(TEMP_FOLDER, { recursive: true, force: true });

// A report whose entry point is gone is stale too.
const expected = new Set(entries.map((e) => `${e.name}.api.md`));
const stale = (existsSync(REPORT_FOLDER) ? readdirSync(REPORT_FOLDER) : []).filter((f) => f.endsWith('.api.md') && !expected.has(f));
if (update) {
  for (const f of stale) rmSync(join(REPORT_FOLDER, f));
  console.log(changed.length === 0 && stale.length === 0 ? 'API reports unchanged.' : `API reports written: ${[...changed, ...stale.map((f) => `${f} (removed)`)].join(', ')}. Review and commit api/.`);
} else if (changed.length > 0 || stale.length > 0) {
  console.error(`The public API differs from the committed report in: ${[...changed, ...stale.map((f) => `${f} (no such entry point)`)].join(', ')}.`);
  console.error('If the change is deliberate, run `npm run api:update` and commit api/; otherwise undo it.');
  process.exit(1);
}
if (failed) process.exit(1);
