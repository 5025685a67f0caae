/** The IPC channel names shared by main and preload; the method and event names inside come from the contract. */
export const IPC_INVOKE = 'assay:invoke';
export const IPC_EVENT = 'assay:event';
/** The native save dialog (a shell primitive like pathForFile): answers a path the user chose, or null. */
export const IPC_SAVE_DIALOG = 'assay:save-dialog';
