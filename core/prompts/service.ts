import type { ParsedInput } from '../../contract';
import type { Prompt } from '../../contract/prompts';
import { AppError } from '../../contract/result';
import { countPrompts, getPrompt, listPrompts, listTags, promptVersions, promptWriter, type PromptRecord } from '../../db/prompts';
import type { EventBus } from '../events';
import type { Workspace } from '../workspace/workspace';
import { cancelImport, runImportInWorker } from './import-runner';
import { contentId } from './rows';

type PromptInput = ParsedInput<'prompts.create'>;

function toRecord(input: PromptInput, id: string): PromptRecord {
  return {
    id,
    prompt: input.prompt ?? null,
    messages: input.messages ?? null,
    reference: input.reference ?? null,
    tags: [...new Set(input.tags ?? [])],
  };
}

/** Where an upload's bytes were written, by upload id; supplied by the shell that accepted them. */
export type UploadResolver = (uploadId: string) => string;

export function promptService(workspace: Workspace, events: EventBus, resolveUpload: UploadResolver) {
  const { reader, writer } = workspace;
  const write = promptWriter(writer);

  const mustGet = (id: string): Prompt => {
    const prompt = getPrompt(reader, id);
    if (!prompt) throw new AppError('not_found', `No prompt with id ${id}.`);
    return prompt;
  };

  return {
    'prompts.list': (input: ParsedInput<'prompts.list'>) => listPrompts(reader, input),
    'prompts.get': (input: ParsedInput<'prompts.get'>) => mustGet(input.id),
    'prompts.versions': (input: ParsedInput<'prompts.versions'>) => {
      const versions = promptVersions(reader, input.id);
      if (!versions) throw new AppError('not_found', `No prompt with id ${input.id}.`);
      return versions;
    },
    'prompts.tags': () => listTags(reader),
    'prompts.create': (input: PromptInput) => {
      const record = toRecord(input, input.id ?? contentId(input.prompt ?? null, input.messages ?? null));
      const outcome = writer.transaction(() => write.upsert(record, 'skip', Date.now()))();
      if (outcome === 'skipped') {
        throw new AppError('conflict', `A prompt with id ${record.id} already exists; open it to edit, or give another id.`);
      }
      events.emit('onDidChangePrompts', { reason: 'create' });
      return mustGet(record.id);
    },
    'prompts.update': (input: ParsedInput<'prompts.update'>) => {
      const updated = writer.transaction(() => write.update(toRecord(input, input.id), Date.now()))();
      if (!updated) throw new AppError('not_found', `No prompt with id ${input.id}; it may have been deleted.`);
      events.emit('onDidChangePrompts', { reason: 'update' });
      return mustGet(input.id);
    },
    'prompts.delete': (input: ParsedInput<'prompts.delete'>) => {
      const deleted = writer.transaction(() => write.softDelete(input.ids, Date.now()))();
      events.emit('onDidChangePrompts', { reason: 'delete' });
      return { deleted };
    },
    'prompts.restore': (input: ParsedInput<'prompts.restore'>) => {
      const restored = writer.transaction(() => write.restore(input.ids))();
      events.emit('onDidChangePrompts', { reason: 'restore' });
      return { restored };
    },
    'prompts.import': async (input: ParsedInput<'prompts.import'>) => {
      const source = input.source;
      const file = source.kind === 'path' ? source.path : resolveUpload(source.uploadId);
      const displayName = source.kind === 'path' ? undefined : source.fileName;
      const report = await runImportInWorker(
        {
          dbPath: workspace.file,
          options: { importId: input.importId, file, displayName, format: input.format, onDuplicate: input.onDuplicate },
        },
        (progress) => events.emit('onDidImportProgress', progress),
        workspace.writeGate,
      );
      events.emit('onDidChangePrompts', { reason: 'import' });
      return report;
    },
    'prompts.cancelImport': (input: ParsedInput<'prompts.cancelImport'>) => ({ cancelled: cancelImport(input.importId) }),
    count: () => countPrompts(reader),
  };
}
