import { useEffect, useState } from 'react';
import type { PackInfo } from '../../../../contract';
import { call, isElectron, onEvent } from '../../api';
import { goToTab } from '../../navigation';
import { baseName } from './format';
import './packs.css';

/**
 * Shown above every view while the open workspace is an offline review pack: whose it is, where it
 * came from, how far its reviewer has got, and what to do when done. The count follows every save.
 */
export function PackBanner({ pack: initial, file }: { pack: PackInfo; file: string }) {
  const [pack, setPack] = useState(initial);
  useEffect(() => {
    const reload = () => void call('packs.info', {}).then((p) => p && setPack(p), () => undefined);
    const offs = [onEvent('onDidChangeReview', reload), onEvent('onDidChangeComparisons', reload)];
    return () => offs.forEach((off) => off());
  }, []);
  const to = pack.sentBy ?? `whoever sent it (it came from “${pack.sourceName}”)`;
  return (
    <div className="pack-banner" role="status" aria-label="Review pack" data-testid="pack-banner">
      <strong>Review pack for {pack.reviewerName}</strong>
      <span>
        from “{pack.sourceName}”{pack.sessionName ? <>, session “{pack.sessionName}”</> : null}
      </span>
      <span className="pack-banner-count" data-testid="pack-banner-count">
        {pack.labelled.toLocaleString()} of {pack.items.toLocaleString()} items labelled
      </span>
      <span className="pack-banner-next">
        When done, close Assay{isElectron ? '' : <> (stop <code>assay serve</code>)</>} and send this file back to {to}: <code title={file}>{baseName(file)}</code>
      </span>
    </div>
  );
}

/** A view that does nothing in a pack (it would only be refused): what the pack is for instead. */
export function PackEmptyState({ view, pack }: { view: string; pack: PackInfo }) {
  return (
    <div className="empty pack-empty" data-testid="pack-empty">
      <h2>{view} is not part of a review pack</h2>
      <p>
        This file is {pack.reviewerName}’s review pack: here you review and compare the items it holds. {view} is done in “{pack.sourceName}”, the workspace it came from, once
        the pack is merged back.
      </p>
      <div className="actions">
        <button onClick={() => goToTab('Review')}>Go to Review</button>
        <button className="secondary" onClick={() => goToTab('Compare')}>
          Go to Compare
        </button>
      </div>
    </div>
  );
}
