/**
 * The only bridge between the sandboxed renderer and the engine. It exposes generic primitives —
 * invoke(method, input) and on(event, callback) — and refuses names the contract does not list, so a
 * compromised renderer cannot reach anything else. Input is validated again in main.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { isEventName, isMethodName } from '../contract';
import { IPC_EVENT, IPC_INVOKE, IPC_SAVE_DIALOG } from './ipc';

const api = {
  invoke(method: unknown, input: unknown): Promise<unknown> {
    if (!isMethodName(method)) return Promise.reject(new Error(`Unknown method ${String(method)}`));
    return ipcRenderer.invoke(IPC_INVOKE, method, input);
  },
  on(event: unknown, callback: (payload: unknown) => void): () => void {
    if (!isEventName(event)) throw new Error(`Unknown event ${String(event)}`);
    const listener = (_e: IpcRendererEvent, name: string, payload: unknown) => {
      if (name === event) callback(payload);
    };
    ipcRenderer.on(IPC_EVENT, listener);
    return () => ipcRenderer.removeListener(IPC_EVENT, listener);
  },
  /**
   * Electron 32 removed File.path; a dropped or picked file's path is only available here. The
   * renderer then imports by path (no copy of a multi-gigabyte file through IPC).
   */
  pathForFile(file: File): string {
    return webUtils.getPathForFile(file);
  },
  /**
   * The native save dialog (Sessions › Export pack…): the path chosen, or null when cancelled. Only
   * a title and a file name go in; main picks the folder (beside the workspace) and the filter.
   */
  chooseSaveFile(options: { title: string; fileName: string }): Promise<string | null> {
    return ipcRenderer.invoke(IPC_SAVE_DIALOG, { title: String(options.title).slice(0, 200), fileName: String(options.fileName).slice(0, 200) }) as Promise<string | null>;
  },
};

contextBridge.exposeInMainWorld('assay', api);
