import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '../../contract/result';

/** The real trained model shipped in `models/` (see models/README.md for its origin and license). */
export const SAMPLE_MODEL_FILE = 'stories260K.gguf';
export const SAMPLE_MODEL_NAME = 'stories260K (sample)';
export const SAMPLE_MODEL_SHA256 = '270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d';

/**
 * Where the shipped sample model is. This module runs from the sources (core/runner/*.ts under
 * tsx) or from the bundle (dist/node/*.mjs); both sit two folders below the project root, but the
 * search walks up a few levels so a moved bundle still finds it. In a packaged app the file is
 * unpacked beside the asar (build/electron-builder.yml, asarUnpack), because llama.cpp opens it by
 * path with its own file I/O, which cannot read inside an asar.
 */
export function sampleModelPath(from = path.dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (let i = 0; i < 4; i++) {
    const candidate = path.join(dir, 'models', SAMPLE_MODEL_FILE);
    const unpacked = candidate.replace(`${path.sep}app.asar${path.sep}`, `${path.sep}app.asar.unpacked${path.sep}`);
    if (fs.existsSync(unpacked)) return unpacked;
    if (fs.existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  throw new AppError('not_found', `The sample model (models/${SAMPLE_MODEL_FILE}) is missing from this installation. Reinstall Assay, or add a GGUF file of your own.`);
}
