import { useCallback, useEffect, useState } from 'react';
import type { EventPayload, ModelConfig } from '../../../../contract';
import { call, onEvent } from '../../api';

/** The workspace's models, with their load state kept live from onDidChangeModel events. */
export function useModels() {
  const [models, setModels] = useState<ModelConfig[] | null>(null);
  const [loadState, setLoadState] = useState<Record<number, EventPayload<'onDidChangeModel'>>>({});
  const refresh = useCallback(() => {
    call('models.list', {}).then(setModels, () => setModels([]));
  }, []);
  useEffect(() => {
    refresh();
    return onEvent('onDidChangeModel', (state) => setLoadState((s) => ({ ...s, [state.modelId]: state })));
  }, [refresh]);
  const withState = models?.map((m) => {
    const live = loadState[m.id];
    return live ? { ...m, state: live.state, stateMessage: live.message, progress: live.progress } : { ...m, progress: null as number | null };
  });
  return { models: withState ?? null, refresh };
}
