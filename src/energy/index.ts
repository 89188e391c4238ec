/**
 * The energy engine: power sources, the sampler, the meter, and what the savings come to.
 *
 * Wiring, as the experiment runner does it (src/experiment/energyRecorder.ts):
 *
 *   const sampler = await BackgroundSampler.start({ intervalMs: 1000 }, { intervalMs: 1000 }); // sources live on their own thread
 *   // print sampler.skipped[].reason
 *   const meter = new EnergyMeter({ initialPhase: 'search', onEvent: (e) => store.append(e) });
 *   sampler.onReadings((readings) => meter.ingest(readings));   // integrated by each reading's own time
 *   sampler.onSourceFailure((f, remaining) => log(`${f.source} stopped: ${f.reason}`));
 *   ...  meter.setPhase('surgery'); ... meter.setPhase('retrain'); ...
 *   const overheadPercent = await sampler.stop();               // final sample integrated, sources closed
 *   const energy = summariseEnergy({ totals: meter.totals(), views: meter.allTotals(), projection, overheadPercent,
 *                                    notEligible: savingEligibility(facts) });
 *
 * PowerSampler is the same loop on the calling thread (for sources that cannot cross threads).
 * On resume: `EnergyMeter.fromEvents(parsedEventsJsonl, { onEvent })`, then the same wiring.
 */
export type { EnergyKind, SourceKind, PowerReading, PowerSource, OpenResult, ReadingView } from './types.ts';
export { detectPowerSources, type PowerSourceSettings, type SkippedSource, type DetectedSources } from './detect.ts';
export { hardwareInventory, type HardwareInventory } from './inventory.ts';
export { PowerSampler, DEFAULT_SAMPLE_INTERVAL_MS, type SamplerOptions, type SourceFailure } from './sampler.ts';
export { EnergyMeter, INITIAL_PHASE, type MeterTotals, type MeterViews, type SourceTotal, type EnergyMeterOptions } from './meter.ts';
export { energyEventsIn, type EnergyEvent, type EnergyIntervalEvent, type EnergyPhaseEvent, type EnergyDelta } from './meterEvents.ts';
export {
  summariseEnergy, summarisePhases, projectDenseJoules, energySaved, savingEligibility, summariseContention,
  CONTENDED_SHARE, MIN_PROJECTION_EPOCHS, type SavingFacts, type PhaseContention,
  EB_TRAIN_PHASES, DENSE_PHASE, SEARCH_PHASE,
  type EnergySummary, type EnergySummaryInput, type PhaseSummary, type DenseProjection,
} from './savings.ts';
export * from './units.ts';
export { openNvmlSource, NvmlPowerSource, DEFAULT_NVML_LIBRARY } from './nvml/nvmlSource.ts';
export { openNvidiaSmiSource, NvidiaSmiPowerSource, DEFAULT_NVIDIA_SMI } from './nvidiaSmi/nvidiaSmiSource.ts';
export { openRaplSource, RaplPowerSource } from './rapl/raplSource.ts';
export { DEFAULT_POWERCAP_ROOT, raplPermissionFix } from './rapl/powercapZones.ts';
export { openCpuEstimateSource, CpuEstimateSource, cpuPowerModel, estimateCpuWatts } from './estimate/cpuEstimateSource.ts';
export { lookupCpuPower, cpuPowerTable, DEFAULT_WATTS_PER_CORE, CPU_POWER_TABLE_SOURCE } from './estimate/cpuPowerTable.ts';
export { CpuActivitySource, CpuActivityProbe, CPU_ACTIVITY_SOURCE } from './estimate/cpuActivity.ts';
export { usableCores } from './estimate/usableCores.ts';
export { summariseCompute, phaseCompute, TRAINING_FLOPS_PER_FORWARD, DISAGREEMENT_THRESHOLD, type ComputeSummary, type PhaseCompute, type PhaseWork } from './computeLedger.ts';
export { BackgroundSampler, type SourceInfo } from './backgroundSampler.ts';
