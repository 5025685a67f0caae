import type { MethodOutput, ParsedInput } from '../../../contract';
import type { datasetImportMethods } from '../../../contract/datasets';
import type { EventBus } from '../../events';
import { runImportInWorker } from '../../prompts/import-runner';
import type { UploadResolver } from '../../prompts/service';
import type { Workspace } from '../../workspace/workspace';

type DatasetImportMethod = keyof typeof datasetImportMethods;
export type DatasetImportHandlers = { [M in DatasetImportMethod]: (input: ParsedInput<M>) => Promise<MethodOutput<M>> };

/**
 * `datasets.import`: runs in the import worker like `prompts.import` (same progress events, same
 * `prompts.cancelImport`), and tells the views that prompts and comparisons changed.
 */
export function datasetImportService(workspace: Workspace, events: EventBus, resolveUpload: UploadResolver): DatasetImportHandlers {
  return {
    'datasets.import': async (input) => {
      const source = input.source;
      const file = source.kind === 'path' ? source.path : resolveUpload(source.uploadId);
      const displayName = source.kind === 'path' ? undefined : source.fileName;
      const report = await runImportInWorker(
        {
          dbPath: workspace.file,
          kind: 'dataset',
          options: { importId: input.importId, file, displayName, format: input.format, onDuplicate: input.onDuplicate, model: input.model },
        },
        (progress) => events.emit('onDidImportProgress', progress),
        workspace.writeGate,
      );
      events.emit('onDidChangePrompts', { reason: 'import' });
      events.emit('onDidChangeComparisons', { reason: 'tasks' });
      return report;
    },
  };
}
