export { type StageOptions, stageNormalizedScan } from "#cli/bench/stage";
