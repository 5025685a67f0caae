#!/usr/bin/env node
// The `assay` command: runs the bundled CLI, building it first if the sources changed.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
execFileSync(process.execPath, [path.join(root, 'scripts', 'ensure-built.mjs')], { cwd: root, stdio: 'inherit' });
await import(pathToFileURL(path.join(root, 'dist', 'node', 'cli.mjs')).href);
