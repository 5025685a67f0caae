import { usePagedList } from '../../components/usePagedList';
import type { PromptPages } from './usePromptPages';

const ROW_HEIGHT = 64;

interface Props {
  pages: PromptPages;
  selectedIndex: number | null;
  onSelect: (index: number, id: string) => void;
}

/** The virtualized list: only the rows on screen exist in the DOM, whatever the workspace holds. */
export function PromptList({ pages, selectedIndex, onSelect }: Props) {
  const { parentRef, totalSize, rows: virtualItems } = usePagedList(pages, ROW_HEIGHT, selectedIndex, 10);

  return (
    <div ref={parentRef} className="prompt-list" role="listbox" aria-label="Prompts" tabIndex={-1}>
      <div style={{ height: totalSize, position: 'relative' }}>
        {virtualItems.map((row) => {
          const item = pages.itemAt(row.index);
          const selected = row.index === selectedIndex;
          return (
            <div
              key={row.key}
              role="option"
              aria-selected={selected}
              data-prompt-id={item?.id}
              className={`prompt-row${selected ? ' selected' : ''}`}
              style={{ position: 'absolute', top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${row.start}px)` }}
              onClick={() => item && onSelect(row.index, item.id)}
            >
              {item ? (
                <>
                  <div className="prompt-row-text">{item.preview || <span className="muted">(empty)</span>}</div>
                  <div className="prompt-row-meta">
                    <span className="mono muted">{item.id}</span>
                    {item.kind === 'messages' && <span className="badge">chat</span>}
                    {item.hasReference && <span className="badge">ref</span>}
                    {item.tags.map((t) => (
                      <span key={t} className="tag">
                        {t}
                      </span>
                    ))}
                  </div>
                </>
              ) : (
                <div className="prompt-row-text muted">Loading…</div>
              )}
            </div>
          );
        })}
      </div>
    </div>
  );
}
