/** Human names and chart colours for phases, methods and statuses. */
export const PHASE_LABELS: Readonly<Record<string, string>> = {
  search: 'Search (dense + slimming)',
  surgery: 'Surgery',
  'surgery-checks': 'Surgery checks',
  'start-up': 'Start-up (charged to no method)',
  'warm-up': 'Warm-up (charged to no method)',
  retrain: 'Retrain (EB ticket)',
  ebReinit: 'EB re-init',
  dense: 'Dense baseline',
  lotteryTicket: 'Lottery ticket',
  scratchE: 'Scratch-E',
  scratchB: 'Scratch-B',
};

/** Methods as the paper and the PDF name them (never the config keys ebTrain, lotteryTicket …). */
export const METHOD_LABELS: Readonly<Record<string, string>> = {
  ebTrain: 'EB Train', ebReinit: 'EB re-init', dense: 'Dense', prunePipeline: 'Standard pipeline', lotteryTicket: 'Lottery ticket', scratchE: 'Scratch-E', scratchB: 'Scratch-B',
};

export function methodLabel(method: string): string {
  return METHOD_LABELS[method] ?? method;
}

export const SHORT_PHASE_LABELS: Readonly<Record<string, string>> = {
  search: 'search', surgery: 'surgery', 'surgery-checks': 'checks', 'start-up': 'start-up', 'warm-up': 'warm-up', retrain: 'retrain', ebReinit: 'EB re-init',
  dense: 'dense', lotteryTicket: 'LTH', scratchE: 'Scratch-E', scratchB: 'Scratch-B',
};

/** Mid-luminance colours that read on light and dark backgrounds alike. */
export const PALETTE = ['#3b82f6', '#f08c2e', '#22a06b', '#9b6ef3', '#e5484d', '#12a4b8', '#b07d48', '#d6409f', '#8b95a1'];

export const PHASE_COLORS: Readonly<Record<string, string>> = {
  search: '#3b82f6',
  surgery: '#eab308',
  'surgery-checks': '#a3a3a3',
  'start-up': '#8b95a1',
  'warm-up': '#c4c4c4',
  retrain: '#22a06b',
  dense: '#f08c2e',
  ebReinit: '#9b6ef3',
  lotteryTicket: '#e5484d',
  scratchE: '#12a4b8',
  scratchB: '#b07d48',
};

export function phaseLabel(phase: string): string {
  return PHASE_LABELS[phase] ?? phase;
}

export function phaseColor(phase: string, index = 0): string {
  return PHASE_COLORS[phase] ?? PALETTE[index % PALETTE.length]!;
}

export const STATUS_LABELS: Readonly<Record<string, string>> = {
  pending: 'starting', running: 'running', completed: 'completed', cancelled: 'cancelled', failed: 'failed', incomplete: 'incomplete',
};
