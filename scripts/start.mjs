// `npm start`: the desktop app when Electron's binary is here; browser mode when it is not.
// Electron's npm package is installed without its postinstall (package.json allowScripts), because
// that script downloads the binary from GitHub and would fail `npm ci` on machines that cannot reach it.
// So the download is tried here, once, and its failure is one line, not a stack trace.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);

function electronBinary() {
  try {
    const binary = require('electron'); // the package's index.js returns the binary's path
    return typeof binary === 'string' && fs.existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

function tryDownloadElectron() {
  if (process.env.ASSAY_NO_ELECTRON) return 'ASSAY_NO_ELECTRON is set';
  const installer = require.resolve('electron/install.js');
  const result = spawnSync(process.execPath, [installer], { encoding: 'utf8', timeout: 300_000 });
  if (result.status === 0) return null;
  const reason = `${result.stderr}${result.stdout}`.split('\n').find((l) => /error/i.test(l)) ?? `exit code ${result.status}`;
  return reason.trim();
}

/**
 * better-sqlite3 in node_modules is compiled for Node (tests, CLI, browser mode). Electron needs a
 * build for its own ABI; it is made once into .cache/ and handed over by path, so the two never fight.
 */
function electronSqliteBinding(electronVersion) {
  const dir = path.resolve('.cache', `electron-${electronVersion}-better-sqlite3`);
  const binding = path.join(dir, 'build', 'Release', 'better_sqlite3.node');
  if (fs.existsSync(binding)) return binding;
  console.error(`[start] building better-sqlite3 for Electron ${electronVersion} (once, about two minutes)…`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.cpSync(path.dirname(require.resolve('better-sqlite3/package.json')), dir, { recursive: true });
  const gyp = require.resolve('node-gyp/bin/node-gyp.js');
  const built = spawnSync(
    process.execPath,
    [gyp, 'rebuild', '--release', `--target=${electronVersion}`, '--dist-url=https://electronjs.org/headers'],
    { cwd: dir, stdio: 'inherit' },
  );
  return built.status === 0 && fs.existsSync(binding) ? binding : null;
}

function startBrowserMode(reason) {
  console.log(`[start] Electron is not available here (${reason}); starting browser mode instead.`);
  const child = spawn(process.execPath, ['dist/node/cli.mjs', 'serve', ...args], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
}

let binary = electronBinary();
const downloadFailure = binary ? null : tryDownloadElectron();
binary ??= electronBinary();
if (!binary) {
  startBrowserMode(`its binary could not be downloaded: ${downloadFailure}`);
} else {
  const { version } = require('electron/package.json');
  let binding = null;
  try {
    binding = electronSqliteBinding(version);
  } catch (error) {
    console.error(`[start] ${error.message}`);
  }
  if (!binding) {
    startBrowserMode('better-sqlite3 could not be built for Electron');
  } else {
    const child = spawn(binary, ['dist/node/electron-main.mjs', ...args], {
      stdio: 'inherit',
      env: { ...process.env, ASSAY_SQLITE_BINDING: binding },
    });
    child.on('exit', (code) => process.exit(code ?? 0));
  }
}
