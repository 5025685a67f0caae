/** The IPC channel names shared by main and preload; the method and event names inside come from the contract. */
export const IPC_INVOKE = 'assay:invoke';
export const IPC_EVENT = 'assay:event';
