/**
 * The one statistics module (the leaderboard, label quality, the dataset card, failure rates): pure functions,
 * no database, no I/O. See each module's comment for the definitions and choices.
 *
 * - bradley-terry: `PairTally`, `fitBradleyTerry`, `bootstrapBradleyTerry`, `toRating`
 * - tables: `pairTables` (win-rate matrix, counts per pair)
 * - proportion: `wilsonInterval`, `positionBias`, `newcombeDifference` (two proportions' difference),
 *   `wilsonWidth`, `wilsonSampleSize` (trials for an interval of a given width)
 * - agreement: `cohensKappa`, `cohensKappaFromTable`, `krippendorffAlpha` (nominal, ordinal, interval),
 *   `Coincidences` (α one unit at a time, for a streaming caller)
 * - summary: `median`
 * - quality: `alphaOf`, `classPresenceAgreement`, `spanOverlap`, `preferenceAgreement`, `kendallsW`,
 *   `meanKendallsW`, `rankPairUnits`, `reviewerVsRest`, `leniency`, `lengthPreference` (label quality)
 * - random: `createRng`, `binomial`, `multinomial` (seeded, reproducible)
 * - synthetic, spearman: test and benchmark helpers
 */
export * from './agreement';
export * from './bradley-terry';
export * from './proportion';
export * from './quality';
export * from './random';
export * from './spearman';
export * from './summary';
export * from './synthetic';
export * from './tables';
