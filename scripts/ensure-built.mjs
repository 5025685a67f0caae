// Rebuilds dist/ when any source is newer than the last build, so `npm start` and `npm run serve`
// work straight after `npm ci` and after every edit, without paying for a build when nothing changed.
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const SOURCES = ['contract', 'core', 'db', 'server', 'cli', 'electron', 'renderer', 'package.json', 'vite.config.ts'];
const STAMP = 'dist/.build-stamp';

function newest(p) {
  if (!fs.existsSync(p)) return 0;
  const stat = fs.statSync(p);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let max = stat.mtimeMs;
  for (const entry of fs.readdirSync(p)) if (entry !== 'node_modules') max = Math.max(max, newest(path.join(p, entry)));
  return max;
}

const built = fs.existsSync(STAMP) ? fs.statSync(STAMP).mtimeMs : 0;
if (SOURCES.some((s) => newest(s) > built)) {
  console.error('[build] sources changed; building (about 15 s)…');
  execSync('npm run build --silent', { stdio: 'inherit' });
}
