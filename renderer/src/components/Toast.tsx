import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { createPortal } from 'react-dom';

export interface ToastAction {
  label: string;
  run: () => void;
}

interface ToastItem {
  id: number;
  message: string;
  kind: 'info' | 'error';
  action?: ToastAction;
}

interface ToastApi {
  show(message: string, options?: { kind?: 'info' | 'error'; action?: ToastAction; timeoutMs?: number }): void;
  /**
   * A view whose controls sit where toasts would float (Compare) gives them a slot of their own
   * (a ref callback on an element in its layout); null gives the slot back.
   */
  dock(el: HTMLElement | null): void;
}

const ToastContext = createContext<ToastApi>({ show: () => undefined, dock: () => undefined });

export function useToast(): ToastApi {
  return useContext(ToastContext);
}

/**
 * Short-lived messages at the bottom of the window (or in a view's dock); an action (like Undo) keeps
 * it up longer. One at a time: a new message replaces the last, so they never stack over the page.
 */
export function ToastProvider({ children }: { children: ReactNode }) {
  const [items, setItems] = useState<ToastItem[]>([]);
  const [dockEl, setDockEl] = useState<HTMLElement | null>(null);
  const nextId = useRef(1);
  const dismiss = useCallback((id: number) => setItems((list) => list.filter((t) => t.id !== id)), []);
  const show = useCallback<ToastApi['show']>(
    (message, options = {}) => {
      const id = nextId.current++;
      setItems([{ id, message, kind: options.kind ?? 'info', action: options.action }]);
      setTimeout(() => dismiss(id), options.timeoutMs ?? (options.action ? 10_000 : 4_000));
    },
    [dismiss],
  );
  const api = useMemo<ToastApi>(() => ({ show, dock: setDockEl }), [show]);
  const list = (
    <div className={dockEl ? 'toasts docked' : 'toasts'} role="status" aria-live="polite">
      {items.map((t) => (
        <Toast key={t.id} item={t} onDismiss={() => dismiss(t.id)} />
      ))}
    </div>
  );
  return (
    <ToastContext.Provider value={api}>
      {children}
      {dockEl ? createPortal(list, dockEl) : list}
    </ToastContext.Provider>
  );
}

function Toast({ item, onDismiss }: { item: ToastItem; onDismiss: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.animate([{ opacity: 0, transform: 'translateY(8px)' }, { opacity: 1, transform: 'none' }], 150);
  }, []);
  return (
    <div ref={ref} className={`toast toast-${item.kind}`}>
      <span>{item.message}</span>
      {item.action && (
        <button
          className="link"
          onClick={() => {
            item.action!.run();
            onDismiss();
          }}
        >
          {item.action.label}
        </button>
      )}
      <button className="icon" aria-label="Dismiss" onClick={onDismiss}>
        ×
      </button>
    </div>
  );
}
