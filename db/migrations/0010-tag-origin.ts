import type { Migration } from '../migration';

/**
 * Where a failure tag was made: in Review (where the model's name shows) or in Compare. A blind
 * comparison shows only tags made in Compare: a tag the reviewer made in Review would tie a side to
 * the model they saw named there. Tags made before this migration are Review's.
 */
export const migration: Migration = {
  version: 10,
  name: 'tag-origin',
  up(db) {
    db.exec(`ALTER TABLE failure_tags ADD COLUMN made_in TEXT NOT NULL DEFAULT 'review' CHECK (made_in IN ('review', 'compare'));`);
  },
};
