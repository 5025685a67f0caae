import type { MethodOutput, ParsedInput } from '../../../contract';
import type { datasetMethods } from '../../../contract/datasets';
import { AppError } from '../../../contract/result';
import type { EventBus } from '../../events';
import type { UploadResolver } from '../../prompts/service';
import type { Workspace } from '../../workspace/workspace';

type DatasetMethod = keyof typeof datasetMethods;
export type DatasetHandlers = { [M in DatasetMethod]: (input: ParsedInput<M>) => MethodOutput<M> | Promise<MethodOutput<M>> };

export function datasetService(_workspace: Workspace, _events: EventBus, _resolveUpload: UploadResolver): DatasetHandlers {
  const pending = (): never => {
    throw new AppError('internal', 'Dataset exports are not built yet.');
  };
  return {
    'datasets.previewExport': pending,
    'datasets.export': pending,
    'datasets.cancelExport': pending,
    'datasets.exportDefaults': pending,
    'datasets.importFull': pending,
    'datasets.stats': pending,
  };
}
