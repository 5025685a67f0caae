import type { MethodOutput, ParsedInput } from '../../contract';
import type { comparisonMethods } from '../../contract/comparisons';
import { AppError } from '../../contract/result';
import type { EventBus } from '../events';
import type { Workspace } from '../workspace/workspace';

type ComparisonMethod = keyof typeof comparisonMethods;

/** One handler per method of contract/comparisons.ts; the compiler checks none is missing. */
export type ComparisonHandlers = { [M in ComparisonMethod]: (input: ParsedInput<M>) => MethodOutput<M> };

const notBuilt = (): never => {
  throw new AppError('internal', 'not built yet');
};

export function comparisonService(_workspace: Workspace, _events: EventBus): ComparisonHandlers {
  return {
    'comparisons.createTasks': notBuilt,
    'comparisons.queue': notBuilt,
    'comparisons.next': notBuilt,
    'comparisons.task': notBuilt,
    'comparisons.label': notBuilt,
    'comparisons.deleteLabel': notBuilt,
    'comparisons.restoreLabel': notBuilt,
    'comparisons.leaderboard': notBuilt,
    'comparisons.stats': notBuilt,
  };
}
