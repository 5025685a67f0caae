/**
 * The statistics core of the comparison leaderboard and label-quality figures: pure functions,
 * no database, no I/O. See each module's comment for the definitions and choices.
 *
 * - bradley-terry: `PairTally`, `fitBradleyTerry`, `bootstrapBradleyTerry`, `toRating`
 * - tables: `pairTables` (win-rate matrix, counts per pair)
 * - proportion: `wilsonInterval`, `positionBias`
 * - agreement: `cohensKappa`, `cohensKappaFromTable`, `krippendorffAlpha` (nominal, ordinal, interval)
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
export * from './synthetic';
export * from './tables';
