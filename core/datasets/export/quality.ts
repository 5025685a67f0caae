import { Coincidences } from '../../stats';

/**
 * Label-quality figures for the dataset card, accumulated while the export streams (constant
 * memory: one item's labels at a time, a few counters overall). The statistics are core/stats'.
 *
 * - Agreement: for each item labeled by two or more reviewers (a pairwise task; a pair of shown
 *   positions of an N-way task; a generation's verdict), the share of items where every reviewer
 *   gave the same category, and Krippendorff's α (nominal) from the coincidence matrix
 *   (`Coincidences`). α is undefined (null) when every value is the same category.
 * - Position bias: among pairwise labels that chose a side while a person saw the sides (not
 *   imports whose left/right order Assay assigned), the share that chose the left (A), with a
 *   Wilson 95% interval (`positionBias`); 0.5 means no bias.
 */
export class LabelQuality {
  readonly pairChoices = new Coincidences();
  readonly rankPairs = new Coincidences();
  readonly verdicts = new Coincidences();
  leftWins = 0;
  decided = 0;
}
