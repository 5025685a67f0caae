import { useEffect, useRef } from 'react';
import type { GenerationMode, ModelConfig } from '../../../../contract';
import './chat-format.css';

/**
 * Where chat or raw mode is chosen: a GGUF without a chat template defaults to raw completion, and
 * choosing chat on it says what it uses instead (the engine's ChatFormat note).
 */

/** The mode the chosen models start in: raw when every chosen GGUF has no chat template. */
export function defaultModeFor(models: ModelConfig[]): GenerationMode {
  const formats = models.map((m) => m.chatFormat).filter((f) => f !== null);
  return formats.length > 0 && formats.length === models.length && formats.every((f) => f.defaultMode === 'raw') ? 'raw' : 'chat';
}

/** Follows the chosen models' default mode until the user picks a mode themselves (then `chosen` is true). */
export function useDefaultMode(models: ModelConfig[], setMode: (mode: GenerationMode) => void, chosen: boolean): void {
  const key = models.map((m) => `${m.id}:${m.chatFormat?.defaultMode ?? '-'}`).join(',');
  const last = useRef<string | null>(null);
  useEffect(() => {
    if (chosen || models.length === 0 || last.current === key) return;
    last.current = key;
    setMode(defaultModeFor(models));
  }, [key, chosen, models, setMode]);
}

export function ChatFormatNote({ models, mode }: { models: ModelConfig[]; mode: GenerationMode }) {
  const without = models.filter((m) => m.chatFormat && !m.chatFormat.hasTemplate);
  if (without.length === 0) return null;
  if (mode === 'raw') {
    return (
      <p className="muted chat-format-note" role="note">
        {without.map((m) => m.name).join(', ')} {without.length === 1 ? 'has' : 'have'} no chat template: raw completion is the default.
      </p>
    );
  }
  return (
    <div className="chat-format-note warn" role="note" aria-label="Chat format">
      {without.map((m) => (
        <p key={m.id}>{m.chatFormat!.note}</p>
      ))}
    </div>
  );
}
