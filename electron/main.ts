/**
 * The Electron shell, kept thin: windows, menus, dialogs and the recent-files list. Everything else
 * is the engine, reached through the same contract as browser mode. Secure defaults throughout:
 * contextIsolation, sandbox, no nodeIntegration, a strict CSP, navigation and window.open denied.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BrowserWindow, Menu, app, dialog, ipcMain, safeStorage, session, shell, type MenuItemConstructorOptions } from 'electron';
import { AppError, CONTENT_SECURITY_POLICY, type EventPayload } from '../contract';
import { defaultBackupFile } from '../core/datasets/export/service';
import { Engine } from '../core/engine';
import type { SecretStore } from '../core/runner/secrets';
import { defaultWorkspacePath, openWorkspace, WORKSPACE_EXTENSION } from '../core/workspace/workspace';
import { IPC_EVENT, IPC_INVOKE, IPC_SAVE_DIALOG } from './ipc';

const here = path.dirname(fileURLToPath(import.meta.url));
const rendererIndex = path.resolve(here, '..', 'renderer', 'index.html');
const recentFile = () => path.join(app.getPath('userData'), 'recent-workspaces.json');
const MAX_RECENT = 10;

let engine: Engine | null = null;
let window: BrowserWindow | null = null;

function readRecent(): string[] {
  try {
    const list = JSON.parse(fs.readFileSync(recentFile(), 'utf8')) as unknown;
    return Array.isArray(list) ? list.filter((p): p is string => typeof p === 'string' && fs.existsSync(p)) : [];
  } catch {
    return [];
  }
}

function rememberRecent(file: string): void {
  const list = [file, ...readRecent().filter((p) => p !== file)].slice(0, MAX_RECENT);
  fs.mkdirSync(path.dirname(recentFile()), { recursive: true });
  fs.writeFileSync(recentFile(), JSON.stringify(list, null, 2));
  app.addRecentDocument(file);
}

/** API keys are encrypted by the OS keychain before they reach the workspace file. */
function secretStore(): SecretStore | null {
  if (!safeStorage.isEncryptionAvailable()) return null;
  return { encrypt: (plain) => safeStorage.encryptString(plain), decrypt: (data) => safeStorage.decryptString(data) };
}

/**
 * Puts an engine on `file` in place of the current one. From a menu the window reloads at once;
 * `workspace.openDemo` asks for the switch itself, so its call answers first (the old engine closes
 * a moment later) and the renderer reloads when it has the answer.
 */
function openEngine(file: string, { reload = true } = {}): void {
  const workspace = openWorkspace(file);
  const previous = engine;
  engine = new Engine(workspace, { shell: 'electron', secrets: secretStore(), switchWorkspace: (next) => openEngine(next, { reload: false }) });
  engine.events.onAny((event, payload) => window?.webContents.send(IPC_EVENT, event, payload));
  if (reload) void previous?.close();
  else setTimeout(() => void previous?.close(), 100);
  rememberRecent(workspace.file);
  window?.setTitle(`${workspace.name} — Assay`);
  buildMenu();
  if (reload) window?.webContents.reload();
}

function tryOpen(file: string): void {
  try {
    openEngine(file);
  } catch (error) {
    dialog.showErrorBox('Cannot open workspace', error instanceof AppError ? error.message : String(error));
  }
}

async function newWorkspace(): Promise<void> {
  const result = await dialog.showSaveDialog({
    title: 'New workspace',
    defaultPath: path.join(app.getPath('documents'), `untitled${WORKSPACE_EXTENSION}`),
    filters: [{ name: 'Assay workspace', extensions: ['assay'] }],
  });
  if (result.canceled || !result.filePath) return;
  if (fs.existsSync(result.filePath)) {
    dialog.showErrorBox('File exists', `${result.filePath} already exists; use File › Open to open it.`);
    return;
  }
  tryOpen(result.filePath);
}

async function openWorkspaceDialog(): Promise<void> {
  const result = await dialog.showOpenDialog({
    title: 'Open workspace',
    properties: ['openFile'],
    filters: [{ name: 'Assay workspace', extensions: ['assay'] }],
  });
  if (!result.canceled && result.filePaths[0]) tryOpen(result.filePaths[0]);
}

/** File › Back Up Workspace…: where to, then the same `workspace.backup` the Export tab calls. */
async function backUpWorkspace(): Promise<void> {
  if (!engine) return;
  const result = await dialog.showSaveDialog({
    title: 'Back up workspace',
    defaultPath: defaultBackupFile(engine.workspace.file),
    filters: [{ name: 'Assay workspace', extensions: ['assay'] }],
  });
  if (result.canceled || !result.filePath) return;
  const outcome = await engine.call('workspace.backup', { outFile: result.filePath });
  if (outcome.ok) {
    void dialog.showMessageBox({ type: 'info', message: 'Backup saved', detail: `${outcome.value.file}\n${(outcome.value.bytes / 1e6).toFixed(1)} MB, checked.` });
  } else {
    dialog.showErrorBox('Backup failed', outcome.error.message);
  }
}

function requestCommand(command: EventPayload<'onDidRequestCommand'>['command']): void {
  const payload: EventPayload<'onDidRequestCommand'> = { command };
  window?.webContents.send(IPC_EVENT, 'onDidRequestCommand', payload);
}

function buildMenu(): void {
  const recent: MenuItemConstructorOptions[] = readRecent().map((file) => ({ label: file, click: () => tryOpen(file) }));
  const template: MenuItemConstructorOptions[] = [
    {
      label: 'File',
      submenu: [
        { label: 'New Workspace…', accelerator: 'CmdOrCtrl+N', click: () => void newWorkspace() },
        { label: 'Open Workspace…', accelerator: 'CmdOrCtrl+O', click: () => void openWorkspaceDialog() },
        { label: 'Open Recent', submenu: recent.length ? recent : [{ label: 'No recent workspaces', enabled: false }] },
        { label: 'Back Up Workspace…', click: () => void backUpWorkspace() },
        { type: 'separator' },
        { label: 'New Prompt', click: () => requestCommand('prompts.new') },
        { label: 'Import Prompts…', accelerator: 'CmdOrCtrl+I', click: () => requestCommand('prompts.import') },
        { type: 'separator' },
        { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
    { role: 'help', submenu: [{ label: 'Assay on GitHub', click: () => void shell.openExternal('https://github.com/') }] },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

function createWindow(): void {
  window = new BrowserWindow({
    width: 1280,
    height: 820,
    title: 'Assay',
    webPreferences: {
      preload: path.join(here, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: true,
    },
  });
  const allowed = pathToFileURL(rendererIndex).href;
  window.webContents.on('will-navigate', (event, url) => {
    if (url !== allowed) event.preventDefault();
  });
  window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  void window.loadFile(rendererIndex);
  if (engine) window.setTitle(`${engine.workspace.name} — Assay`);
  window.on('closed', () => (window = null));
}

// Tests (and users who keep several profiles) point the app at another data folder.
if (process.env.ASSAY_USER_DATA) app.setPath('userData', process.env.ASSAY_USER_DATA);
app.enableSandbox();
app.whenReady().then(() => {
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));

  ipcMain.handle(IPC_INVOKE, (event, method: unknown, input: unknown) => {
    // Only our own window, showing our own page, may call the engine.
    if (event.senderFrame?.url !== pathToFileURL(rendererIndex).href || !engine) {
      return { ok: false, error: { code: 'unauthorized', message: 'Not allowed.' } };
    }
    return engine.dispatch(method, input);
  });

  // The renderer's one dialog (Export pack…): a path to write to, beside the workspace by default.
  ipcMain.handle(IPC_SAVE_DIALOG, async (event, options: unknown) => {
    if (event.senderFrame?.url !== pathToFileURL(rendererIndex).href || !engine || !window) return null;
    const o = (options ?? {}) as { title?: unknown; fileName?: unknown };
    const fileName = path.basename(typeof o.fileName === 'string' && o.fileName.length > 0 ? o.fileName : `pack${WORKSPACE_EXTENSION}`);
    const result = await dialog.showSaveDialog(window, {
      title: typeof o.title === 'string' ? o.title : 'Save',
      defaultPath: path.join(path.dirname(engine.workspace.file), 'packs', fileName),
      filters: [{ name: 'Assay review pack', extensions: ['assay'] }],
    });
    return result.canceled || !result.filePath ? null : result.filePath;
  });

  const initial = process.env.ASSAY_WORKSPACE || readRecent()[0] || defaultWorkspacePath();
  try {
    openEngine(initial);
  } catch (error) {
    dialog.showErrorBox('Cannot open workspace', `${String(error)}\nOpening the default workspace instead.`);
    openEngine(defaultWorkspacePath());
  }
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  const closing = engine?.close();
  engine = null;
  void Promise.resolve(closing).finally(() => {
    if (process.platform !== 'darwin') app.quit();
  });
});
